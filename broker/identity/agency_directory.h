#pragma once

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/status/statusor.h"
#include "broker/config/broker_config.h"
#include "broker/identity/peer_certificate.h"

namespace safeshare::identity {

// The agency behind a verified connection.
struct Caller {
  AgencyId agency;
  std::string role;
  // The certificate the call came with (for open streams, rechecked while
  // they last); null where no connection is involved.
  std::shared_ptr<const PeerCertificate> certificate = nullptr;
};

// Maps the SAN URIs of a client certificate, already verified by TLS against
// the partnership CA, to a configured agency. Immutable after construction,
// so safe to share between threads.
class AgencyDirectory {
 public:
  explicit AgencyDirectory(const std::vector<config::Agency>& agencies);

  // UNAUTHENTICATED when no URI names a configured agency, or when the
  // certificate names more than one (ambiguous identity is refused).
  absl::StatusOr<Caller> Identify(const std::vector<std::string>& peer_uris) const;

 private:
  std::unordered_map<std::string, Caller> by_uri_;
};

}  // namespace safeshare::identity
