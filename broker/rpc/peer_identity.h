#pragma once

#include <grpcpp/server_context.h>

#include "absl/status/statusor.h"
#include "broker/identity/agency_directory.h"

namespace safeshare::rpc {

// The agency behind a call, taken only from the client certificate that TLS
// verified (its SAN URIs); never from message fields or metadata.
absl::StatusOr<identity::Caller> IdentifyPeer(const grpc::CallbackServerContext& context,
                                              const identity::AgencyDirectory& directory);

}  // namespace safeshare::rpc
