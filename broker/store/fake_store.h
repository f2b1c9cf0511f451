#pragma once

#include <deque>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

#include "broker/core/clock.h"
#include "broker/store/store.h"

namespace safeshare::store {

// An in-memory Store for unit tests, with the faults a real disk has: a
// failed sync (fatal), a full disk, a damaged notification body and a slow
// commit. Operations are applied one at a time, in order, on the fake's own
// thread, which also runs the `done`s (never inline, as the contract says).
// Passes the same contract tests as SqliteStore. Thread-safe.
class FakeStore final : public Store {
 public:
  explicit FakeStore(const Clock& clock = SystemClock());
  ~FakeStore() override;  // Close()

  // Faults; each applies to operations the fake starts afterwards.
  void FailNextSync();                            // the next commit's sync fails: fatal
  void FillDisk(bool full);                       // commits fail RESOURCE_EXHAUSTED while full
  void CorruptBody(Sequence seq);                 // that body no longer matches its hash
  void CorruptView(Sequence seq, uint32_t view);  // that view (>= 1) no longer matches its hash
  void HoldCommits(bool held);                    // commits wait while held (a slow disk)
  size_t queued() const;                          // operations not yet applied

  void Publish(NewNotification n, Done<PublishResult> done) override;
  void RecordRefusal(Refusal refusal, StatusDone done) override;
  void CreateSubscription(SubscriptionSpec spec, Done<SubscriptionRecord> done) override;
  void OpenSubscription(AgencyId agency, SubscriptionName name, bool create_if_missing,
                        size_t max_per_agency, Done<SubscriptionRecord> done) override;
  void ResetSubscription(AgencyId agency, SubscriptionName name, StartPosition to,
                         Done<SubscriptionRecord> done) override;
  void DeleteSubscription(AgencyId agency, SubscriptionName name,
                          Done<SubscriptionRecord> done) override;
  void Acknowledge(AckRequest request, Done<AckResult> done) override;
  using Store::Acknowledge;
  void RecordAction(NewAction a, Done<ActionResult> done) override;
  absl::StatusOr<std::vector<StoredAction>> ReadActions(const NotificationId& id) const override;
  void Park(std::vector<DeliveredEvent> events, Done<uint32_t> done) override;
  void ReleaseParked(AgencyId agency, SubscriptionName name, std::vector<Sequence> sequences,
                     Done<uint32_t> done) override;
  void RecordDelivered(std::vector<DeliveredEvent> events, StatusDone done, bool can_wait) override;
  void ChangeCase(CaseChange change, Done<CaseState> done) override;
  void ChangeInterests(InterestChange change, Done<uint32_t> done) override;
  void RecordPolicyChange(PolicyChange change, StatusDone done) override;
  absl::StatusOr<RoutingState> ReadRoutingState() const override;
  absl::StatusOr<CaseState> ReadCase(const CaseRef& case_ref) const override;
  absl::StatusOr<std::vector<RoutedNotification>> ReadRouted(Sequence after, int64_t since_micros,
                                                             size_t limit,
                                                             bool urgent_only) const override;
  absl::StatusOr<std::vector<StoredDelivery>> ReadDeliveries(const AgencyId& agency, Sequence after,
                                                             size_t limit) const override;
  // fake_store_retention.cc
  absl::StatusOr<std::vector<HeldNotification>> ReadHeld(Sequence after,
                                                         const std::vector<std::string>& types,
                                                         size_t limit) const override;
  void DeleteContent(std::vector<ContentDeletion> deletions, Done<uint32_t> done) override;
  absl::StatusOr<DeliveryPage> ReadDeliveryPage(const AgencyId& agency, Sequence after,
                                                size_t limit,
                                                const DeliveryFilter& filter) const override;
  absl::StatusOr<std::vector<SubscriptionStats>> ReadSubscriptions(
      const AgencyId& agency, const SubscriptionName& name) const override;
  absl::StatusOr<std::vector<DeliveryAttempt>> ReadAttempts(const AgencyId& agency,
                                                            const SubscriptionName& name,
                                                            Sequence acked_through) const override;
  absl::StatusOr<std::vector<ParkedDelivery>> ReadParked(const AgencyId& agency,
                                                         const SubscriptionName& name,
                                                         Sequence after,
                                                         size_t limit) const override;
  absl::StatusOr<std::vector<audit::Entry>> ReadAudit(int64_t after_id,
                                                      size_t limit) const override;
  void RecordEvent(audit::Entry entry, StatusDone done, bool can_wait) override;
  absl::StatusOr<std::vector<audit::Entry>> QueryAudit(const AuditQuery& query) const override;
  absl::StatusOr<std::vector<UnacknowledgedDelivery>> ReadUnacknowledged(
      const UnacknowledgedQuery& query) const override;
  void SaveCheckpoint(StoredCheckpoint checkpoint, StatusDone done) override;
  absl::StatusOr<StoredCheckpoint> ReadCheckpoint(uint64_t tree_size) const override;
  absl::StatusOr<std::optional<NotificationId>> FindPublished(
      const AgencyId& publisher, const std::string& idempotency_key) const override;
  absl::Status Failure() const override;
  void Close() override;

