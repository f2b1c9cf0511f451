#include "broker/rpc/peer_identity.h"

#include <grpc/grpc_security_constants.h>

#include <string>
#include <vector>

#include "absl/strings/str_join.h"

namespace safeshare::rpc {

std::optional<identity::Caller> PeerIdentity::Identify(
    const grpc::CallbackServerContext& context, std::string_view call,
    std::function<void(absl::Status)> refuse) const {
  const auto auth = context.auth_context();
  if (auth == nullptr || !auth->IsPeerAuthenticated()) {
    // Not reachable while the server requires and verifies client
    // certificates; nobody to put on the record if it were.
    refuse(absl::UnauthenticatedError("a verified client certificate is required"));
    return std::nullopt;
  }
  std::vector<std::string> uris;
  for (const auto& value : auth->FindPropertyValues(GRPC_PEER_URI_PROPERTY_NAME)) {
    uris.emplace_back(value.data(), value.size());
  }
  auto caller = directory_.Identify(uris);
  if (caller.ok()) return *std::move(caller);
  // Signed by the partnership's CA, yet no agency's: on the record under
  // what the certificate says it is.
  refusals_.Refuse(
      uris.empty() ? std::string("(certificate without a URI)") : absl::StrJoin(uris, " "), call,
      caller.status(), std::move(refuse));
  return std::nullopt;
}

}  // namespace safeshare::rpc
