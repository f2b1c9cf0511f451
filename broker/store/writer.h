#pragma once

#include <memory>
#include <set>
#include <string>

#include "absl/status/statusor.h"
#include "broker/audit/audit_entry.h"
#include "broker/audit/merkle.h"
#include "broker/store/action_records.h"
#include "broker/store/body_seal.h"
#include "broker/store/case_delta.h"
#include "broker/store/database.h"
#include "broker/store/records.h"

namespace safeshare::store {

// The store's single writer: the write connection, its prepared statements
// and the head of the audit hash chain. Used only by the group-commit thread,
// so it needs no locking. Each operation either fails before it has written
// anything or succeeds; Rollback() forgets everything since Begin().
class Writer {
 public:
  // Opens the database's writer connection (creating or upgrading the
  // schema) and reads the heads of the log.
  static absl::StatusOr<std::unique_ptr<Writer>> Open(std::shared_ptr<const Database> database);
  ~Writer();

  // Opens a transaction holding the append lock, whose entries are stamped
  // `now_micros` (wall-clock UTC microseconds, as the caller's clock reads;
  // GroupCommit passes the system clock). On a shared database it first
  // reads what other brokers appended since (CatchUp). A time earlier than the last entry's is
  // recorded as given and flagged (audit::Entry::clock_stepped_back_from).
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
  // See Store::RecordAction (writer_actions.cc). `note`: a.note sealed
  // (SealNote), or empty when there is none.
  absl::StatusOr<ActionResult> RecordAction(const NewAction& a, const SealedNote& note);
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
  // Committed entries not yet filed in the index (as far as this broker
  // knows: on a shared database others may have filed them).
  int64_t Unindexed() const { return committed_audit_id_ - indexed_through_; }

  // See Store::DeleteContent (writer_retention.cc). Asks for a checkpoint
  // (CheckpointWanted) once it deleted something.
  absl::StatusOr<uint32_t> DeleteContent(const std::vector<ContentDeletion>& deletions);
  // Whether deleted content may still be in the database's log (SQLite's
  // write-ahead log: its old frames), until CheckpointLog succeeds.
  bool CheckpointWanted() const { return checkpoint_wanted_; }
  // Outside a transaction: Database::ScrubLog (false: busy, try later).
  absl::StatusOr<bool> CheckpointLog();

  // Agencies with new deliveries in the current transaction.
  const std::set<AgencyId>& woken() const { return woken_; }
  // After Commit(): the Merkle leaves of the entries it committed, in id
  // order (the leaves are then forgotten).
  std::vector<audit::Hash> TakeCommittedLeaves() { return std::move(leaves_); }

 private:
  struct Statements;
  static absl::StatusOr<std::unique_ptr<Statements>> PrepareStatements(
      Connection& db, const Database::Dialect& dialect);
  Writer(std::shared_ptr<const Database> database, std::unique_ptr<Connection> db,
         std::unique_ptr<Statements> stmts);
  // The committed heads as stored (at open; on a shared database, under the
  // append lock at each Begin).
  struct Heads {
    int64_t seq = 0, audit_id = 0, audit_at = 0, indexed_through = 0;
    std::string hash;
  };
  absl::StatusOr<Heads> ReadHeads();
  absl::Status LoadHeads();
  // The write transaction: begin_write, then the append lock.
  absl::Status BeginLocked();
  // On a shared database, inside BeginLocked's transaction: the heads other
  // brokers committed, and the Merkle leaves of their entries (leaves_, in
  // id order, ahead of this transaction's own).
  absl::Status CatchUp();
  // The leaf hashes of the committed entries with ids in (after, through].
  absl::StatusOr<std::vector<audit::Hash>> LeavesAfter(int64_t after, int64_t through);
  // IndexAudit's transaction: answers how many entries it filed and the
  // last one filed. The caller rolls back on error.
  absl::StatusOr<std::pair<size_t, int64_t>> FileUnindexed(size_t max_entries);
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

  std::shared_ptr<const Database> database_;
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
  // What the open transaction changed of the routing facts (a superset:
  // a savepoint rolled back leaves its changes here), for the announcement.
  RoutingChanges routing_;
  // The leaf hash of each entry appended in the open transaction.
  std::vector<audit::Hash> leaves_;
};

}  // namespace safeshare::store
