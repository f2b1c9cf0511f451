#pragma once

#include <grpcpp/channel.h>
#include <grpcpp/generic/generic_stub.h>

#include <chrono>
#include <future>
#include <string>
#include <vector>

namespace safeshare::testing {

// grpc.health.v1.HealthCheckResponse.ServingStatus values.
inline constexpr int kServing = 1;
inline constexpr int kNotServing = 2;

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

// One grpc.health.v1.Health/Check call for `service`, hand-encoded (Debian
// ships no generated code for the health protos). Bounded by a 10 s deadline.
inline HealthAnswer CheckHealth(const std::shared_ptr<grpc::Channel>& channel,
                                const std::string& service) {
  // HealthCheckRequest{service}: field 1, length-delimited (short names only).
  const std::string request =
      service.empty() ? std::string{}
                      : std::string("\x0a", 1) + static_cast<char>(service.size()) + service;
  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  grpc::Slice slice(request);
  grpc::ByteBuffer sent(&slice, 1), reply;
  std::promise<grpc::Status> done;
  stub.UnaryCall(&context, "/grpc.health.v1.Health/Check", grpc::StubOptions(), &sent, &reply,
                 [&done](grpc::Status status) { done.set_value(std::move(status)); });
  HealthAnswer answer{done.get_future().get()};
  if (!answer.status.ok()) return answer;
  const std::string bytes = BytesOf(reply);
  // HealthCheckResponse{status}: field 1, varint; empty means 0 (UNKNOWN).
  if (bytes.size() == 2 && bytes[0] == '\x08')
    answer.serving_status = static_cast<unsigned char>(bytes[1]);
  return answer;
}

}  // namespace safeshare::testing
