#pragma once

#include <ctime>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace safeshare::identity {

// What the broker reads from a client certificate that TLS has verified
// against the partnership CA: enough to name it in a log line, check its
// dates and key usage, find it on a revocation list and map it to an agency.
struct PeerCertificate {
  std::string subject;     // one line, e.g. "/O=SafeShare Dev Partnership/CN=police"
  std::string issuer;      // one line
  std::string issuer_der;  // the issuer name, DER: a CRL applies when its issuer matches exactly
  std::string serial;      // upper-case hex, as `openssl x509 -serial` prints it
  std::time_t not_before = 0;
  std::time_t not_after = 0;
  std::vector<std::string> uris;  // SAN URIs, in certificate order
  bool client_auth = false;       // extended key usage names clientAuth

  // "serial 5F3A… (/O=…/CN=police)": how logs and refusals name it. No
  // personal data: agency certificates name agencies.
  std::string Describe() const;
};

// Parses the first certificate of a PEM text. INVALID_ARGUMENT when there
// is none.
absl::StatusOr<PeerCertificate> ParsePeerCertificate(std::string_view pem);

}  // namespace safeshare::identity
