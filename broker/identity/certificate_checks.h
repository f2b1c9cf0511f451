#pragma once

#include <ctime>
#include <memory>
#include <string>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "broker/identity/peer_certificate.h"
#include "broker/identity/revocation_list.h"

namespace safeshare::identity {

// What an agency's certificate must also be, beyond signed by the
// partnership CA (which TLS checks): valid now, issued for client
// authentication, naming exactly one SAN URI, and not revoked. Checked at
// the TLS handshake and again on every call and every open stream, so a
// revocation or an expiry also ends connections made before it.
// UNAUTHENTICATED with the reason and what to do.
absl::Status CheckAgencyCertificate(const PeerCertificate& cert, const RevocationList& revoked,
                                    std::time_t now);

// The revocation list in force, swapped whole when the CRL directory
// changes, and certificates parsed once each (a connection presents the same
// PEM on every call). Thread-safe.
class CertificateChecks {
 public:
  explicit CertificateChecks(
      std::shared_ptr<const RevocationList> revoked = std::make_shared<RevocationList>());

  // The certificate of `pem`, parsed on its first sight only.
  absl::StatusOr<std::shared_ptr<const PeerCertificate>> Parse(std::string_view pem) const;
  // CheckAgencyCertificate against the list in force.
  absl::Status Check(const PeerCertificate& cert, std::time_t now) const;

  std::shared_ptr<const RevocationList> revocations() const;
  void SetRevocations(std::shared_ptr<const RevocationList> revoked);

 private:
  // Distinct certificates seen; emptied when it reaches this size (each
  // agency has one or two, so only a flood of distinct ones gets there).
  static constexpr size_t kMaxParsed = 4096;

  mutable absl::Mutex mu_;
  std::shared_ptr<const RevocationList> revoked_ ABSL_GUARDED_BY(mu_);
  mutable absl::flat_hash_map<std::string, std::shared_ptr<const PeerCertificate>> parsed_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace safeshare::identity
