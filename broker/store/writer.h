#pragma once

#include <memory>
#include <set>
#include <string>

#include "absl/status/statusor.h"
#include "broker/audit/audit_entry.h"
#include "broker/audit/merkle.h"
#include "broker/store/body_seal.h"
#include "broker/store/case_delta.h"
#include "broker/store/records.h"
#include "broker/store/sqlite_db.h"

namespace safeshare::store {

// The store's single writer: the write connection, its prepared statements
// and the head of the audit hash chain. Used only by the group-commit thread,
// so it needs no locking. Each operation either fails before it has written
// anything or succeeds; Rollback() forgets everything since Begin().
class Writer {
 public:
  static absl::StatusOr<std::unique_ptr<Writer>> Open(const std::filesystem::path& path);
  ~Writer();

  // Opens a transaction whose entries are stamped `now_micros` (wall-clock
  // UTC microseconds, as the caller's clock reads; GroupCommit passes the
  // system clock). A time earlier than the last entry's is recorded as given
  // and flagged (audit::Entry::clock_stepped_back_from).
  absl::Status Begin(int64_t now_micros);
  absl::Status Commit();
  void Rollback();
  // Inside a transaction, around each operation: an operation refused on its
  // own (NOT_FOUND, INVALID_ARGUMENT, a constraint) is rolled back to its
  // savepoint without failing the rest of the batch.
  absl::Status Savepoint();
  absl::Status ReleaseSavepoint();
  absl::Status RollbackToSavepoint();

  // `sealed`: n's bodies as stored (SealBodies, done before the writer's
  // turn so the commit thread does no encryption).
  absl::StatusOr<PublishResult> Publish(const NewNotification& n, const SealedBodies& sealed);
  absl::Status Refuse(const Refusal& refusal);
  // See Store::CreateSubscription, OpenSubscription, ResetSubscription and
  // DeleteSubscription (writer_subscriptions.cc).
  absl::StatusOr<SubscriptionRecord> CreateSubscription(const SubscriptionSpec& spec);
  absl::StatusOr<SubscriptionRecord> OpenSubscription(const AgencyId& agency,
                                                      const SubscriptionName& name,
                                                      bool create_if_missing,
                                                      size_t max_per_agency);
  absl::StatusOr<SubscriptionRecord> ResetSubscription(const AgencyId& agency,
                                                       const SubscriptionName& name,
                                                       StartPosition to);
  absl::StatusOr<SubscriptionRecord> DeleteSubscription(const AgencyId& agency,
                                                        const SubscriptionName& name);
  // See Store::Acknowledge, Park and ReleaseParked (writer_attempts.cc).
  absl::StatusOr<AckResult> Acknowledge(const AckRequest& request);
  absl::StatusOr<uint32_t> Park(const std::vector<DeliveredEvent>& events);
  absl::StatusOr<uint32_t> ReleaseParked(const AgencyId& agency, const SubscriptionName& name,
                                         const std::vector<Sequence>& sequences);
  // One "delivered" entry per (recipient, subscription) of `events`; raises
  // each one's delivered_through (writer_subscriptions.cc).
  absl::Status Delivered(const std::vector<DeliveredEvent>& events);
  // Appends `entry` as it is (its id, time and hashes are the writer's).
  absl::Status RecordEvent(audit::Entry entry);
  // Keeps a signed tree head; one already kept for its size stays.
  absl::Status SaveCheckpoint(const StoredCheckpoint& checkpoint);
  // See Store::ChangeCase, ChangeInterests and RecordPolicyChange
  // (writer_cases.cc).
  absl::StatusOr<CaseState> ChangeCase(const CaseChange& change);
  absl::StatusOr<uint32_t> ChangeInterests(const InterestChange& change);
  absl::Status RecordPolicyChange(const PolicyChange& change);

  // The audit index (QueryAudit's) trails the log rather than being
  // written with each entry, where its scattered keys made every commit
  // write many more pages: this files the committed entries after the last
  // one filed, at most `max_entries` of them, as one posting row per key
  // (audit_postings.h), in a transaction of its own (never between Begin()
  // and Commit()). Answers how many entries it filed.
  absl::StatusOr<size_t> IndexAudit(size_t max_entries);
  // Committed entries not yet filed in the index.
  int64_t Unindexed() const { return committed_audit_id_ - indexed_through_; }

