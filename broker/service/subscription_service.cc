// BrokerService's management of the caller's own subscriptions: create,
// list, reset and delete (the rest of BrokerService is in broker_service.cc).
#include "broker/core/logging.h"
#include "broker/service/broker_service.h"
#include "broker/service/deadline.h"
#include "broker/service/subscription_filter.h"
#include "broker/service/unacknowledged_page.h"

namespace safeshare::service {
namespace {

const std::shared_ptr<spdlog::logger>& Log() {
  static const auto log = ModuleLogger("service");
  return log;
}

}  // namespace

void BrokerService::CreateSubscription(const identity::Caller& caller,
                                       const NewSubscription& request,
                                       Done<store::SubscriptionRecord> done) {
  if (!accepting_) return done(store::errors::ShuttingDown());
  if (auto valid = CheckSubscriptionName(request.name); !valid.ok()) return done(valid);
  auto filter = CheckFilter(request.types, request.case_refs);
  if (!filter.ok()) return done(filter.status());
  auto settings =
      CheckDeliverySettings(request.ack_wait_seconds, request.max_deliver, request.max_in_flight);
  if (!settings.ok()) return done(settings.status());
  store::SubscriptionSpec spec{caller.agency,
                               SubscriptionName(request.name),
                               request.start,
                               std::move(*filter),
                               subscriptions_.For(caller.agency).max_subscriptions,
                               request.consumer_mode,
                               *settings};
  store_.CreateSubscription(
      std::move(spec), [done = std::move(done)](absl::StatusOr<store::SubscriptionRecord> created) {
        if (created.ok()) {
          Log()->info("{} created subscription {} after sequence {}", created->agency.value(),
                      created->name.value(), created->acked_through.value());
        }
        done(std::move(created));
      });
}

absl::StatusOr<std::vector<SubscriptionListing>> BrokerService::ListSubscriptions(
    const identity::Caller& caller, const std::string& name, int64_t deadline_micros) const {
  if (!name.empty()) {
    if (auto valid = CheckSubscriptionName(name); !valid.ok()) return valid;
  }
  // The listing may have waited in a queue of reads.
  if (auto in_time = CheckDeadline(clock_, deadline_micros, "subscriptions"); !in_time.ok()) {
    return in_time;
  }
  auto stats = store_.ReadSubscriptions(caller.agency, SubscriptionName(name));
  if (!stats.ok()) return stats.status();
  if (!name.empty() && stats->empty())
    return store::errors::UnknownSubscription(SubscriptionName(name));
  std::vector<SubscriptionListing> out;
  out.reserve(stats->size());
  for (auto& s : *stats) {
    const auto consumers = hub_.Consumers(s.record.agency, s.record.name);
    const auto limits = Resolve(s.record.settings, subscriptions_.delivery);
    out.push_back(SubscriptionListing{std::move(s), consumers, limits});
  }
  return out;
}

void BrokerService::ResetSubscription(const identity::Caller& caller, const std::string& name,
                                      store::StartPosition to,
                                      Done<store::SubscriptionRecord> done) {
  if (!accepting_) return done(store::errors::ShuttingDown());
  if (auto valid = CheckSubscriptionName(name); !valid.ok()) return done(valid);
  store_.ResetSubscription(
      caller.agency, SubscriptionName(name), to,
      [this, done = std::move(done)](absl::StatusOr<store::SubscriptionRecord> reset) {
        if (reset.ok()) {
          Log()->info("{} reset subscription {} to sequence {}", reset->agency.value(),
                      reset->name.value(), reset->acked_through.value());
          EndStreams(*reset, "was reset; reconnect to continue after sequence " +
                                 std::to_string(reset->acked_through.value()));
        }
        done(std::move(reset));
      });
}

void BrokerService::DeleteSubscription(const identity::Caller& caller, const std::string& name,
                                       Done<store::SubscriptionRecord> done) {
  if (!accepting_) return done(store::errors::ShuttingDown());
  if (auto valid = CheckSubscriptionName(name); !valid.ok()) return done(valid);
  store_.DeleteSubscription(
      caller.agency, SubscriptionName(name),
      [this, done = std::move(done)](absl::StatusOr<store::SubscriptionRecord> deleted) {
        if (deleted.ok()) {
          Log()->info("{} deleted subscription {}", deleted->agency.value(), deleted->name.value());
          // NOT_FOUND, not ABORTED: a client that reconnected would create
          // the name anew from the beginning and receive its history again.
          hub_.EndAll(deleted->agency, deleted->name, SubscriptionDeleted(deleted->name));
        }
        done(std::move(deleted));
      });
}

absl::StatusOr<ParkedPage> BrokerService::ListParked(const identity::Caller& caller,
                                                     const std::string& subscription,
                                                     Sequence after, uint32_t limit,
                                                     int64_t deadline_micros) const {
  if (auto valid = CheckSubscriptionName(subscription); !valid.ok()) return valid;
  auto page_limit = PageLimit(limit, "parked deliveries", "after_sequence");
  if (!page_limit.ok()) return page_limit.status();
  if (auto in_time = CheckDeadline(clock_, deadline_micros, "parked deliveries"); !in_time.ok()) {
    return in_time;
  }
  const SubscriptionName name(subscription);
  auto listed = store_.ReadSubscriptions(caller.agency, name);
  if (!listed.ok()) return listed.status();
  if (listed->empty()) return store::errors::UnknownSubscription(name);
  // One more than the page, to tell whether another follows.
  auto parked = store_.ReadParked(caller.agency, name, after, *page_limit + 1);
  if (!parked.ok()) return parked.status();
  ParkedPage page;
  if (parked->size() > *page_limit) {
    parked->resize(*page_limit);
    page.next_after_sequence = parked->back().sequence.value();
  }
  page.deliveries = *std::move(parked);
  return page;
}

void BrokerService::ReleaseParked(const identity::Caller& caller, const std::string& subscription,
                                  const std::vector<uint64_t>& sequences, Done<uint32_t> done) {
  if (!accepting_) return done(store::errors::ShuttingDown());
  if (auto valid = CheckSubscriptionName(subscription); !valid.ok()) return done(valid);
  if (sequences.size() > kMaxAckSequences) {
    return done(absl::InvalidArgumentError("sequences: at most " +
                                           std::to_string(kMaxAckSequences) +
                                           " a call; release the rest in another"));
  }
  std::vector<Sequence> chosen(sequences.begin(), sequences.end());
  const SubscriptionName name(subscription);
  store_.ReleaseParked(
      caller.agency, name, std::move(chosen),
      [this, agency = caller.agency, name, done = std::move(done)](absl::StatusOr<uint32_t> n) {
        if (n.ok() && *n > 0) {
          Log()->info("{} released {} parked deliveries of subscription {}", agency.value(), *n,
                      name.value());
          hub_.Notify(agency, name, DeliveryHub::SubscriptionEvent{.released = true});
        }
        done(std::move(n));
      });
}

void BrokerService::EndStreams(const store::SubscriptionRecord& record, const std::string& what) {
  hub_.EndAll(record.agency, record.name,
              StreamEnded("subscription '" + record.name.value() + "' " + what));
}

}  // namespace safeshare::service
