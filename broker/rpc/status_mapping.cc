#include "broker/rpc/status_mapping.h"

#include <string>

namespace safeshare::rpc {

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  std::string message(status.message());
  switch (status.code()) {
    case absl::StatusCode::kInvalidArgument:
      return {grpc::StatusCode::INVALID_ARGUMENT, message};
    case absl::StatusCode::kNotFound:
      return {grpc::StatusCode::NOT_FOUND, message};
    case absl::StatusCode::kPermissionDenied:
      return {grpc::StatusCode::PERMISSION_DENIED, message};
    case absl::StatusCode::kUnauthenticated:
      return {grpc::StatusCode::UNAUTHENTICATED, message};
    case absl::StatusCode::kAlreadyExists:
      return {grpc::StatusCode::ALREADY_EXISTS, message};
    case absl::StatusCode::kFailedPrecondition:
      return {grpc::StatusCode::FAILED_PRECONDITION, message};
    case absl::StatusCode::kResourceExhausted:
      return {grpc::StatusCode::RESOURCE_EXHAUSTED,
              "the broker cannot store more right now; retry later with the same idempotency key"};
    case absl::StatusCode::kUnavailable:
      return {grpc::StatusCode::UNAVAILABLE,
              "the broker cannot store this right now; nothing was stored; retry with the same "
              "idempotency key"};
    case absl::StatusCode::kCancelled:
      return {grpc::StatusCode::CANCELLED, message};
    default:
      return {grpc::StatusCode::INTERNAL, "internal broker error; the operator has been alerted"};
  }
}

}  // namespace safeshare::rpc