  // See Store::DeleteContent (writer_retention.cc). Asks for a checkpoint
  // (CheckpointWanted) once it deleted something.
  absl::StatusOr<uint32_t> DeleteContent(const std::vector<ContentDeletion>& deletions);
  // Whether deleted content may still be in the write-ahead log (its old
  // frames), until CheckpointLog succeeds.
  bool CheckpointWanted() const { return checkpoint_wanted_; }
  // Outside a transaction: copies the log into the file and truncates it
  // (PRAGMA wal_checkpoint(TRUNCATE)), without waiting for readers (busy:
  // false, try later). With secure_delete the freed bytes were zeroed, so
  // afterwards neither file holds deleted content.
  absl::StatusOr<bool> CheckpointLog();

  // Agencies with new deliveries in the current transaction.
  const std::set<AgencyId>& woken() const { return woken_; }
  // After Commit(): the Merkle leaves of the entries it committed, in id
  // order (the leaves are then forgotten).
  std::vector<audit::Hash> TakeCommittedLeaves() { return std::move(leaves_); }

 private:
  struct Statements;
  static absl::StatusOr<std::unique_ptr<Statements>> PrepareStatements(Connection& db);
  Writer(std::unique_ptr<Connection> db, std::unique_ptr<Statements> stmts);
  absl::Status LoadHeads();
  // PRAGMA wal_checkpoint(TRUNCATE), outside a transaction: true when the
  // log was copied into the file and truncated, false when a reader kept it
  // from finishing.
  absl::StatusOr<bool> TruncateLog();
  absl::Status Append(audit::Entry entry);
  absl::StatusOr<PublishResult> Duplicate(const NewNotification& n);
  absl::Status InsertNotification(const NewNotification& n, const SealedBodies& sealed,
                                  Sequence seq);
  absl::Status InsertDeliveries(const NewNotification& n, int64_t seq);
  // What a publish records beside the notification: its person links and
  // the engagements of n.engage.
  absl::Status LinkPeople(const NewNotification& n, int64_t seq);
  absl::Status EngageFromMinutes(const NewNotification& n);
  // Plans `change` against the stored case, writes it and audits it
  // (notification_id: the notification that recorded it, or "").
  absl::StatusOr<CaseState> ApplyCaseChange(const CaseChange& change, const std::string& source,
                                            const std::string& notification_id);
  absl::Status WriteCaseDelta(const CaseRef& case_ref, const CaseDelta& delta,
                              const std::string& source, CaseState& state);
  // The facts of `agency`'s deliveries in (after, through] that `filter`
  // matches, in order.
  absl::StatusOr<std::vector<DeliveryFacts>> AcknowledgedRange(const AgencyId& agency,
                                                               int64_t after, int64_t through,
                                                               const DeliveryFilter& filter);
  // The subscription's delivery_attempts rows, by sequence.
  absl::StatusOr<std::map<uint64_t, DeliveryAttempt>> Attempts(const AgencyId& agency,
                                                               const SubscriptionName& name);
  absl::Status PutAttempt(const AgencyId& agency, const SubscriptionName& name,
                          const DeliveryAttempt& attempt);
  absl::Status DropAttempt(const AgencyId& agency, const SubscriptionName& name, Sequence seq);
  // The latest sequence, including this transaction's (which commit first).
  Sequence Latest() const { return Sequence(static_cast<uint64_t>(next_seq_ - 1)); }
  // The stored subscription, or NOT_FOUND (UnknownSubscription).
  absl::StatusOr<SubscriptionRecord> FindSubscription(const AgencyId& agency,
                                                      const SubscriptionName& name);
  // Inserts spec's subscription at `at` unless the agency has spec.max_per_agency.
  absl::StatusOr<SubscriptionRecord> InsertSubscription(const SubscriptionSpec& spec, Sequence at);

  std::unique_ptr<Connection> db_;
  std::unique_ptr<Statements> stmts_;
  int64_t now_ = 0;
  // Committed heads, and the heads including the open transaction.
  int64_t committed_seq_ = 0, next_seq_ = 1;
  int64_t committed_audit_id_ = 0, next_audit_id_ = 1;
  std::string committed_hash_, head_hash_;
  // The last entry filed in the audit index (committed).
  int64_t indexed_through_ = 0;
  bool checkpoint_wanted_ = false;
  // The time of the last audit entry, to notice the wall clock stepping back.
  int64_t committed_audit_at_ = 0, head_audit_at_ = 0;
  struct Mark {
    int64_t next_seq = 0, next_audit_id = 0, audit_at = 0;
    std::string head_hash;
    size_t leaves = 0;
  } mark_;  // the heads at the last Savepoint()
  std::set<AgencyId> woken_;
  // The leaf hash of each entry appended in the open transaction.
  std::vector<audit::Hash> leaves_;
};

}  // namespace safeshare::store
