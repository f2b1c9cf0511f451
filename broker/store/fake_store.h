#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

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
  void FailNextSync();             // the next commit's sync fails: fatal
  void FillDisk(bool full);        // commits fail RESOURCE_EXHAUSTED while full
  void CorruptBody(Sequence seq);  // that body no longer matches its hash
  void HoldCommits(bool held);     // commits wait while held (a slow disk)
  size_t queued() const;           // operations not yet applied

  void SetCommitListener(CommitListener listener) override;
  void SetFailureListener(FailureListener listener) override;
  void Publish(NewNotification n, Done<PublishResult> done) override;
  void RecordRefusal(Refusal refusal, StatusDone done) override;
  void OpenSubscription(AgencyId agency, SubscriptionName name, Done<Sequence> done) override;
  void Acknowledge(AgencyId agency, SubscriptionName name, Sequence through,
                   Done<AckResult> done) override;
  void RecordDelivered(std::vector<DeliveredEvent> events, StatusDone done, bool can_wait) override;
  absl::StatusOr<std::vector<StoredDelivery>> ReadDeliveries(const AgencyId& agency, Sequence after,
                                                             size_t limit) const override;
  absl::StatusOr<std::vector<audit::Entry>> ReadAudit(int64_t after_id,
                                                      size_t limit) const override;
  absl::Status Failure() const override;
  void Close() override;

 private:
  struct Stored {
    NewNotification n;
    std::string body;  // a copy, so CorruptBody can alter it
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
  absl::Status Commit(Apply& apply, std::set<AgencyId>& woken);  // REQUIRES: mu_ held
  void Append(audit::Entry entry);                               // REQUIRES: mu_ held
  absl::StatusOr<PublishResult> DoPublish(const NewNotification& n, std::set<AgencyId>& woken);
  absl::StatusOr<AckResult> DoAcknowledge(const AgencyId& agency, const SubscriptionName& name,
                                          Sequence through);
  std::vector<DeliveryFacts> FactsOf(const AgencyId& agency, Sequence after, Sequence through,
                                     size_t limit) const;  // REQUIRES: mu_ held

  const Clock& clock_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  // All guarded by mu_.
  std::deque<Queued> queue_;
  bool closed_ = false, stopped_ = false, held_ = false, disk_full_ = false, fail_sync_ = false;
  mutable absl::Status fatal_;                               // set by a read that finds damage, too
  std::vector<Stored> notifications_;                        // index = sequence - 1
  std::map<std::pair<AgencyId, std::string>, size_t> keys_;  // (publisher, key) -> index
  std::map<std::pair<AgencyId, SubscriptionName>, Sequence> acked_;
  std::vector<audit::Entry> audit_;
  std::string head_;
  CommitListener listener_;
  FailureListener failure_listener_;
  std::thread thread_;
};

}  // namespace safeshare::store
