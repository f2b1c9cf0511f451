#pragma once

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace safeshare::rpc {

// The one place where internal errors become wire status codes. Messages of
// client errors pass through (they name the field and what to do); internal
// failures are reported without internal detail.
grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace safeshare::rpc
