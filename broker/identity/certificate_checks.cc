#include "broker/identity/certificate_checks.h"

#include "absl/strings/str_join.h"
#include "broker/core/x509_text.h"

namespace safeshare::identity {

absl::Status CheckAgencyCertificate(const PeerCertificate& cert, const RevocationList& revoked,
                                    std::time_t now) {
  // Named only when refused: this runs on every call.
  const auto named = [&cert] { return "client certificate " + cert.Describe(); };
  if (now < cert.not_before) {
    return absl::UnauthenticatedError(named() + " is not valid until " + UtcText(cert.not_before) +
                                      ": check the clocks, or use a certificate valid now");
  }
  if (now >= cert.not_after) {
    return absl::UnauthenticatedError(
        named() + " expired on " + UtcText(cert.not_after) +
        ": the agency needs a renewed certificate from the partnership CA");
  }
  if (!cert.client_auth) {
    return absl::UnauthenticatedError(
        named() +
        " is not issued for client authentication (extended key usage clientAuth): ask the "
        "partnership CA for an agency certificate");
  }
  if (cert.uris.size() != 1) {
    return absl::UnauthenticatedError(
        named() + " names " + std::to_string(cert.uris.size()) + " SAN URIs" +
        (cert.uris.empty() ? std::string() : " (" + absl::StrJoin(cert.uris, ", ") + ")") +
        "; an agency certificate names exactly one, its agency's "
        "spiffe://<trust domain>/agency/<id>");
  }
  if (const Revocation* revocation = revoked.Find(cert)) {
    return absl::UnauthenticatedError(
        named() + " was revoked on " + UtcText(revocation->revoked_at) + " (CRL " +
        revocation->file + "): the agency needs a new certificate from the partnership CA");
  }
  return absl::OkStatus();
}

CertificateChecks::CertificateChecks(std::shared_ptr<const RevocationList> revoked)
    : revoked_(std::move(revoked)) {}

absl::StatusOr<std::shared_ptr<const PeerCertificate>> CertificateChecks::Parse(
    std::string_view pem) const {
  {
    absl::ReaderMutexLock lock(&mu_);
    if (const auto it = parsed_.find(absl::string_view(pem.data(), pem.size()));
        it != parsed_.end()) {
      return it->second;
    }
  }
  auto cert = ParsePeerCertificate(pem);
  if (!cert.ok()) return cert.status();
  auto shared = std::make_shared<const PeerCertificate>(*std::move(cert));
  absl::MutexLock lock(&mu_);
  if (parsed_.size() >= kMaxParsed) parsed_.clear();
  parsed_.emplace(std::string(pem), shared);
  return shared;
}

absl::Status CertificateChecks::Check(const PeerCertificate& cert, std::time_t now) const {
  absl::ReaderMutexLock lock(&mu_);
  return CheckAgencyCertificate(cert, *revoked_, now);
}

std::shared_ptr<const RevocationList> CertificateChecks::revocations() const {
  absl::ReaderMutexLock lock(&mu_);
  return revoked_;
}

void CertificateChecks::SetRevocations(std::shared_ptr<const RevocationList> revoked) {
  absl::MutexLock lock(&mu_);
  revoked_ = std::move(revoked);
}

}  // namespace safeshare::identity
