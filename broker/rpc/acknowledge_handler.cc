#include "broker/rpc/broker_rpc.h"
#include "broker/rpc/peer_identity.h"
#include "broker/rpc/status_mapping.h"

namespace safeshare::rpc {

grpc::ServerUnaryReactor* BrokerRpc::Acknowledge(grpc::CallbackServerContext* context,
                                                 const v1::AcknowledgeRequest* request,
                                                 v1::AcknowledgeResponse* response) {
  auto* reactor = context->DefaultReactor();
  auto caller = IdentifyPeer(*context, directory_);
  if (!caller.ok()) {
    reactor->Finish(ToGrpcStatus(caller.status()));
    return reactor;
  }
  service_.Acknowledge(*caller, request->subscription(), request->sequence(),
                       [reactor, response](absl::StatusOr<store::AckResult> result) {
                         if (!result.ok()) return reactor->Finish(ToGrpcStatus(result.status()));
                         response->set_acknowledged_through(result->acknowledged_through.value());
                         response->set_newly_acknowledged(result->newly_acknowledged);
                         reactor->Finish(grpc::Status::OK);
                       });
  return reactor;
}

}  // namespace safeshare::rpc
