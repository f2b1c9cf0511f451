#ifndef SAFESHARE_CLIENT_SRC_GRPC_STATUS_H_
#define SAFESHARE_CLIENT_SRC_GRPC_STATUS_H_

#include <grpcpp/support/status.h>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace safeshare::client {

// The one place a grpc::Status becomes an absl::Status. Codes map one to one
// (both follow google.rpc.Code). UNAVAILABLE gets a hint naming `broker`: on
// the client side it covers both "nothing listening" and a failed TLS
// handshake (wrong CA, expired or refused client certificate).
absl::Status FromGrpcStatus(const grpc::Status& status, absl::string_view broker);

}  // namespace safeshare::client

#endif  // SAFESHARE_CLIENT_SRC_GRPC_STATUS_H_
