#include "tls_credentials.h"

#include <memory>
#include <string>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "absl/strings/str_cat.h"
#include "file_contents.h"

namespace safeshare::client {
namespace {

using BioPtr = std::unique_ptr<BIO, decltype(&BIO_free)>;
using X509Ptr = std::unique_ptr<X509, decltype(&X509_free)>;
using KeyPtr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;

BioPtr MemoryBio(const std::string& pem) {
  return BioPtr(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
}

// Reads a PEM file; `what` names it in errors ("client certificate").
absl::StatusOr<std::string> ReadPem(absl::string_view what, const std::string& path) {
  if (path.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("no ", what, " file given"));
  }
  absl::StatusOr<std::string> pem = ReadFileContents(path);
  if (!pem.ok()) {
    return absl::Status(pem.status().code(), absl::StrCat(what, ": ", pem.status().message()));
  }
  return pem;
}

// The first certificate in `pem`, or an error naming `what` and `path`.
absl::StatusOr<X509Ptr> ParseCertificate(absl::string_view what, const std::string& path,
                                         const std::string& pem) {
  BioPtr bio = MemoryBio(pem);
  X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr), &X509_free);
  ERR_clear_error();
  if (cert == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " ", path, " does not hold a PEM certificate"));
  }
  return cert;
}

absl::Status CheckKeyMatches(const ClientOptions& options, const std::string& cert_pem,
                             const std::string& key_pem) {
  absl::StatusOr<X509Ptr> cert = ParseCertificate("client certificate", options.cert, cert_pem);
  if (!cert.ok()) {
    return cert.status();
  }
  BioPtr bio = MemoryBio(key_pem);
  KeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr), &EVP_PKEY_free);
  const bool matches = key != nullptr && X509_check_private_key(cert->get(), key.get()) == 1;
  ERR_clear_error();
  if (key == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("client key ", options.key, " does not hold an unencrypted PEM private key"));
  }
  if (!matches) {
    return absl::InvalidArgumentError(absl::StrCat(
        "client key ", options.key, " does not match client certificate ", options.cert));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<grpc::SslCredentialsOptions> ReadTlsCredentials(const ClientOptions& options) {
  absl::StatusOr<std::string> ca = ReadPem("CA certificate", options.ca);
  if (!ca.ok()) {
    return ca.status();
  }
  absl::StatusOr<std::string> cert = ReadPem("client certificate", options.cert);
  if (!cert.ok()) {
    return cert.status();
  }
  absl::StatusOr<std::string> key = ReadPem("client key", options.key);
  if (!key.ok()) {
    return key.status();
  }
  absl::StatusOr<X509Ptr> ca_cert = ParseCertificate("CA certificate", options.ca, *ca);
  if (!ca_cert.ok()) {
    return ca_cert.status();
  }
  if (absl::Status status = CheckKeyMatches(options, *cert, *key); !status.ok()) {
    return status;
  }
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = *std::move(ca);
  ssl.pem_cert_chain = *std::move(cert);
  ssl.pem_private_key = *std::move(key);
  return ssl;
}

}  // namespace safeshare::client
