// BrokerService's management of the caller's own subscriptions: create,
// list, reset and delete (the rest of BrokerService is in broker_service.cc).
#include "broker/core/logging.h"
#include "broker/service/broker_service.h"
#include "broker/service/deadline.h"
#include "broker/service/subscription_filter.h"

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
  store::SubscriptionSpec spec{caller.agency,
                               SubscriptionName(request.name),
                               request.start,
                               std::move(*filter),
                               subscriptions_.For(caller.agency).max_subscriptions,
                               request.consumer_mode};
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
    out.push_back(SubscriptionListing{std::move(s), consumers});
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
          EndStreams(*deleted, "was deleted");
        }
        done(std::move(deleted));
      });
}

void BrokerService::EndStreams(const store::SubscriptionRecord& record, const std::string& what) {
  hub_.EndAll(record.agency, record.name,
              StreamEnded("subscription '" + record.name.value() + "' " + what));
}

}  // namespace safeshare::service
