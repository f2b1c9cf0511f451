// Acknowledge, RecordAction, ListParked and ReleaseParked: what a recipient
// does with the deliveries of its own subscriptions. ListParked reads the store, so it
// runs on `reads_`, never on gRPC's threads or the store's completion
// thread.
#include <google/protobuf/util/time_util.h>

#include <boost/asio/post.hpp>

#include "broker/core/broker_metrics.h"
#include "broker/rpc/broker_rpc.h"
#include "broker/rpc/unary_call.h"
#include "broker/service/actions.h"

namespace safeshare::rpc {

grpc::ServerUnaryReactor* BrokerRpc::Acknowledge(grpc::CallbackServerContext* context,
                                                 const v1::AcknowledgeRequest* request,
                                                 v1::AcknowledgeResponse* response) {
  return WithCaller(
      context, peers_, "Broker.Acknowledge", [&](auto* reactor, const identity::Caller& caller) {
        service_.Acknowledge(
            caller, request->subscription(), request->sequence(),
            {request->sequences().begin(), request->sequences().end()},
            [reactor, response, agency = caller.agency](absl::StatusOr<store::AckResult> result) {
              if (!result.ok()) return reactor->Finish(ToGrpcStatus(result.status()));
              Metrics().acknowledgements.With({agency.value()}).Add(result->newly_acknowledged);
              response->set_acknowledged_through(result->acknowledged_through.value());
              response->set_newly_acknowledged(result->newly_acknowledged);
              reactor->Finish(grpc::Status::OK);
            });
      });
}

grpc::ServerUnaryReactor* BrokerRpc::RecordAction(grpc::CallbackServerContext* context,
                                                  const v1::RecordActionRequest* request,
                                                  v1::RecordActionResponse* response) {
  return WithCaller(
      context, peers_, "Broker.RecordAction", [&](auto* reactor, const identity::Caller& caller) {
        service_.RecordAction(caller, *request,
                              [reactor, response](absl::StatusOr<store::ActionResult> result) {
                                if (!result.ok())
                                  return reactor->Finish(ToGrpcStatus(result.status()));
                                *response->mutable_recorded_at() =
                                    google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(
                                        result->recorded_at_micros);
                                response->set_action(service::ActionFromName(result->action));
                                response->set_duplicate(result->duplicate);
                                reactor->Finish(grpc::Status::OK);
                              });
      });
}

grpc::ServerUnaryReactor* BrokerRpc::ListParked(grpc::CallbackServerContext* context,
                                                const v1::ListParkedRequest* request,
                                                v1::ListParkedResponse* response) {
  return WithCaller(
      context, peers_, "Broker.ListParked", [&](auto* reactor, const identity::Caller& caller) {
        boost::asio::post(reads_, [this, reactor, request, response, caller,
                                   deadline = DeadlineMicros(*context)] {
          auto page =
              service_.ListParked(caller, request->subscription(),
                                  Sequence(request->after_sequence()), request->limit(), deadline);
          if (!page.ok()) return reactor->Finish(ToGrpcStatus(page.status()));
          for (const auto& p : page->deliveries) {
            auto& out = *response->add_deliveries();
            out.set_sequence(p.sequence.value());
            out.set_notification_id(p.id.value());
            out.set_case_ref(p.case_ref.value());
            out.set_type(p.type);
            out.set_publisher(p.publisher.value());
            out.set_attempts(p.attempts);
            *out.mutable_parked_at() =
                google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(p.parked_at_micros);
          }
          response->set_next_after_sequence(page->next_after_sequence);
          reactor->Finish(grpc::Status::OK);
        });
      });
}

grpc::ServerUnaryReactor* BrokerRpc::ReleaseParked(grpc::CallbackServerContext* context,
                                                   const v1::ReleaseParkedRequest* request,
                                                   v1::ReleaseParkedResponse* response) {
  return WithCaller(
      context, peers_, "Broker.ReleaseParked", [&](auto* reactor, const identity::Caller& caller) {
        service_.ReleaseParked(caller, request->subscription(),
                               {request->sequences().begin(), request->sequences().end()},
                               [reactor, response](absl::StatusOr<uint32_t> released) {
                                 if (!released.ok()) {
                                   return reactor->Finish(ToGrpcStatus(released.status()));
                                 }
                                 response->set_released(*released);
                                 reactor->Finish(grpc::Status::OK);
                               });
      });
}

}  // namespace safeshare::rpc
