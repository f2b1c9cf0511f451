#include "broker/identity/revocation_list.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "broker/core/status_macros.h"
#include "broker/core/x509_text.h"

namespace safeshare::identity {
namespace {

using CrlPtr = std::unique_ptr<X509_CRL, OpenSslFree<X509_CRL_free>>;

constexpr std::uintmax_t kMaxCrlFileBytes = std::uintmax_t{16} << 20;
constexpr char kFix[] =
    "replace it with the CRL the partnership CA published (certs/revoke.sh writes ca.crl for the "
    "development CA), or remove it from the directory";

// Every CRL in `bytes`: PEM (several may follow each other) or one DER.
std::vector<CrlPtr> Crls(const std::string& bytes) {
  std::vector<CrlPtr> out;
  const BioPtr pem = MemoryBio(bytes);
  while (X509_CRL* crl = PEM_read_bio_X509_CRL(pem.get(), nullptr, nullptr, nullptr)) {
    out.emplace_back(crl);
  }
  if (out.empty()) {
    const BioPtr der = MemoryBio(bytes);
    if (X509_CRL* crl = d2i_X509_CRL_bio(der.get(), nullptr)) out.emplace_back(crl);
  }
  ERR_clear_error();
  return out;
}

absl::StatusOr<std::string> ReadCrlFile(const std::filesystem::path& file) {
  std::error_code error;
  const auto size = std::filesystem::file_size(file, error);
  if (error) return absl::NotFoundError("cannot read " + file.string() + ": " + error.message());
  if (size > kMaxCrlFileBytes) {
    return absl::FailedPreconditionError(file.string() + " is larger than 16 MiB: " + kFix);
  }
  std::ifstream in(file, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  if (!in) return absl::NotFoundError("cannot read " + file.string());
  return bytes.str();
}

// The CA of `bundle` that signed `crl`, or why none did.
absl::Status CheckSigner(const X509_CRL* crl, const std::vector<X509Ptr>& bundle,
                         const std::string& what) {
  const X509_NAME* issuer = X509_CRL_get_issuer(crl);
  bool named = false;
  for (const auto& ca : bundle) {
    if (X509_NAME_cmp(issuer, X509_get_subject_name(ca.get())) != 0) continue;
    named = true;
    if (X509_CRL_verify(const_cast<X509_CRL*>(crl), X509_get0_pubkey(ca.get())) == 1) {
      return absl::OkStatus();
    }
  }
  ERR_clear_error();
  if (!named) {
    return absl::FailedPreconditionError(what + ": issued by " + NameText(issuer) +
                                         ", which is not a CA of tls.client_ca; " + kFix);
  }
  return absl::FailedPreconditionError(what + ": its signature is not " + NameText(issuer) +
                                       "'s (a forged or damaged CRL); " + kFix);
}

}  // namespace

absl::StatusOr<RevocationList> RevocationList::Load(const std::filesystem::path& dir,
                                                    const std::string& ca_bundle_pem,
                                                    std::time_t now) {
  std::error_code error;
  std::vector<std::filesystem::path> files;
  for (const auto& item : std::filesystem::directory_iterator(dir, error)) {
    const auto name = item.path().filename().string();
    if (!name.empty() && name[0] != '.' && item.is_regular_file()) files.push_back(item.path());
  }
  if (error) {
    return absl::NotFoundError("tls.crl_directory " + dir.string() +
                               " cannot be read: " + error.message() +
                               "; create it (certs/revoke.sh writes one) or fix the path");
  }
  std::sort(files.begin(), files.end());
  const auto bundle = PemCertificates(ca_bundle_pem);
  RevocationList list;
  for (const auto& file : files) {
    const std::string what = "tls.crl_directory file " + file.string();
    auto bytes = ReadCrlFile(file);
    if (!bytes.ok()) return bytes.status();
    const auto crls = Crls(*bytes);
    if (crls.empty()) return absl::FailedPreconditionError(what + ": holds no CRL; " + kFix);
    for (const auto& crl : crls) {
      SAFESHARE_RETURN_IF_ERROR(CheckSigner(crl.get(), bundle, what));
      const std::string issuer = NameText(X509_CRL_get_issuer(crl.get()));
      const std::string issuer_der = NameDer(X509_CRL_get_issuer(crl.get()));
      const ASN1_TIME* next = X509_CRL_get0_nextUpdate(crl.get());
      if (next != nullptr && AsnTime(next) < now) {
        list.warnings_.push_back(absl::StrCat(
            what, ": the CRL of ", issuer, " was due for renewal on ", UtcText(AsnTime(next)),
            "; it is still applied, but publish a fresh one (certs/revoke.sh --refresh for the "
            "development CA)"));
      }
      STACK_OF(X509_REVOKED)* revoked = X509_CRL_get_REVOKED(crl.get());
      for (int i = 0; i < sk_X509_REVOKED_num(revoked); ++i) {
        const X509_REVOKED* entry = sk_X509_REVOKED_value(revoked, i);
        Revocation r{issuer, SerialHex(X509_REVOKED_get0_serialNumber(entry)),
                     AsnTime(X509_REVOKED_get0_revocationDate(entry)), file.filename().string()};
        list.revoked_.emplace(std::make_pair(issuer_der, r.serial), std::move(r));
      }
    }
  }
  return list;
}

const Revocation* RevocationList::Find(const PeerCertificate& cert) const {
  const auto it = revoked_.find({cert.issuer_der, cert.serial});
  return it == revoked_.end() ? nullptr : &it->second;
}

std::vector<Revocation> RevocationList::AddedSince(const RevocationList& before) const {
  std::vector<Revocation> added;
  for (const auto& [key, revocation] : revoked_) {
    if (!before.revoked_.contains(key)) added.push_back(revocation);
  }
  return added;
}

}  // namespace safeshare::identity
