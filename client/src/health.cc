#include "safeshare/client/health.h"

#include <future>
#include <vector>

#include <grpcpp/client_context.h>
#include <grpcpp/generic/generic_stub.h>

#include "absl/status/status.h"

namespace safeshare::client {
namespace {

constexpr char kFieldOneBytes = '\x0a';   // field 1, wire type 2 (length-delimited)
constexpr char kFieldOneVarint = '\x08';  // field 1, wire type 0 (varint)

void AppendVarint(std::string& out, uint64_t value) {
  for (; value >= 0x80; value >>= 7) out.push_back(static_cast<char>((value & 0x7f) | 0x80));
  out.push_back(static_cast<char>(value));
}

std::string BytesOf(grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  std::string bytes;
  if (!buffer.Dump(&slices).ok()) return bytes;
  for (const auto& s : slices) bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  return bytes;
}

}  // namespace

absl::string_view ServingStatusName(ServingStatus status) {
  switch (status) {
    case ServingStatus::kServing:
      return "SERVING";
    case ServingStatus::kNotServing:
      return "NOT_SERVING";
    case ServingStatus::kServiceUnknown:
      return "SERVICE_UNKNOWN";
    case ServingStatus::kUnknown:
      break;
  }
  return "UNKNOWN";
}

std::string EncodeHealthCheckRequest(absl::string_view service) {
  std::string request;
  if (service.empty()) return request;  // proto3: the default is not sent
  request.push_back(kFieldOneBytes);
  AppendVarint(request, service.size());
  request.append(service.data(), service.size());
  return request;
}

absl::StatusOr<ServingStatus> DecodeHealthCheckResponse(absl::string_view bytes) {
  if (bytes.empty()) return ServingStatus::kUnknown;
  // Every defined status fits one varint byte.
  if (bytes.size() == 2 && bytes[0] == kFieldOneVarint &&
      static_cast<unsigned char>(bytes[1]) <= static_cast<int>(ServingStatus::kServiceUnknown)) {
    return static_cast<ServingStatus>(bytes[1]);
  }
  return absl::InternalError("the health answer is not a grpc.health.v1.HealthCheckResponse");
}

HealthAnswer CheckHealth(const std::shared_ptr<grpc::Channel>& channel, absl::string_view service,
                         std::chrono::milliseconds deadline) {
  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + deadline);
  grpc::Slice slice(EncodeHealthCheckRequest(service));
  grpc::ByteBuffer sent(&slice, 1), reply;
  std::promise<grpc::Status> done;
  // The generic stub of gRPC 1.51 has only the callback form; the deadline
  // bounds the wait.
  stub.UnaryCall(&context, "/grpc.health.v1.Health/Check", grpc::StubOptions(), &sent, &reply,
                 [&done](grpc::Status status) { done.set_value(std::move(status)); });
  HealthAnswer answer{done.get_future().get()};
  if (!answer.status.ok()) return answer;
  auto serving = DecodeHealthCheckResponse(BytesOf(reply));
  if (!serving.ok()) {
    answer.status =
        grpc::Status(grpc::StatusCode::INTERNAL, std::string(serving.status().message()));
    return answer;
  }
  answer.serving = *serving;
  return answer;
}

}  // namespace safeshare::client
