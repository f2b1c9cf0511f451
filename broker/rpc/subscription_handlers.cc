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

// `field` names the request's StartFrom field ("start" or "to"). Unspecified
// means the beginning where `unspecified_is_beginning`, else it is refused:
// a reset must say where to, so a client's missing field never replays a
// subscription's whole history.
absl::StatusOr<store::StartPosition> PositionFrom(int from, uint64_t after, const char* field,
                                                  bool unspecified_is_beginning) {
  constexpr char kChoices[] =
      "give START_FROM_BEGINNING, START_FROM_NOW or START_FROM_SEQUENCE (with after_sequence)";
  if (from != v1::START_FROM_SEQUENCE && after != 0) {
    return absl::InvalidArgumentError("after_sequence: only read with " + std::string(field) +
                                      " START_FROM_SEQUENCE; set that, or leave after_sequence 0");
  }
  switch (from) {
    case v1::START_FROM_BEGINNING:
      return store::StartPosition{store::StartFrom::kBeginning, Sequence(0)};
    case v1::START_FROM_NOW:
      return store::StartPosition{store::StartFrom::kNow, Sequence(0)};
    case v1::START_FROM_SEQUENCE:
      return store::StartPosition{store::StartFrom::kAfter, Sequence(after)};
    case v1::START_FROM_UNSPECIFIED:
      if (unspecified_is_beginning) {
        return store::StartPosition{store::StartFrom::kBeginning, Sequence(0)};
      }
      return absl::InvalidArgumentError(std::string(field) + ": say where to move it; " + kChoices);
    default:
      return absl::InvalidArgumentError(std::string(field) + ": " + std::to_string(from) +
                                        " is not a StartFrom value; " + kChoices);
  }
}

absl::StatusOr<store::ConsumerMode> ModeFrom(v1::ConsumerMode mode) {
  switch (mode) {
    case v1::CONSUMER_MODE_UNSPECIFIED:
    case v1::CONSUMER_MODE_STANDBY:
      return store::ConsumerMode::kStandby;
    case v1::CONSUMER_MODE_EXCLUSIVE:
      return store::ConsumerMode::kExclusive;
    default:
      return absl::InvalidArgumentError(
          "consumer_mode: give CONSUMER_MODE_STANDBY or CONSUMER_MODE_EXCLUSIVE");
  }
}

void ToProto(const store::SubscriptionRecord& r, v1::SubscriptionInfo& out) {
  out.set_subscription(r.name.value());
  *out.mutable_created_at() = TimeUtil::MicrosecondsToTimestamp(r.created_at_micros);
  for (const auto& type : r.filter.types) out.mutable_filter()->add_types(type);
  for (const auto& c : r.filter.case_refs) out.mutable_filter()->add_case_refs(c.value());
  out.set_acknowledged_through(r.acked_through.value());
  out.set_delivered_through(r.delivered_through.value());
  out.set_consumer_mode(r.consumer_mode == store::ConsumerMode::kExclusive
                            ? v1::CONSUMER_MODE_EXCLUSIVE
                            : v1::CONSUMER_MODE_STANDBY);
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
  out.set_active_consumers(listing.consumers.active);
  out.set_standby_consumers(listing.consumers.standby);
  const auto ack_wait = std::chrono::duration_cast<std::chrono::seconds>(listing.limits.ack_wait);
  out.set_ack_wait_seconds(static_cast<uint32_t>(ack_wait.count()));
  out.set_max_deliver(listing.limits.max_deliver);
  out.set_max_in_flight(listing.limits.max_in_flight);
  out.set_in_flight(s.in_flight);
  out.set_parked(s.parked);
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
  return WithCaller(
      context, peers_, "Broker.CreateSubscription",
      [&](auto* reactor, const identity::Caller& caller) {
        auto start = PositionFrom(request->start(), request->after_sequence(), "start", true);
        if (!start.ok()) return reactor->Finish(ToGrpcStatus(start.status()));
        const auto mode = ModeFrom(request->consumer_mode());
        if (!mode.ok()) return reactor->Finish(ToGrpcStatus(mode.status()));
        const auto& f = request->filter();
        service::NewSubscription subscription{request->subscription(),
                                              *start,
                                              {f.types().begin(), f.types().end()},
                                              {f.case_refs().begin(), f.case_refs().end()},
                                              *mode,
                                              request->ack_wait_seconds(),
                                              request->max_deliver(),
                                              request->max_in_flight()};
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
                      auto to = PositionFrom(request->to(), request->after_sequence(), "to", false);
                      if (!to.ok()) return reactor->Finish(ToGrpcStatus(to.status()));
                      service_.ResetSubscription(caller, request->subscription(), *to,
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
