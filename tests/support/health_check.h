#pragma once

#include <grpcpp/channel.h>
#include <grpcpp/support/byte_buffer.h>

#include <chrono>
#include <string>
#include <vector>

#include "safeshare/client/health.h"

namespace safeshare::testing {

// grpc.health.v1.HealthCheckResponse.ServingStatus values.
inline constexpr int kServing = static_cast<int>(client::ServingStatus::kServing);
inline constexpr int kNotServing = static_cast<int>(client::ServingStatus::kNotServing);

// The bytes of a received message, whatever slices carry them.
inline std::string BytesOf(grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  std::string bytes;
  if (!buffer.Dump(&slices).ok()) return bytes;
  for (const auto& s : slices) bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  return bytes;
}

struct HealthAnswer {
  grpc::Status status;
  int serving_status = 0;  // 0 (UNKNOWN) when the call failed
};

// One grpc.health.v1.Health/Check call for `service` through the client
// library's encoding (client::CheckHealth), on any channel (in-process too).
// Bounded by a 10 s deadline.
inline HealthAnswer CheckHealth(const std::shared_ptr<grpc::Channel>& channel,
                                const std::string& service) {
  const auto answer = client::CheckHealth(channel, service, std::chrono::seconds(10));
  return {answer.status, static_cast<int>(answer.serving)};
}

}  // namespace safeshare::testing
