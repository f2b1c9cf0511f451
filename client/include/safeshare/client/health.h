#ifndef SAFESHARE_CLIENT_HEALTH_H_
#define SAFESHARE_CLIENT_HEALTH_H_

#include <chrono>
#include <memory>
#include <string>

#include <grpcpp/channel.h>
#include <grpcpp/support/status.h>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace safeshare::client {

// grpc.health.v1.HealthCheckResponse.ServingStatus, by number.
enum class ServingStatus { kUnknown = 0, kServing = 1, kNotServing = 2, kServiceUnknown = 3 };

// "UNKNOWN", "SERVING", "NOT_SERVING", "SERVICE_UNKNOWN": the proto's names.
absl::string_view ServingStatusName(ServingStatus status);

// The service the broker reports for; "" asks about the server as a whole.
inline constexpr absl::string_view kBrokerServiceName = "safeshare.v1.Broker";

// The one place grpc.health.v1 messages are encoded by hand: Debian ships no
// generated code for the health protos, and both messages are one field.
// HealthCheckRequest{service}: field 1, length-delimited.
std::string EncodeHealthCheckRequest(absl::string_view service);
// HealthCheckResponse{status}: field 1, varint; empty means UNKNOWN.
// INTERNAL when `bytes` is not such a message.
absl::StatusOr<ServingStatus> DecodeHealthCheckResponse(absl::string_view bytes);

struct HealthAnswer {
  grpc::Status status;                              // of the call itself
  ServingStatus serving = ServingStatus::kUnknown;  // kUnknown when the call failed
};

// One grpc.health.v1.Health/Check call for `service` over `channel`, bounded
// by `deadline`. Not retried: a probe reports what it sees.
HealthAnswer CheckHealth(const std::shared_ptr<grpc::Channel>& channel, absl::string_view service,
                         std::chrono::milliseconds deadline);

}  // namespace safeshare::client

#endif  // SAFESHARE_CLIENT_HEALTH_H_
