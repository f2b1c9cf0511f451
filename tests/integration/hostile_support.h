#pragma once

// What the hostile-input tests share: the broker process's resident memory
// and thread count (from /proc/<pid>/status), and one call of any
// safeshare.v1.Broker method with raw bytes as its request.
#include <grpcpp/generic/generic_stub.h>

#include <chrono>
#include <cstdint>
#include <sstream>
#include <string>

#include "tests/integration/scenario.h"

namespace safeshare::testing {

// A figure of /proc/<pid>/status (e.g. "VmRSS", in kB; "Threads"); -1 when absent.
inline int64_t ProcStatus(pid_t pid, const std::string& key) {
  std::istringstream lines(ReadFile("/proc/" + std::to_string(pid) + "/status"));
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(key + ":", 0) == 0) return std::stoll(line.substr(key.size() + 1));
  }
  return -1;
}

inline int64_t RssMiB(const BrokerProcess& broker) {
  return ProcStatus(broker.pid(), "VmRSS") / 1024;
}

inline int64_t Threads(const BrokerProcess& broker) { return ProcStatus(broker.pid(), "Threads"); }

// Calls `method` ("/safeshare.v1.Broker/Publish") with `bytes` as its
// request on `channel`, bounded by `deadline`, and returns its status. A
// server-streaming method's messages are read and dropped.
inline grpc::Status CallRaw(const std::shared_ptr<grpc::Channel>& channel,
                            const std::string& method, bool server_streaming,
                            const std::string& bytes,
                            std::chrono::seconds deadline = std::chrono::seconds(10)) {
  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + deadline);
  grpc::Slice slice(bytes);
  grpc::ByteBuffer request(&slice, 1);
  grpc::CompletionQueue cq;
  grpc::Status status;
  void* tag = nullptr;
  bool ok = false;
  const auto wait = [&](intptr_t want) {
    while (cq.Next(&tag, &ok) && reinterpret_cast<intptr_t>(tag) != want) {
    }
    return ok;
  };
  if (!server_streaming) {
    auto call = stub.PrepareUnaryCall(&context, method, request, &cq);
    call->StartCall();
    grpc::ByteBuffer response;
    call->Finish(&response, &status, reinterpret_cast<void*>(1));
    wait(1);
  } else {
    auto call = stub.PrepareCall(&context, method, &cq);
    call->StartCall(reinterpret_cast<void*>(1));
    if (wait(1)) {
      call->WriteLast(request, grpc::WriteOptions(), reinterpret_cast<void*>(2));
      wait(2);
      grpc::ByteBuffer message;
      for (int i = 0; i < 100; ++i) {  // bounded: a refused stream ends at once
        call->Read(&message, reinterpret_cast<void*>(3));
        if (!wait(3)) break;
      }
    }
    call->Finish(&status, reinterpret_cast<void*>(4));
    wait(4);
  }
  cq.Shutdown();
  while (cq.Next(&tag, &ok)) {
  }
  return status;
}

}  // namespace safeshare::testing
