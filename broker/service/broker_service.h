#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>

#include "absl/status/statusor.h"
#include "broker/core/clock.h"
#include "broker/core/person_key.h"
#include "broker/identity/agency_directory.h"
#include "broker/routing/case_directory.h"
#include "broker/routing/policy_snapshot.h"
#include "broker/service/access_refusals.h"
#include "broker/service/agency_limits.h"
#include "broker/service/delivery_hub.h"
#include "broker/service/delivery_session.h"
#include "broker/service/delivery_state.h"
#include "broker/service/notification_routing.h"
#include "broker/service/recent_log.h"
#include "broker/service/subscription_feed.h"
#include "broker/service/unacknowledged_page.h"
#include "broker/store/store.h"
#include "safeshare/v1/broker.pb.h"

namespace safeshare::service {

// What decisions rest on: the agreements in force, what is known of cases
// and persons, and the key that hashes person identifiers.
struct Partnership {
  const routing::PolicyHolder& policy;
  routing::CaseDirectory& cases;
  const PersonKey& person_key;
  // Counts the working days of expectations a publish opens; none: UTC,
  // Saturday and Sunday off.
  const policy::WorkingCalendar* calendar = nullptr;
};

// The answer to a publish: what the store recorded, and the decision for
// every other agency with its reason (empty for a duplicate, whose first
// publish was answered with it).
struct PublishAnswer : store::PublishResult {
  std::vector<policy::AgencyDecision> outcomes;
  std::string policy_version;
  std::shared_ptr<const policy::Policy> policy;  // keeps the outcomes' rule pointers valid
};

// How an agency may use subscriptions (config `subscriptions:` and
// `limits.per_agency`, overridable per agency).
struct SubscriptionLimits {
  bool create_on_subscribe = true;  // Subscribe on an unknown name creates it
  size_t max_subscriptions = 100;
};
// Heartbeats on quiet streams (config `subscriptions.heartbeat_*`): a
// stream asking for 0 gets `default_interval`, one asking outside
// [min, max] is refused.
struct HeartbeatBounds {
  std::chrono::seconds default_interval{30};
  std::chrono::seconds min{5};
  std::chrono::seconds max{300};
};
struct SubscriptionSettings {
  SubscriptionLimits defaults;
  std::map<AgencyId, SubscriptionLimits> agencies;  // overrides
  HeartbeatBounds heartbeat;
  // Redelivery and flow control of subscriptions created without their own
  // (config `subscriptions.ack_wait_seconds`, `max_deliver`, `max_in_flight`).
  DeliveryLimits delivery;
  const Clock* clock = &SystemClock();  // times heartbeats and ack waits
  const SubscriptionLimits& For(const AgencyId& agency) const {
    auto it = agencies.find(agency);
    return it == agencies.end() ? defaults : it->second;
  }
};

// What CreateSubscription asks for, as the caller gave it.
struct NewSubscription {
  std::string name;
  store::StartPosition start;
  std::vector<std::string> types;      // checked by CheckFilter
  std::vector<std::string> case_refs;  // likewise
  store::ConsumerMode consumer_mode = store::ConsumerMode::kStandby;
  // 0: the broker's default; otherwise within config's kMax* bounds
  // (CheckDeliverySettings).
  uint32_t ack_wait_seconds = 0;
  uint32_t max_deliver = 0;
  uint32_t max_in_flight = 0;
};

// A subscription as listed: the store's view, its open streams, and the
// redelivery limits in force.
struct SubscriptionListing {
  store::SubscriptionStats stats;
  DeliveryHub::Count consumers;
  DeliveryLimits limits;
};

// A page of a subscription's parked deliveries.
struct ParkedPage {
  std::vector<store::ParkedDelivery> deliveries;
  uint64_t next_after_sequence = 0;  // 0 when there is no further page
};

// The broker's use cases, with no gRPC in sight: publish, open a
// subscription, acknowledge. Every callback runs once, on the store's
// completion thread, after what it reports is durable; callbacks must not block.
// Thread-safe; the referenced objects must outlive it.
class BrokerService {
 public:
  template <typename T>
  using Done = std::function<void(absl::StatusOr<T>)>;

  // `recent_log_bytes` bounds the in-memory tail used for fan-out. Each
  // publish is decided under the policy snapshot current when it arrives.
  // `limits`: what each agency may have open at once (AgencyLimits);
  // `clock` decides when a read's deadline has passed.
  BrokerService(Partnership partnership, store::Store& store, size_t recent_log_bytes = 64 << 20,
                SubscriptionSettings subscriptions = {}, LimitsByAgency limits = {},
                const Clock& clock = SystemClock());

