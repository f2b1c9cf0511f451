#include "broker/service/broker_service.h"

#include <algorithm>

#include "broker/audit/audit_entry.h"
#include "broker/core/logging.h"
#include "broker/core/uuid.h"
#include "broker/schema/notification_validator.h"
#include "broker/service/expectations.h"
#include "broker/service/subscription_filter.h"

namespace safeshare::service {
namespace {

const std::shared_ptr<spdlog::logger>& Log() {
  static const auto log = ModuleLogger("service");
  return log;
}

// The decisions of a publish as the answer carries them.
// Takes the decisions (reasons and traces) out of `routing`, which is not
// used after the answer: no copy per publish.
PublishAnswer Answer(store::PublishResult stored, Routing& routing) {
  PublishAnswer answer{std::move(stored)};
  if (!answer.duplicate) answer.outcomes = std::move(routing.evaluation.agencies);
  answer.policy_version = routing.policy->version();
  answer.policy = routing.policy;
  return answer;
}

}  // namespace

BrokerService::BrokerService(Partnership partnership, store::Store& store, size_t recent_log_bytes,
                             SubscriptionSettings subscriptions, LimitsByAgency limits,
                             const Clock& clock)
    : partnership_(partnership),
      store_(store),
      subscriptions_(std::move(subscriptions)),
      limits_(std::move(limits)),
      clock_(clock),
      hub_(DeliveryHub::Claims{[&store](const AgencyId& agency, const SubscriptionName& name) {
                                 return store.ClaimSubscription(agency, name);
                               },
                               [&store](const AgencyId& agency, const SubscriptionName& name) {
                                 store.ReleaseSubscription(agency, name);
                               }}),
      recent_(recent_log_bytes) {
  store_.SetCommitListener([this](const std::set<AgencyId>& agencies) { hub_.Wake(agencies); });
  // Another broker on the same database committed: the in-memory tail does
  // not hold its notifications, so readers past them go to the store.
  // Its routing changes are reread before the next decision needs them.
  // A reread that failed is made good by rereading everything next time.
  store_.SetForeignCommitListener([this](const store::ForeignCommit& commit) {
    if (!commit.routing.empty() || reread_all_) {
      store::RoutingChanges which = commit.routing;
      which.everything = which.everything || reread_all_;
      const auto reread = RefreshCaseDirectory(store_, which, partnership_.cases);
      if (!reread.ok()) {
        Log()->error(
            "rereading the cases another broker changed failed (all are reread at the "
            "next commit): {}",
            reread.ToString());
      }
      reread_all_ = !reread.ok();
    }
    recent_.Forget(commit.through);
    if (!commit.agencies.empty()) return hub_.Wake(commit.agencies);
    std::set<AgencyId> every;
    for (const auto& [agency, settings] : subscriptions_.agencies) every.insert(agency);
    hub_.Wake(every);
  });
}

void BrokerService::Publish(const identity::Caller& caller, const v1::Notification& n,
                            const std::optional<policy::UrgentDisclosure>& urgent,
                            Done<PublishAnswer> done) {
  if (!accepting_) return done(store::errors::ShuttingDown());
  if (!AdmitPublish(caller.agency, done)) return;
  const auto type = schema::TypeOf(n);
  if (auto valid = schema::ValidateForPublish(n); !valid.ok()) {
    return Refuse(caller, n, std::move(valid), std::move(done));
  }
  auto policy = partnership_.policy.Current();
  if (auto allowed = policy->MayPublish(caller.role, type); !allowed.ok()) {
    return Refuse(caller, n, std::move(allowed), std::move(done));
  }
  auto routing = std::make_shared<Routing>(Decide(std::move(policy), partnership_.cases,
                                                  partnership_.person_key, caller, n,
                                                  urgent ? &*urgent : nullptr));
  if (!routing->evaluation.urgent_status.ok()) {
    return Refuse(caller, n, routing->evaluation.urgent_status, std::move(done));
  }
  store::NewNotification record{NotificationId(NewUuidV7()), caller.agency,
                                n.idempotency_key(),         CaseRef(n.case_ref()),
                                std::string(type),           v1::Purpose_Name(n.purpose())};
  record.body = StampedBody(n, record.id, record.publisher, &record.request_hash);
  record.content_hash = audit::ContentHash(*record.body);
  AddRecipients(*routing, n, urgent ? urgent->reason : "", record);
  static const policy::WorkingCalendar kWeekdays{config::CalendarConfig{}};
  // Only a risk update's expectations depend on whether its case is open.
  const bool case_open = !n.has_probation_risk_update() ||
                         !partnership_.cases.Facts(record.case_ref, {}, false).case_closed;
  record.expectations = OpenedBy(
      *routing->policy, n, case_open,
      partnership_.calendar != nullptr ? *partnership_.calendar : kWeekdays, clock_.WallMicros());
  Log()->debug("publish {} {} case {} by {}", record.type, record.id.value(),
               record.case_ref.value(), caller.agency.value());
  auto committing = Committing(record, std::move(routing), std::move(done));
  store_.Publish(std::move(record), std::move(committing));
}

BrokerService::Done<store::PublishResult> BrokerService::Committing(
    const store::NewNotification& record, std::shared_ptr<Routing> routing,
    Done<PublishAnswer> done) {
  auto committed = std::make_shared<CommittedNotification>(
      CommittedNotification{Sequence(), record.id, record.case_ref, record.type, record.purpose,
                            record.content_hash, record.body, record.recipients, record.views});
  // Runs on the completion thread in commit order, before the hub is woken.
  return [this, committed = std::move(committed), routing = std::move(routing),
          publisher = record.publisher,
          done = std::move(done)](absl::StatusOr<store::PublishResult> result) {
    if (absl::IsAlreadyExists(result.status())) {  // audited by the store
      Log()->warn("publish refused for {}: {}", publisher.value(), result.status().ToString());
    }
    if (!result.ok()) return done(result.status());
    if (!result->duplicate) {
      committed->sequence = result->sequence;
      recent_.Append(committed);
      partnership_.cases.Link(routing->person_hashes, committed->case_ref);
      partnership_.cases.Engage(committed->case_ref, routing->engage);
    }
    done(Answer(std::move(*result), *routing));
  };
}

void BrokerService::Refuse(const identity::Caller& caller, const v1::Notification& n,
                           absl::Status why, Done<PublishAnswer> done) {
  const auto type = schema::TypeOf(n);
  AuditRefusal(store::Refusal{caller.agency, schema::IsReference(n.case_ref()) ? n.case_ref() : "",
                              type.empty() ? "(no payload)" : std::string(type)},
               std::move(why), std::move(done));
}

bool BrokerService::AdmitPublish(const AgencyId& agency, Done<PublishAnswer>& done) {
  auto permit = limits_.StartPublish(agency);
  if (!permit.ok()) {
    Log()->warn("publish refused for {}: {}", agency.value(), permit.status().ToString());
    done(permit.status());
    return false;
  }
  // Done must be copyable; the permit is not.
  done = [permit = std::make_shared<AgencyLimits::Permit>(*std::move(permit)),
          done = std::move(done)](absl::StatusOr<PublishAnswer> answer) {
    *permit = AgencyLimits::Permit();  // given back before the caller hears the answer
    done(std::move(answer));
  };
  return true;
}

void BrokerService::RefuseUndecodable(const identity::Caller& caller, Done<PublishAnswer> done) {
  if (!AdmitPublish(caller.agency, done)) return;
  AuditRefusal(
      store::Refusal{caller.agency, "", "(undecodable request)"},
      absl::InvalidArgumentError(
          "request: not a PublishRequest (the bytes do not decode as "
          "safeshare.v1.PublishRequest, or carry fields it does not define); build it from "
          "proto/safeshare/v1/broker.proto with a protobuf library"),
      std::move(done));
}

// The reason is logged and audited as it is answered: field paths and rules,
// never a value the publisher sent (schema and policy messages guarantee it).
void BrokerService::AuditRefusal(store::Refusal refusal, absl::Status why,
                                 Done<PublishAnswer> done) {
  Log()->warn("publish refused for {}: {}", refusal.publisher.value(), why.ToString());
  refusal.reason = std::string(why.message());
  store_.RecordRefusal(std::move(refusal),
                       [why = std::move(why), done = std::move(done)](const absl::Status& audited) {
                         // The refusal is answered even if it could not be audited, but then as
                         // the store's error, so the publisher retries rather than gives up.
                         done(audited.ok() ? why : audited);
                       });
}

absl::StatusOr<AgencyLimits::Permit> BrokerService::OpenStream(const identity::Caller& caller) {
  auto permit = limits_.OpenStream(caller.agency);
  if (!permit.ok()) {
    Log()->warn("stream refused for {}: {}", caller.agency.value(), permit.status().ToString());
  }
  return permit;
}

void BrokerService::Subscribe(const identity::Caller& caller, const std::string& subscription,
                              Done<std::unique_ptr<SubscriptionFeed>> done) {
  if (!accepting_) return done(store::errors::ShuttingDown());
  if (auto valid = CheckSubscriptionName(subscription); !valid.ok()) return done(valid);
  const auto& limits = subscriptions_.For(caller.agency);
  store_.OpenSubscription(
      caller.agency, SubscriptionName(subscription), limits.create_on_subscribe,
      limits.max_subscriptions,
      [this, done = std::move(done)](absl::StatusOr<store::SubscriptionRecord> opened) {
        if (!opened.ok()) return done(opened.status());
        Log()->info("{} opened subscription {} after sequence {}", opened->agency.value(),
                    opened->name.value(), opened->acked_through.value());
        done(std::make_unique<SubscriptionFeed>(store_, recent_, opened->agency, opened->name,
                                                opened->acked_through, opened->filter,
                                                opened->consumer_mode));
      });
}

void BrokerService::Acknowledge(const identity::Caller& caller, const std::string& subscription,
                                uint64_t sequence, const std::vector<uint64_t>& sequences,
                                Done<store::AckResult> done) {
  if (!accepting_) return done(store::errors::ShuttingDown());
  if (auto valid = CheckSubscriptionName(subscription); !valid.ok()) return done(valid);
  if (sequence == 0 && sequences.empty()) {
    return done(absl::InvalidArgumentError(
        "sequence: give the sequence of a delivery you received (or sequences, one by one)"));
  }
  if (sequences.size() > kMaxAckSequences) {
    return done(absl::InvalidArgumentError("sequences: at most " +
                                           std::to_string(kMaxAckSequences) +
                                           " a call; acknowledge the rest in another"));
  }
  if (std::find(sequences.begin(), sequences.end(), 0) != sequences.end()) {
    return done(absl::InvalidArgumentError(
        "sequences: 0 is no delivery's sequence; give the sequences of deliveries you received"));
  }
  store::AckRequest request{caller.agency, SubscriptionName(subscription), Sequence(sequence), {}};
  request.sequences.reserve(sequences.size());
  for (const uint64_t s : sequences) request.sequences.emplace_back(s);
  DeliveryHub::SubscriptionEvent event{request.through, request.sequences, false};
  store_.Acknowledge(
      std::move(request),
      [this, agency = caller.agency, name = SubscriptionName(subscription),
       event = std::move(event), done = std::move(done)](absl::StatusOr<store::AckResult> acked) {
        if (acked.ok()) hub_.Notify(agency, name, event);
        done(std::move(acked));
      });
}

absl::StatusOr<std::chrono::seconds> BrokerService::HeartbeatInterval(
    uint32_t requested_seconds) const {
  const auto& bounds = subscriptions_.heartbeat;
  if (requested_seconds == 0) return bounds.default_interval;
  const std::chrono::seconds requested(requested_seconds);
  if (requested < bounds.min || requested > bounds.max) {
    return absl::InvalidArgumentError("heartbeat_seconds: must be 0 (the broker's default, " +
                                      std::to_string(bounds.default_interval.count()) +
                                      ") or from " + std::to_string(bounds.min.count()) + ".." +
                                      std::to_string(bounds.max.count()) + ", got " +
                                      std::to_string(requested_seconds));
  }
  return requested;
}

absl::StatusOr<std::shared_ptr<DeliverySession>> BrokerService::StartDelivery(
    std::unique_ptr<SubscriptionFeed> feed, std::chrono::seconds heartbeat, Executor executor,
    std::weak_ptr<DeliverySink> sink) {
  return DeliverySession::Start(
      store_, hub_, std::move(feed),
      StreamTiming{heartbeat, subscriptions_.clock, subscriptions_.delivery}, std::move(executor),
      std::move(sink));
}

}  // namespace safeshare::service
