#include "broker/rpc/tls_files.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "broker/core/key_file.h"
#include "broker/core/openssl_ptr.h"
#include "broker/core/status_macros.h"
#include "broker/core/text_file.h"
#include "broker/core/x509_text.h"

namespace safeshare::rpc {
namespace {

constexpr char kMakeDevelopmentOnes[] =
    "for development, certs/gen-dev-pki.sh makes a set; in production, ask the partnership's CA";

// Whether `cert` is valid at `now`, with `renew` as the advice when it has
// expired; a warning when it expires soon.
absl::Status CheckValidity(const X509* cert, std::time_t now, const std::string& what,
                           const std::string& renew, std::vector<std::string>& warnings) {
  std::time_t at = now;
  const ASN1_TIME* not_before = X509_get0_notBefore(cert);
  const ASN1_TIME* not_after = X509_get0_notAfter(cert);
  const std::string named = what + " (" + NameText(X509_get_subject_name(cert)) + ")";
  if (X509_cmp_time(not_before, &at) >= 0) {
    return absl::FailedPreconditionError(
        named + " is not valid until " + UtcText(AsnTime(not_before)) +
        ": check the machine's clock, or install a certificate valid now");
  }
  if (X509_cmp_time(not_after, &at) <= 0) {
    return absl::FailedPreconditionError(named + " expired on " + UtcText(AsnTime(not_after)) +
                                         ": " + renew);
  }
  at = now + kExpiryWarning;
  if (X509_cmp_time(not_after, &at) <= 0) {
    warnings.push_back(named + " expires on " + UtcText(AsnTime(not_after)) +
                       ": renew it before then");
  }
  return absl::OkStatus();
}

absl::Status CheckCertificate(const TlsMaterial& material, const TlsFiles& files, std::time_t now,
                              std::vector<std::string>& warnings) {
  const std::string what = "tls.certificate " + files.certificate.string();
  const auto chain = PemCertificates(material.certificate_pem);
  if (chain.empty()) {
    return absl::FailedPreconditionError(what + ": no PEM certificate in it; " +
                                         kMakeDevelopmentOnes);
  }
  SAFESHARE_RETURN_IF_ERROR(CheckValidity(
      chain.front().get(), now, what,
      std::string("install a renewed certificate; ") + kMakeDevelopmentOnes, warnings));

  const BioPtr bio = MemoryBio(material.private_key_pem);
  const PkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  ERR_clear_error();
  const std::string key_what = "tls.private_key " + files.private_key.string();
  if (key == nullptr) {
    return absl::FailedPreconditionError(
        key_what +
        ": not an unencrypted PEM private key; the broker reads the key without a "
        "passphrase, so protect it with its file mode (600)");
  }
  if (X509_check_private_key(chain.front().get(), key.get()) != 1) {
    ERR_clear_error();
    return absl::FailedPreconditionError(key_what + " is not the key of " + what +
                                         ": configure the key the certificate was issued for");
  }
  return absl::OkStatus();
}

absl::Status CheckClientCa(const TlsMaterial& material, const TlsFiles& files, std::time_t now,
                           std::vector<std::string>& warnings) {
  const std::string what = "tls.client_ca " + files.client_ca.string();
  const auto bundle = PemCertificates(material.client_ca_pem);
  if (bundle.empty()) {
    return absl::FailedPreconditionError(
        what +
        ": no PEM certificate in it; it must hold the partnership CA that issued the "
        "agencies' certificates");
  }
  for (const auto& ca : bundle) {
    SAFESHARE_RETURN_IF_ERROR(CheckValidity(
        ca.get(), now, what,
        "it can no longer vouch for any agency: remove it from the bundle, or replace it with its "
        "renewal",
        warnings));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<TlsMaterial> LoadTlsMaterial(const TlsFiles& files, std::time_t now) {
  auto certificate = ReadTextFile(files.certificate, "tls.certificate");
  if (!certificate.ok()) return certificate.status();
  SAFESHARE_RETURN_IF_ERROR(
      CheckOwnerOnlyKeyFile(files.private_key, "tls.private_key", kMakeDevelopmentOnes));
  auto key = ReadTextFile(files.private_key, "tls.private_key");
  if (!key.ok()) return key.status();
  auto ca = ReadTextFile(files.client_ca, "tls.client_ca");
  if (!ca.ok()) return ca.status();
  TlsMaterial material{std::move(*certificate), std::move(*key), std::move(*ca), {}};
  SAFESHARE_RETURN_IF_ERROR(CheckCertificate(material, files, now, material.warnings));
  SAFESHARE_RETURN_IF_ERROR(CheckClientCa(material, files, now, material.warnings));
  return material;
}

}  // namespace safeshare::rpc
