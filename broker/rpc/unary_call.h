#pragma once

#include <chrono>
#include <cstdint>
#include <string_view>

#include <grpcpp/grpcpp.h>

#include "broker/rpc/peer_identity.h"
#include "broker/rpc/status_mapping.h"

namespace safeshare::rpc {

// True when the call's deadline had already passed as the broker starts it
// (a call that waited in a queue, or a client's clock far ahead): such a
// call is answered DeadlinePassed() with nothing done, not even identified.
inline bool DeadlinePassed(const grpc::ServerContextBase& context) {
  return context.deadline() <= std::chrono::system_clock::now();
}
inline grpc::Status DeadlinePassedStatus() {
  return {grpc::StatusCode::DEADLINE_EXCEEDED,
          "the call's deadline had passed when the broker started it; nothing was done: send it "
          "again with a later deadline"};
}

// The call's deadline as wall-clock microseconds since the Unix epoch, 0
// when it has none, for the service's paged reads.
inline int64_t DeadlineMicros(const grpc::ServerContextBase& context) {
  const auto deadline = context.deadline();
  if (deadline == std::chrono::system_clock::time_point::max()) return 0;
  return std::chrono::duration_cast<std::chrono::microseconds>(deadline.time_since_epoch()).count();
}

// The shape of every unary handler: refuse a call whose deadline has
// passed, identify the caller from its verified certificate, then run
// `call(reactor, caller)`, which finishes the reactor (now or from a
// completion). An unidentified caller is finished with the identity error
// (once its refusal of `name`, e.g. "Broker.GetCase", is audited) and
// `call` is not run.
template <typename Call>
grpc::ServerUnaryReactor* WithCaller(grpc::CallbackServerContext* context,
                                     const PeerIdentity& peers, std::string_view name,
                                     Call&& call) {
  auto* reactor = context->DefaultReactor();
  if (DeadlinePassed(*context)) {
    reactor->Finish(DeadlinePassedStatus());
    return reactor;
  }
  auto caller = peers.Identify(*context, name, [reactor](const absl::Status& refused) {
    reactor->Finish(ToGrpcStatus(refused));
  });
  if (caller) call(reactor, *caller);
  return reactor;
}

}  // namespace safeshare::rpc
