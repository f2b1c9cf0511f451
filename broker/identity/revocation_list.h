#pragma once

#include <ctime>
#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "broker/identity/peer_certificate.h"

namespace safeshare::identity {

// One certificate a CRL revokes.
struct Revocation {
  std::string issuer;  // one line
  std::string serial;  // upper-case hex
  std::time_t revoked_at = 0;
  std::string file;  // the CRL file that lists it
};

// The certificates the partnership's CAs have revoked: every CRL in a
// directory, each checked against the CA bundle before it is believed.
// Immutable once loaded; the broker swaps in a new list when the directory
// changes (CertificateChecks).
class RevocationList {
 public:
  RevocationList() = default;  // nothing revoked

  // Reads every regular file of `dir` not starting with '.' (one or more
  // CRLs each, PEM or DER; certs/revoke.sh writes ca.crl). Refused, naming
  // the file and what to fix: a file that holds no CRL, a CRL whose issuer
  // is no CA of `ca_bundle_pem`, or whose signature that CA did not make.
  // A CRL past its next update is still applied (it lists what was revoked
  // then), with a warning to publish a fresh one.
  static absl::StatusOr<RevocationList> Load(const std::filesystem::path& dir,
                                             const std::string& ca_bundle_pem, std::time_t now);

  // The revocation of `cert`, or nullptr.
  const Revocation* Find(const PeerCertificate& cert) const;
  // What this list revokes that `before` did not.
  std::vector<Revocation> AddedSince(const RevocationList& before) const;
  size_t size() const { return revoked_.size(); }
  const std::vector<std::string>& warnings() const { return warnings_; }

 private:
  // Keyed by (issuer name DER, serial).
  std::map<std::pair<std::string, std::string>, Revocation> revoked_;
  std::vector<std::string> warnings_;
};

}  // namespace safeshare::identity
