// GetDeliveryState and ListPendingDeliveries: a publisher's view of what
// became of its own notifications. Both read the store, so they run on
// `reads_`, never on gRPC's threads or the store's completion thread.
#include <google/protobuf/util/time_util.h>

#include <boost/asio/post.hpp>

#include "broker/rpc/broker_rpc.h"
#include "broker/rpc/unary_call.h"
#include "broker/service/actions.h"

namespace safeshare::rpc {
namespace {

using google::protobuf::util::TimeUtil;

v1::DeliveryStage StageOf(service::DeliveryStage stage) {
  switch (stage) {
    case service::DeliveryStage::kRouted:
      return v1::DELIVERY_STAGE_ROUTED;
    case service::DeliveryStage::kDelivered:
      return v1::DELIVERY_STAGE_DELIVERED;
    case service::DeliveryStage::kParked:
      return v1::DELIVERY_STAGE_PARKED;
    case service::DeliveryStage::kAcknowledged:
      return v1::DELIVERY_STAGE_ACKNOWLEDGED;
    case service::DeliveryStage::kActioned:
      return v1::DELIVERY_STAGE_ACTIONED;
  }
  return v1::DELIVERY_STAGE_UNSPECIFIED;
}

// Sets `field` of `message` to the time `micros`, leaving it unset for 0
// (not so yet): calling a mutable_ accessor alone would set it.
template <typename Message>
void SetTime(int64_t micros, Message& message, google::protobuf::Timestamp* (Message::*field)()) {
  if (micros != 0) *(message.*field)() = TimeUtil::MicrosecondsToTimestamp(micros);
}

void ToProto(const service::DeliveryState& state, v1::DeliveryState& out) {
  out.set_notification_id(state.id.value());
  out.set_sequence(state.sequence.value());
  out.set_case_ref(state.case_ref.value());
  SetTime(state.published_at_micros, out, &v1::DeliveryState::mutable_published_at);
  SetTime(state.content_deleted_at_micros, out, &v1::DeliveryState::mutable_content_deleted_at);
  for (const auto& r : state.recipients) {
    auto& p = *out.add_recipients();
    p.set_agency(r.agency.value());
    p.set_stage(StageOf(r.stage));
    p.set_agreement(r.agreement);
    p.set_rule(r.rule);
    p.set_urgent_disclosure(r.urgent);
    SetTime(r.routed_at_micros, p, &v1::RecipientDelivery::mutable_routed_at);
    SetTime(r.first_delivered_at_micros, p, &v1::RecipientDelivery::mutable_first_delivered_at);
    SetTime(r.last_delivered_at_micros, p, &v1::RecipientDelivery::mutable_last_delivered_at);
    p.set_deliveries(r.deliveries);
    SetTime(r.acknowledged_at_micros, p, &v1::RecipientDelivery::mutable_acknowledged_at);
    p.set_acknowledged_by(r.acknowledged_by);
    SetTime(r.parked_at_micros, p, &v1::RecipientDelivery::mutable_parked_at);
    SetTime(r.actioned_at_micros, p, &v1::RecipientDelivery::mutable_actioned_at);
    for (const auto& a : r.actions) {
      auto& action = *p.add_actions();
      action.set_action(service::ActionFromName(a.action));
      SetTime(a.recorded_at_micros, action, &v1::RecordedAction::mutable_recorded_at);
      action.set_note(a.note);
      SetTime(a.note_deleted_at_micros, action, &v1::RecordedAction::mutable_note_deleted_at);
    }
  }
}

void ToProto(const store::UnacknowledgedDelivery& d, v1::PendingDelivery& out) {
  out.set_notification_id(d.id.value());
  out.set_sequence(d.sequence.value());
  out.set_case_ref(d.case_ref.value());
  out.set_type(d.type);
  out.set_recipient(d.recipient.value());
  *out.mutable_routed_at() = TimeUtil::MicrosecondsToTimestamp(d.routed_at_micros);
  SetTime(d.content_deleted_micros, out, &v1::PendingDelivery::mutable_content_deleted_at);
}

}  // namespace

grpc::ServerUnaryReactor* BrokerRpc::GetDeliveryState(grpc::CallbackServerContext* context,
                                                      const v1::DeliveryStateRequest* request,
                                                      v1::DeliveryState* response) {
  return WithCaller(context, peers_, "Broker.GetDeliveryState",
                    [&](auto* reactor, const identity::Caller& caller) {
                      boost::asio::post(reads_, [this, reactor, request, response, caller,
                                                 deadline = DeadlineMicros(*context)] {
                        auto state =
                            service_.GetDeliveryState(caller, request->notification_id(), deadline);
                        if (!state.ok()) return reactor->Finish(ToGrpcStatus(state.status()));
                        ToProto(*state, *response);
                        reactor->Finish(grpc::Status::OK);
                      });
                    });
}

grpc::ServerUnaryReactor* BrokerRpc::ListPendingDeliveries(
    grpc::CallbackServerContext* context, const v1::ListPendingDeliveriesRequest* request,
    v1::ListPendingDeliveriesResponse* response) {
  return WithCaller(context, peers_, "Broker.ListPendingDeliveries",
                    [&](auto* reactor, const identity::Caller& caller) {
                      boost::asio::post(reads_, [this, reactor, request, response, caller,
                                                 deadline = DeadlineMicros(*context)] {
                        store::UnacknowledgedQuery query{
                            .case_ref = request->case_ref(),
                            .agency = request->recipient(),
                            .after = Sequence(request->after_sequence()),
                            .limit = request->limit()};
                        auto page = service_.ListPendingDeliveries(caller, query, deadline);
                        if (!page.ok()) return reactor->Finish(ToGrpcStatus(page.status()));
                        for (const auto& d : page->deliveries) {
                          ToProto(d, *response->add_deliveries());
                        }
                        response->set_next_after_sequence(page->next_after_sequence);
                        reactor->Finish(grpc::Status::OK);
                      });
                    });
}

}  // namespace safeshare::rpc