 private:
  struct Stored {
    NewNotification n;
    std::string body;                // a copy, so CorruptBody can alter it
    std::vector<std::string> views;  // copies, so CorruptView can alter them
    int64_t stored_at = 0;
    int64_t content_deleted_at = 0;  // retention deleted body and views (0: held)
  };
  // An operation: checks, then writes the state (under mu_) only when it
  // returns OK; may add agencies to wake.
  using Apply = std::function<absl::Status(std::set<AgencyId>& woken)>;
  struct Queued {
    Apply apply;
    StatusDone done;
  };

  template <typename T>
  void SubmitTyped(std::function<absl::StatusOr<T>(std::set<AgencyId>&)> apply, Done<T> done);
  void Submit(Apply apply, StatusDone done);
  void Run();
  absl::Status Commit(Apply& apply, std::set<AgencyId>& woken) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Append(audit::Entry entry) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<PublishResult> DoPublish(const NewNotification& n, std::set<AgencyId>& woken)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // fake_store_attempts.cc
  absl::StatusOr<AckResult> DoAcknowledge(const AckRequest& request)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  uint32_t DoPark(const std::vector<DeliveredEvent>& events) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<uint32_t> DoReleaseParked(const AgencyId& agency, const SubscriptionName& name,
                                           const std::vector<Sequence>& sequences)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The body a recipient receives and its hash (view 0: the full body).
  static std::pair<const std::string*, const std::string*> ViewOf(const Stored& stored,
                                                                  uint32_t view);
  absl::StatusOr<CaseState> DoChangeCase(const CaseChange& change, const std::string& source,
                                         const std::string& notification_id)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<uint32_t> DoChangeInterests(const InterestChange& change)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Marks the fake failed (once) when a read found damage; passes it on.
  absl::Status Damaged(absl::Status found) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::vector<DeliveryFacts> FactsOf(const AgencyId& agency, Sequence after, Sequence through,
                                     size_t limit) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // fake_store_subscriptions.cc
  absl::StatusOr<SubscriptionRecord> DoCreateSubscription(const SubscriptionSpec& spec)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<SubscriptionRecord> DoOpenSubscription(const AgencyId& agency,
                                                        const SubscriptionName& name,
                                                        bool create_if_missing,
                                                        size_t max_per_agency)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<SubscriptionRecord> DoResetSubscription(const AgencyId& agency,
                                                         const SubscriptionName& name,
                                                         StartPosition to)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Inserts spec's subscription at `at` unless the agency has spec.max_per_agency.
  absl::StatusOr<SubscriptionRecord> Insert(const SubscriptionSpec& spec, Sequence at)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // `agency`'s deliveries in (after, through] that `filter` matches.
  std::vector<DeliveryFacts> Matching(const AgencyId& agency, Sequence after, Sequence through,
                                      const DeliveryFilter& filter) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const Clock& clock_;
  mutable absl::Mutex mu_;
  std::deque<Queued> queue_ ABSL_GUARDED_BY(mu_);
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
  bool held_ ABSL_GUARDED_BY(mu_) = false;
  bool disk_full_ ABSL_GUARDED_BY(mu_) = false;
  bool fail_sync_ ABSL_GUARDED_BY(mu_) = false;
  // Set by a read that finds damage, too.
  mutable absl::Status fatal_ ABSL_GUARDED_BY(mu_);
  std::vector<Stored> notifications_ ABSL_GUARDED_BY(mu_);  // index = sequence - 1
  // (publisher, key) -> index
  std::map<std::pair<AgencyId, std::string>, size_t> keys_ ABSL_GUARDED_BY(mu_);
  std::map<std::pair<AgencyId, SubscriptionName>, SubscriptionRecord> subscriptions_
      ABSL_GUARDED_BY(mu_);
  // Each subscription's delivery_attempts rows, by sequence.
  std::map<std::pair<AgencyId, SubscriptionName>, std::map<uint64_t, DeliveryAttempt>> attempts_
      ABSL_GUARDED_BY(mu_);
  // (recipient, sequence) of every delivery a subscription acknowledged,
  // with when one first did.
  std::map<std::pair<AgencyId, Sequence>, int64_t> acknowledged_ ABSL_GUARDED_BY(mu_);
  // Each notification's recorded actions (fake_store_actions.cc), by sequence.
  struct RecordedAction {
    StoredAction action;
    std::string idempotency_key;
  };
  std::map<uint64_t, std::vector<RecordedAction>> actions_ ABSL_GUARDED_BY(mu_);
  std::vector<audit::Entry> audit_ ABSL_GUARDED_BY(mu_);
  std::map<CaseRef, CaseState> cases_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::set<AgencyId>> interests_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::set<CaseRef>> person_cases_ ABSL_GUARDED_BY(mu_);
  std::map<uint64_t, StoredCheckpoint> checkpoints_ ABSL_GUARDED_BY(mu_);
  std::string head_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

// Defined here: both fake_store.cc and fake_store_cases.cc submit typed ops.
template <typename T>
void FakeStore::SubmitTyped(std::function<absl::StatusOr<T>(std::set<AgencyId>&)> apply,
                            Done<T> done) {
  auto result = std::make_shared<absl::StatusOr<T>>(absl::UnknownError("not applied"));
  Submit(
      [apply = std::move(apply), result](std::set<AgencyId>& woken) {
        *result = apply(woken);
        return result->status();
      },
      [done = std::move(done), result](absl::Status status) {
        if (status.ok()) return done(std::move(*result));
        done(status);
      });
}

}  // namespace safeshare::store
