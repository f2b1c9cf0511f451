#include "broker/rpc/broker_rpc.h"
#include "broker/rpc/unary_call.h"

namespace safeshare::rpc {

grpc::ServerUnaryReactor* BrokerRpc::Acknowledge(grpc::CallbackServerContext* context,
                                                 const v1::AcknowledgeRequest* request,
                                                 v1::AcknowledgeResponse* response) {
  return WithCaller(
      context, peers_, "Broker.Acknowledge", [&](auto* reactor, const identity::Caller& caller) {
        service_.Acknowledge(
            caller, request->subscription(), request->sequence(),
            [reactor, response](absl::StatusOr<store::AckResult> result) {
              if (!result.ok()) return reactor->Finish(ToGrpcStatus(result.status()));
              response->set_acknowledged_through(result->acknowledged_through.value());
              response->set_newly_acknowledged(result->newly_acknowledged);
              reactor->Finish(grpc::Status::OK);
            });
      });
}

}  // namespace safeshare::rpc
