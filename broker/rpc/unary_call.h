#pragma once

#include <grpcpp/grpcpp.h>

#include "broker/identity/agency_directory.h"
#include "broker/rpc/peer_identity.h"
#include "broker/rpc/status_mapping.h"

namespace safeshare::rpc {

// The shape of every unary handler: identify the caller from its verified
// certificate, then run `call(reactor, caller)`, which finishes the reactor
// (now or from a completion). An unidentified caller is finished with the
// identity error and `call` is not run.
template <typename Call>
grpc::ServerUnaryReactor* WithCaller(grpc::CallbackServerContext* context,
                                     const identity::AgencyDirectory& directory, Call&& call) {
  auto* reactor = context->DefaultReactor();
  auto caller = IdentifyPeer(*context, directory);
  if (!caller.ok()) {
    reactor->Finish(ToGrpcStatus(caller.status()));
  } else {
    call(reactor, *caller);
  }
  return reactor;
}

}  // namespace safeshare::rpc
