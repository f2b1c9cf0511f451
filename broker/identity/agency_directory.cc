#include "broker/identity/agency_directory.h"

#include "absl/status/status.h"

namespace safeshare::identity {

AgencyDirectory::AgencyDirectory(const std::vector<config::Agency>& agencies) {
  for (const auto& agency : agencies) {
    by_uri_.emplace(agency.certificate_uri, Caller{agency.id, agency.role});
  }
}

absl::StatusOr<Caller> AgencyDirectory::Identify(const std::vector<std::string>& peer_uris) const {
  const Caller* found = nullptr;
  for (const auto& uri : peer_uris) {
    auto it = by_uri_.find(uri);
    if (it == by_uri_.end()) continue;
    if (found != nullptr && found->agency != it->second.agency) {
      return absl::UnauthenticatedError(
          "client certificate names more than one agency; issue one certificate per agency");
    }
    found = &it->second;
  }
  if (found == nullptr) {
    return absl::UnauthenticatedError(
        "client certificate does not name an agency of this partnership; ask the broker "
        "operator to add its SAN URI to the agencies list");
  }
  return *found;
}

}  // namespace safeshare::identity