  // Takes one of the agency's publishes in flight first (RESOURCE_EXHAUSTED
  // beyond limits.per_agency.publishes_in_flight, logged, not audited, and
  // nothing else done), given back just before the answer, whatever it is.
  // Then validate, authorize, route under the agreements, persist with
  // audit, and answer. A refused publish is audited before the refusal is
  // answered; so is a key reused for different content (ALREADY_EXISTS
  // naming the first notification). `urgent`: a disclosure outside every
  // agreement (see v1::UrgentDisclosure). Once handed to the store a
  // publish is stored even if its caller has given up: a retry with the
  // same key is answered duplicate = true.
  void Publish(const identity::Caller& caller, const v1::Notification& notification,
               const std::optional<policy::UrgentDisclosure>& urgent, Done<PublishAnswer> done);
  void Publish(const identity::Caller& caller, const v1::Notification& notification,
               Done<PublishAnswer> done) {
    Publish(caller, notification, std::nullopt, std::move(done));
  }

  // Stores a notification the broker itself raises (an escalation, see
  // escalation.h) as publisher "broker", to `recipients` as given (no
  // agreement is evaluated: the deadline's agreement decided them), audited
  // `published` like any publish; its idempotency key makes a second raise
  // of the same escalation a duplicate. No publish permit is taken.
  void Raise(const v1::Notification& n, std::vector<store::Recipient> recipients,
             Done<store::PublishResult> done);

  // Refuses a Publish whose request bytes are not a PublishRequest, with
  // INVALID_ARGUMENT, audited like any refused publish (the caller's agency,
  // nothing of the bytes); it holds a publish permit like any publish.
  void RefuseUndecodable(const identity::Caller& caller, Done<PublishAnswer> done);

  // Records engagement with a case and opens or closes it, for roles an
  // agreement lets manage cases (PERMISSION_DENIED otherwise, answered once
  // the refusal is audited as `access_refused`). Agencies are
  // ids of the partnership (INVALID_ARGUMENT naming an unknown one).
  void UpdateCase(const identity::Caller& caller, store::CaseChange change,
                  Done<store::CaseState> done);
  // The case's state, for the same roles (a refusal audited likewise). Reads
  // the store and answers before it returns unless the call is refused.
  void GetCase(const identity::Caller& caller, const std::string& case_ref,
               Done<store::CaseState> done) const;
  // Registers or withdraws the caller's interest in persons by identifier
  // (scheme value name, value); only keyed hashes reach the store. A role
  // an agreement does not let register interests is refused, audited.
  void RegisterInterest(const identity::Caller& caller,
                        const std::vector<std::pair<std::string, std::string>>& identifiers,
                        bool withdraw, Done<uint32_t> done);

  // --- The caller's own subscriptions (subscription_service.cc) ---
  // Creates one (see store::Store::CreateSubscription); INVALID_ARGUMENT for
  // a bad name or filter (CheckFilter), before anything is stored.
  void CreateSubscription(const identity::Caller& caller, const NewSubscription& request,
                          Done<store::SubscriptionRecord> done);
  // The caller's subscriptions (only `name` unless empty), by name. Reads the
  // store: call from a thread that may block. DEADLINE_EXCEEDED, reading
  // nothing, once `deadline_micros` (wall clock, 0: none) has passed.
  absl::StatusOr<std::vector<SubscriptionListing>> ListSubscriptions(
      const identity::Caller& caller, const std::string& name, int64_t deadline_micros = 0) const;
  // Moves the position (store::Store::ResetSubscription); once it is durable
  // its open streams end ABORTED, and a stream opened again starts there.
  void ResetSubscription(const identity::Caller& caller, const std::string& name,
                         store::StartPosition to, Done<store::SubscriptionRecord> done);
  // Deletes it; once durable its open streams end NOT_FOUND
  // (SubscriptionDeleted), so a reconnecting client stops.
  void DeleteSubscription(const identity::Caller& caller, const std::string& name,
                          Done<store::SubscriptionRecord> done);

  // --- What became of the caller's own notifications (publisher_view.cc) ---
  // Each recipient's progress with notification `notification_id`, folded
  // from the audit log entries naming it (FoldDeliveryState). NOT_FOUND
  // unless the caller published it. Reads the store: call from a thread
  // that may block; DEADLINE_EXCEEDED as for ListSubscriptions.
  absl::StatusOr<DeliveryState> GetDeliveryState(const identity::Caller& caller,
                                                 const std::string& notification_id,
                                                 int64_t deadline_micros = 0) const;
  // A page of the deliveries of the caller's notifications that their
  // recipient has not acknowledged, oldest first (query.publisher is the
  // caller whatever it says; query.limit 0: a default page).
  absl::StatusOr<UnacknowledgedPage> ListPendingDeliveries(const identity::Caller& caller,
                                                           store::UnacknowledgedQuery query,
                                                           int64_t deadline_micros = 0) const;

  // For a recipient: records what it did about a notification delivered to
  // it and acknowledged (store::Store::RecordAction); INVALID_ARGUMENT
  // naming the field (CheckActionRequest) before anything is stored.
  void RecordAction(const identity::Caller& caller, const v1::RecordActionRequest& request,
                    Done<store::ActionResult> done);

