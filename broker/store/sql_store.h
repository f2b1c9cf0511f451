#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

#include "broker/core/clock.h"
#include "broker/store/database.h"
#include "broker/store/group_commit.h"
#include "broker/store/store.h"

namespace safeshare::store {

class ReaderPool;

// The durable store on an SQL database (database.h): SQLite, one file for
// one broker (the default), or PostgreSQL, one database shared by several.
// Notifications, deliveries, subscription positions, the hash-chained audit
// log (with its key index and signed checkpoints). The Merkle tree over the
// log is rebuilt in memory at open (O(entries): every entry is read,
// encoded and hashed once) and grown after each commit, with the entries
// other brokers committed in between. Writes are group-committed by one
// writer thread, each transaction under the database's append lock:
// sequences and audit ids are assigned in the order transactions commit.
// Reads use a pool of read-only connections and may run on any thread. See
// Store for the contract.
class SqlStore final : public Store {
 public:
  struct Options {
    const Clock* clock = &SystemClock();
    GroupCommit::Options commit;
  };

  // `keys` seal every body written and open every body read (body_seal.h).
  static absl::StatusOr<std::unique_ptr<SqlStore>> Open(
      const std::shared_ptr<const Database>& database, std::shared_ptr<const DataKeys> keys,
      const Options& options);
  // On the SQLite file at `path` (created if absent).
  static absl::StatusOr<std::unique_ptr<SqlStore>> OpenSqlite(const std::filesystem::path& path,
                                                              std::shared_ptr<const DataKeys> keys,
                                                              const Options& options);
  static absl::StatusOr<std::unique_ptr<SqlStore>> OpenSqlite(
      const std::filesystem::path& path, std::shared_ptr<const DataKeys> keys) {
    return OpenSqlite(path, std::move(keys), Options{});
  }
  // Close(): completes queued writes, then closes the database (SQLite:
  // checkpoints the WAL into the file).
  ~SqlStore() override;

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
  absl::StatusOr<RoutingState> ReadRoutingChanges(const RoutingChanges& which) const override;
  bool HoldsDuty(Duty duty) override;
  bool ClaimSubscription(const AgencyId& agency, const SubscriptionName& name) override;
  void ReleaseSubscription(const AgencyId& agency, const SubscriptionName& name) override;
  absl::StatusOr<CaseState> ReadCase(const CaseRef& case_ref) const override;
  absl::StatusOr<std::vector<RoutedNotification>> ReadRouted(Sequence after, int64_t since_micros,
                                                             size_t limit,
                                                             bool urgent_only) const override;
  absl::StatusOr<std::vector<StoredDelivery>> ReadDeliveries(const AgencyId& agency, Sequence after,
                                                             size_t limit) const override;
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
  absl::Status Failure() const override { return commits_.Fatal(); }
  absl::Status Reachable() const override;
  // The database, for logs and messages (never a password).
  std::string Name() const { return database_->Name(); }
  void Close() override;

 private:
  SqlStore(std::shared_ptr<const Database> database, std::shared_ptr<const DataKeys> keys,
           std::unique_ptr<ReaderPool> readers, std::unique_ptr<Writer> writer,
           const Options& options);
  // At open, before any write: the Merkle leaves of every stored entry, read
  // a page at a time.
  absl::Status LoadAuditTree();
  // On a shared database: tells the foreign-commit listener what other
  // brokers committed (CommitWatch), and whether the database answers
  // (Reachable), until Close().
  void WatchForeignCommits(std::unique_ptr<CommitWatch> watch);
  // Records what the watch found, logging and telling the listener when it
  // changed.
  void SetReachable(const absl::Status& now);
  // Marks the store failed when a read found damaged data; passes the read on.
  template <typename T>
  absl::StatusOr<T> Checked(absl::StatusOr<T> read) const;

  std::shared_ptr<const Database> database_;
  std::shared_ptr<const DataKeys> keys_;
  std::unique_ptr<ReaderPool> readers_;
  mutable GroupCommit commits_;  // its threads stop before the rest is destroyed
  absl::Mutex watch_mu_;
  bool watch_stopped_ ABSL_GUARDED_BY(watch_mu_) = false;
  // What the watch last found: OK, or why the database did not answer.
  absl::Mutex duties_mu_;
  std::map<Duty, std::unique_ptr<DutyClaim>> duties_ ABSL_GUARDED_BY(duties_mu_);
  // One set of claims (on PostgreSQL: one connection) for every stream.
  absl::Mutex claims_mu_;
  std::unique_ptr<SubscriptionClaims> claims_ ABSL_GUARDED_BY(claims_mu_);
  mutable absl::Mutex reachable_mu_;
  absl::Status reachable_ ABSL_GUARDED_BY(reachable_mu_);
  std::thread watcher_;  // last: joined by Close()
};

}  // namespace safeshare::store
