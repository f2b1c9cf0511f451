#pragma once

#include <string_view>

#include <grpcpp/grpcpp.h>

#include "broker/rpc/peer_identity.h"
#include "broker/rpc/status_mapping.h"

namespace safeshare::rpc {

// The shape of every unary handler: identify the caller from its verified
// certificate, then run `call(reactor, caller)`, which finishes the reactor
// (now or from a completion). An unidentified caller is finished with the
// identity error (once its refusal of `name`, e.g. "Broker.GetCase", is
// audited) and `call` is not run.
template <typename Call>
grpc::ServerUnaryReactor* WithCaller(grpc::CallbackServerContext* context,
                                     const PeerIdentity& peers, std::string_view name,
                                     Call&& call) {
  auto* reactor = context->DefaultReactor();
  auto caller = peers.Identify(*context, name, [reactor](const absl::Status& refused) {
    reactor->Finish(ToGrpcStatus(refused));
  });
  if (caller) call(reactor, *caller);
  return reactor;
}

}  // namespace safeshare::rpc
