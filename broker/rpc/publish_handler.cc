#include "broker/core/logging.h"
#include "broker/rpc/broker_rpc.h"
#include "broker/rpc/peer_identity.h"
#include "broker/rpc/status_mapping.h"

namespace safeshare::rpc {

BrokerRpc::BrokerRpc(service::BrokerService& service, const identity::AgencyDirectory& directory)
    : service_(service), directory_(directory) {}

BrokerRpc::~BrokerRpc() { Drain(); }

void BrokerRpc::Drain() { feeds_.join(); }

grpc::ServerUnaryReactor* BrokerRpc::Publish(grpc::CallbackServerContext* context,
                                             const v1::PublishRequest* request,
                                             v1::PublishResponse* response) {
  auto* reactor = context->DefaultReactor();
  auto caller = IdentifyPeer(*context, directory_);
  if (!caller.ok()) {
    ModuleLogger("rpc")->warn("publish from {} refused: {}", context->peer(),
                              caller.status().ToString());
    reactor->Finish(ToGrpcStatus(caller.status()));
    return reactor;
  }
  service_.Publish(*caller, request->notification(),
                   [reactor, response](absl::StatusOr<store::PublishResult> result) {
                     if (!result.ok()) return reactor->Finish(ToGrpcStatus(result.status()));
                     response->set_notification_id(result->id.value());
                     response->set_sequence(result->sequence.value());
                     for (const auto& agency : result->routed_to)
                       response->add_routed_to(agency.value());
                     response->set_duplicate(result->duplicate);
                     reactor->Finish(grpc::Status::OK);
                   });
  return reactor;
}

}  // namespace safeshare::rpc