  // One of the agency's open streams, for a Subscribe stream to hold until
  // it ends (taken before Subscribe); RESOURCE_EXHAUSTED beyond
  // limits.per_agency.open_streams, logged, not audited.
  absl::StatusOr<AgencyLimits::Permit> OpenStream(const identity::Caller& caller);

  // Opens the caller's durable subscription (creating it from the
  // beginning on first use unless the agency must create it first: then
  // NOT_FOUND) and returns a feed positioned after its last acknowledged
  // delivery, with its filter.
  void Subscribe(const identity::Caller& caller, const std::string& subscription,
                 Done<std::unique_ptr<SubscriptionFeed>> done);

  // Acknowledges through `sequence` (0: none) and each of `sequences` (at
  // most kMaxAckSequences), see store::Store::Acknowledge; once durable the
  // subscription's active stream forgets them (its window makes room).
  static constexpr size_t kMaxAckSequences = 1000;
  void Acknowledge(const identity::Caller& caller, const std::string& subscription,
                   uint64_t sequence, const std::vector<uint64_t>& sequences,
                   Done<store::AckResult> done);
  void Acknowledge(const identity::Caller& caller, const std::string& subscription,
                   uint64_t sequence, Done<store::AckResult> done) {
    Acknowledge(caller, subscription, sequence, {}, std::move(done));
  }
  // The caller's parked deliveries of `subscription` after `after`, a page
  // of `limit` (0: a default page). NOT_FOUND for a name it does not have.
  // Reads the store (a thread that may block).
  absl::StatusOr<ParkedPage> ListParked(const identity::Caller& caller,
                                        const std::string& subscription, Sequence after,
                                        uint32_t limit, int64_t deadline_micros = 0) const;
  // Releases parked deliveries (all when `sequences` is empty) to be handed
  // again on the subscription's active stream (store::Store::ReleaseParked).
  void ReleaseParked(const identity::Caller& caller, const std::string& subscription,
                     const std::vector<uint64_t>& sequences, Done<uint32_t> done);

  // The heartbeat interval of a stream asking for `requested_seconds` (0:
  // the default); INVALID_ARGUMENT naming the bounds when outside them.
  absl::StatusOr<std::chrono::seconds> HeartbeatInterval(uint32_t requested_seconds) const;

  // Delivers what `feed` has to `sink`, fail closed, heartbeating every
  // `heartbeat` when quiet (see DeliverySession); FAILED_PRECONDITION for a
  // second stream on an exclusive subscription.
  absl::StatusOr<std::shared_ptr<DeliverySession>> StartDelivery(
      std::unique_ptr<SubscriptionFeed> feed, std::chrono::seconds heartbeat, Executor executor,
      std::weak_ptr<DeliverySink> sink);
  // Lets every open stream heartbeat if due; the rpc layer calls it every
  // 200 ms.
  void TickStreams() { hub_.TickAll(); }

  // Drops the notifications through `through` from the in-memory tail, so
  // streams read them from the store: retention calls this before it
  // deletes their content, and none is fed from memory what the store no
  // longer holds.
  void ForgetThrough(Sequence through) { recent_.Forget(through); }

  // From now on every call is answered UNAVAILABLE "shutting down" (nothing
  // is stored); calls already accepted complete. For a clean shutdown.
  void StopAccepting() { accepting_ = false; }

  DeliveryHub& hub() { return hub_; }
  const AgencyLimits& limits() const { return limits_; }
  // For the rpc layer, which audits certificates no agency holds.
  const AccessRefusals& refusals() const { return refusals_; }

 private:
  // Takes a publish permit for `agency` and makes `done` give it back just
  // before it answers (so a caller that sends its next publish on the
  // answer finds it free); or answers RESOURCE_EXHAUSTED (logged) and
  // returns false.
  bool AdmitPublish(const AgencyId& agency, Done<PublishAnswer>& done);
  void Refuse(const identity::Caller& caller, const v1::Notification& n, absl::Status why,
              Done<PublishAnswer> done);
  // Logs and audits `refusal` (its reason is `why`), then answers `why`.
  void AuditRefusal(store::Refusal refusal, absl::Status why, Done<PublishAnswer> done);
  // Makes `done` also put a newly stored notification on the recent log and
  // its person links and engagements in the case directory.
  Done<store::PublishResult> Committing(const store::NewNotification& record,
                                        std::shared_ptr<Routing> routing, Done<PublishAnswer> done);

  Partnership partnership_;
  store::Store& store_;
  AccessRefusals refusals_{store_};
  // Ends the subscription's open streams ABORTED, saying what happened.
  void EndStreams(const store::SubscriptionRecord& record, const std::string& what);

  const SubscriptionSettings subscriptions_;
  AgencyLimits limits_;
  const Clock& clock_;
  std::atomic<bool> accepting_{true};
  DeliveryHub hub_;
  RecentLog recent_;
  // Only touched on the store's watch thread (the foreign-commit listener).
  bool reread_all_ = false;
};

}  // namespace safeshare::service
