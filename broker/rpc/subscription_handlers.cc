// CreateSubscription, ListSubscriptions, ResetSubscription and
// DeleteSubscription: the caller's own subscriptions. Listing reads the
// store, so it runs on `reads_`, never on gRPC's threads or the store's
// completion thread; Create and Reset answer with the listing read there
// once their write is durable.
#include <google/protobuf/util/time_util.h>

#include <boost/asio/post.hpp>

#include "broker/rpc/broker_rpc.h"
#include "broker/rpc/unary_call.h"

namespace safeshare::rpc {
namespace {

using google::protobuf::util::TimeUtil;

store::StartPosition PositionFrom(v1::StartFrom from, uint64_t after) {
  switch (from) {
    case v1::START_FROM_NOW:
      return {store::StartFrom::kNow, Sequence(0)};
    case v1::START_FROM_SEQUENCE:
      return {store::StartFrom::kAfter, Sequence(after)};
    default:  // unspecified: the beginning
      return {store::StartFrom::kBeginning, Sequence(0)};
  }
}

void ToProto(const store::SubscriptionRecord& r, v1::SubscriptionInfo& out) {
  out.set_subscription(r.name.value());
  *out.mutable_created_at() = TimeUtil::MicrosecondsToTimestamp(r.created_at_micros);
  for (const auto& type : r.filter.types) out.mutable_filter()->add_types(type);
  for (const auto& c : r.filter.case_refs) out.mutable_filter()->add_case_refs(c.value());
  out.set_acknowledged_through(r.acked_through.value());
  out.set_delivered_through(r.delivered_through.value());
}

void ToProto(const service::SubscriptionListing& listing, v1::SubscriptionInfo& out) {
  const auto& s = listing.stats;
  ToProto(s.record, out);
  out.set_latest_sequence(s.latest.value());
  out.set_backlog(s.backlog);
  if (s.oldest_unacked_micros != 0) {
    *out.mutable_oldest_unacknowledged_at() =
        TimeUtil::MicrosecondsToTimestamp(s.oldest_unacked_micros);
  }
  out.set_active_consumers(listing.active_consumers);
}

}  // namespace

// Answers `response` with the listing of `record`'s subscription, read on
// reads_ (the record alone when it was deleted meanwhile).
std::function<void(absl::StatusOr<store::SubscriptionRecord>)> BrokerRpc::AnswerWithListing(
    grpc::ServerUnaryReactor* reactor, const identity::Caller& caller,
    v1::SubscriptionInfo* response) {
  return [this, reactor, caller, response](absl::StatusOr<store::SubscriptionRecord> record) {
    if (!record.ok()) return reactor->Finish(ToGrpcStatus(record.status()));
    boost::asio::post(reads_, [this, reactor, caller, response, record = std::move(*record)] {
      auto listed = service_.ListSubscriptions(caller, record.name.value());
      if (listed.ok() && listed->size() == 1) {
        ToProto(listed->front(), *response);
      } else {
        ToProto(record, *response);
      }
      reactor->Finish(grpc::Status::OK);
    });
  };
}

grpc::ServerUnaryReactor* BrokerRpc::CreateSubscription(
    grpc::CallbackServerContext* context, const v1::CreateSubscriptionRequest* request,
    v1::SubscriptionInfo* response) {
  return WithCaller(context, peers_, "Broker.CreateSubscription",
                    [&](auto* reactor, const identity::Caller& caller) {
                      const auto& f = request->filter();
                      service::NewSubscription subscription{
                          request->subscription(),
                          PositionFrom(request->start(), request->after_sequence()),
                          {f.types().begin(), f.types().end()},
                          {f.case_refs().begin(), f.case_refs().end()}};
                      service_.CreateSubscription(caller, subscription,
                                                  AnswerWithListing(reactor, caller, response));
                    });
}

grpc::ServerUnaryReactor* BrokerRpc::ListSubscriptions(grpc::CallbackServerContext* context,
                                                       const v1::ListSubscriptionsRequest* request,
                                                       v1::ListSubscriptionsResponse* response) {
  return WithCaller(context, peers_, "Broker.ListSubscriptions",
                    [&](auto* reactor, const identity::Caller& caller) {
                      boost::asio::post(reads_, [this, reactor, request, response, caller,
                                                 deadline = DeadlineMicros(*context)] {
                        auto listed =
                            service_.ListSubscriptions(caller, request->subscription(), deadline);
                        if (!listed.ok()) return reactor->Finish(ToGrpcStatus(listed.status()));
                        for (const auto& l : *listed) ToProto(l, *response->add_subscriptions());
                        reactor->Finish(grpc::Status::OK);
                      });
                    });
}

grpc::ServerUnaryReactor* BrokerRpc::ResetSubscription(grpc::CallbackServerContext* context,
                                                       const v1::ResetSubscriptionRequest* request,
                                                       v1::SubscriptionInfo* response) {
  return WithCaller(context, peers_, "Broker.ResetSubscription",
                    [&](auto* reactor, const identity::Caller& caller) {
                      service_.ResetSubscription(
                          caller, request->subscription(),
                          PositionFrom(request->to(), request->after_sequence()),
                          AnswerWithListing(reactor, caller, response));
                    });
}

grpc::ServerUnaryReactor* BrokerRpc::DeleteSubscription(
    grpc::CallbackServerContext* context, const v1::DeleteSubscriptionRequest* request,
    v1::DeleteSubscriptionResponse* response) {
  return WithCaller(context, peers_, "Broker.DeleteSubscription",
                    [&](auto* reactor, const identity::Caller& caller) {
                      service_.DeleteSubscription(
                          caller, request->subscription(),
                          [reactor, response](absl::StatusOr<store::SubscriptionRecord> deleted) {
                            if (!deleted.ok())
                              return reactor->Finish(ToGrpcStatus(deleted.status()));
                            response->set_acknowledged_through(deleted->acked_through.value());
                            reactor->Finish(grpc::Status::OK);
                          });
                    });
}

}  // namespace safeshare::rpc
