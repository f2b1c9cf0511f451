#include "broker/rpc/status_mapping.h"

#include <string>

#include "broker/service/delivery_hub.h"

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
    // The store words these for the client: disk full or overloaded (retry
    // later), busy, shutting down, or failed (a retry cannot work until an
    // operator restores it); never with internal detail.
    case absl::StatusCode::kResourceExhausted:
      return {grpc::StatusCode::RESOURCE_EXHAUSTED, message};
    case absl::StatusCode::kUnavailable:
      return {grpc::StatusCode::UNAVAILABLE, message};
    case absl::StatusCode::kDataLoss:
      return {grpc::StatusCode::DATA_LOSS,
              "stored data failed its integrity check, so it is not served; the broker's "
              "operator has been alerted and must restore the store from a backup"};
    // A stream ended because its subscription was reset or deleted. Any
    // other ABORTED is the store's constraint error, internal detail.
    case absl::StatusCode::kAborted:
      if (service::IsStreamEnded(status)) return {grpc::StatusCode::ABORTED, message};
      return {grpc::StatusCode::INTERNAL, "internal broker error; the operator has been alerted"};
    case absl::StatusCode::kCancelled:
      return {grpc::StatusCode::CANCELLED, message};
    // A paged read stopped at the caller's deadline (the service's words).
    case absl::StatusCode::kDeadlineExceeded:
      return {grpc::StatusCode::DEADLINE_EXCEEDED, message};
    default:
      return {grpc::StatusCode::INTERNAL, "internal broker error; the operator has been alerted"};
  }
}

}  // namespace safeshare::rpc
