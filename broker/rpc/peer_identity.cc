#include "broker/rpc/peer_identity.h"

#include <grpc/grpc_security_constants.h>

#include <string>
#include <vector>

namespace safeshare::rpc {

absl::StatusOr<identity::Caller> IdentifyPeer(const grpc::CallbackServerContext& context,
                                              const identity::AgencyDirectory& directory) {
  const auto auth = context.auth_context();
  if (auth == nullptr || !auth->IsPeerAuthenticated()) {
    return absl::UnauthenticatedError("a verified client certificate is required");
  }
  std::vector<std::string> uris;
  for (const auto& value : auth->FindPropertyValues(GRPC_PEER_URI_PROPERTY_NAME)) {
    uris.emplace_back(value.data(), value.size());
  }
  return directory.Identify(uris);
}

}  // namespace safeshare::rpc
