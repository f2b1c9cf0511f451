#pragma once

#include <functional>
#include <optional>
#include <set>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "broker/audit/audit_entry.h"
#include "broker/audit/merkle.h"
#include "broker/store/action_records.h"
#include "broker/store/records.h"
#include "broker/store/store_errors.h"

namespace safeshare::store {

// The durable log behind the broker: notifications (with their redacted
// views), per-recipient deliveries, subscription positions, idempotency
// keys, the hash-chained audit log, and the routing state of the sharing
// agreements (cases and engagements, person interests and links). Implementations: SqliteStore
// (embedded, the default) and FakeStore (in memory, with injectable faults, for unit tests). The
// same contract tests (StoreContract in tests/unit/store_test.cc) run against both.
//
// Contract:
// - Writes are asynchronous. Each `done` runs exactly once, never inline in
//   the call that queued it, on the store's completion thread, in commit
//   order, after what it reports is durable (OK) or has failed (error). A
//   `done` must not block.
// - Sequences and audit ids are assigned in commit order under one
//   store-wide append lock, so a reader never sees sequence N+1 before N.
// - Errors: RESOURCE_EXHAUSTED (disk full, or too many writes queued; the
//   operation stored nothing, retry later), UNAVAILABLE (busy, or the store
//   has failed: see Failure()), INVALID_ARGUMENT / NOT_FOUND /
//   ALREADY_EXISTS (the operation was refused and stored nothing but the
//   audit entry of its refusal), DATA_LOSS
//   (a read found damaged data; it is never served).
// - After a fatal error (a failed sync, corruption) the store refuses every
//   write with UNAVAILABLE until restarted, and calls the failure listener
//   once.
// The listeners are kept here, for every implementation. Thread-safe.
class Store {
 public:
  template <typename T>
  using Done = std::function<void(absl::StatusOr<T>)>;
  using StatusDone = std::function<void(absl::Status)>;
  // After each commit, with the agencies that have new deliveries. Runs on
  // the completion thread after that commit's `done`s; must not block.
  using CommitListener = std::function<void(const std::set<AgencyId>&)>;
  // Once, when the store stops trusting itself (fatal error). Must not block.
  using FailureListener = std::function<void(const absl::Status&)>;
  // When another broker sharing the database committed notifications or
  // changed routing facts. Runs on the store's watch thread, which it may
  // hold to read the store (ReadRoutingChanges), never to wait for a write.
  using ForeignCommitListener = std::function<void(const ForeignCommit&)>;

  virtual ~Store() = default;

  // Register before the first write; each replaces the previous listener.
  void SetCommitListener(CommitListener listener);
  void SetFailureListener(FailureListener listener);
  void SetForeignCommitListener(ForeignCommitListener listener);
  // When the database stops or starts answering (Reachable()). Runs on the
  // store's watch thread; must not block.
  using ReachabilityListener = std::function<void(const absl::Status&)>;
  void SetReachabilityListener(ReachabilityListener listener);

  // Stores the notification, its views, its deliveries, its person links,
  // the engagements it records (n.engage, on n.case_ref) and its audit
  // entries (one `published` for the decision, a line per agency)
  // atomically, or, when (publisher, idempotency_key) was seen
  // before with the same request_hash, answers with the first notification
  // and audits the retry (applying no links or engagements again); with
  // another request_hash, audits the refusal and answers ALREADY_EXISTS
  // naming the first notification. INVALID_ARGUMENT (nothing stored) when a
  // recipient names a view the notification does not carry.
  virtual void Publish(NewNotification n, Done<PublishResult> done) = 0;
  // Audits a refused publish; `done` once the entry is durable.
  virtual void RecordRefusal(Refusal refusal, StatusDone done) = 0;
  // Creates spec.name for spec.agency at spec.start (kNow: the latest
  // committed sequence, read under the append lock, so nothing committed
  // later is skipped) with spec.filter, and audits `subscription_created`.
  // The same name with an equal filter and consumer mode answers the stored
  // subscription and writes nothing (a retry); with another ALREADY_EXISTS
  // naming what differs (SameSubscription). kAfter beyond the latest sequence INVALID_ARGUMENT
  // (BeyondLatest); RESOURCE_EXHAUSTED (TooManySubscriptions) when the agency
  // has spec.max_per_agency subscriptions. A refusal stores nothing.
  virtual void CreateSubscription(SubscriptionSpec spec, Done<SubscriptionRecord> done) = 0;
  // Opens a subscription stream's subscription and audits `subscribed`. An
  // unknown name is created from the beginning with no filter when
  // `create_if_missing` (counted against `max_per_agency` as above, and
  // audited `subscription_created` before `subscribed`), else NOT_FOUND
  // (MustCreateFirst).
  virtual void OpenSubscription(AgencyId agency, SubscriptionName name, bool create_if_missing,
                                size_t max_per_agency, Done<SubscriptionRecord> done) = 0;
  // Moves the subscription to `to` (acked_through = delivered_through = the
  // position) and audits `subscription_reset` with the old and new position
  // and, moving forward, how many unacknowledged matching deliveries it
  // skipped (they stay unacknowledged for their publisher). NOT_FOUND if
  // unknown; kAfter beyond the latest INVALID_ARGUMENT.
  virtual void ResetSubscription(AgencyId agency, SubscriptionName name, StartPosition to,
                                 Done<SubscriptionRecord> done) = 0;
  // Deletes the subscription (answered as it was) and audits
  // `subscription_deleted`. NOT_FOUND if unknown.
  virtual void DeleteSubscription(AgencyId agency, SubscriptionName name,
                                  Done<SubscriptionRecord> done) = 0;
  // Acknowledges cumulatively through request.through and each of
  // request.sequences on its own, as PlanAck (ack_plan.h) decides: one
  // `acknowledged` audit entry with a line per newly settled delivery (none
  // when nothing is), each delivery marked acked_at the first time a
  // subscription of its recipient settles it; newly_acknowledged counts
  // them, acknowledged_through is the position after it. A sequence above
  // the subscription's delivered_through is INVALID_ARGUMENT (NotDelivered):
  // the audit never says "acknowledged" for what no stream of it was handed,
  // and a late acknowledgement from before a reset cannot undo the reset.
  virtual void Acknowledge(AckRequest request, Done<AckResult> done) = 0;
  void Acknowledge(AgencyId agency, SubscriptionName name, Sequence through, Done<AckResult> done) {
    Acknowledge(AckRequest{std::move(agency), std::move(name), through, {}}, std::move(done));
  }
  // Records what a.recipient did about notification a.notification: a row
  // of `actions` with the note sealed (store/body_seal.h, NoteContext) and
  // an `actioned` audit entry (entries::Actioned: the action, never the
  // note). NOT_FOUND (NotDeliveredTo) unless the notification was delivered
  // to the recipient; FAILED_PRECONDITION (NotAcknowledged) before a
  // subscription of the recipient acknowledged it, or (NoteAfterDeletion)
  // with a note once retention deleted its content. A non-empty
  // idempotency key seen before for (notification, recipient) answers the
  // first action, duplicate, and writes nothing.
  virtual void RecordAction(NewAction a, Done<ActionResult> done) = 0;
  // The actions recipients recorded on notification `id`, in the order
  // recorded, notes opened (FAILED_PRECONDITION for a data key not loaded,
  // DATA_LOSS for a note that does not authenticate).
  virtual absl::StatusOr<std::vector<StoredAction>> ReadActions(const NotificationId& id) const = 0;
  // Parks deliveries handed `attempt` times without acknowledgement (the
  // subscription's max_deliver): a kParked row each, and one `parked` audit
  // entry per subscription with a line per delivery. One settled meanwhile,
  // already parked, or of a subscription deleted since, is passed over.
  // Answers how many it parked.
  virtual void Park(std::vector<DeliveredEvent> events, Done<uint32_t> done) = 0;
  // Releases parked deliveries of the subscription (`sequences`, or every
  // one when empty) to be delivered again (attempts count from 1 again),
  // audited `released`. NOT_FOUND for an unknown subscription,
  // FAILED_PRECONDITION (NotParked) for a listed sequence that is not
  // parked. Answers how many it released.
  virtual void ReleaseParked(AgencyId agency, SubscriptionName name,
                             std::vector<Sequence> sequences, Done<uint32_t> done) = 0;
  // Audits deliveries about to be handed to a subscription stream: one
  // `delivered` entry per (recipient, subscription), a line per delivery
  // ("attempt N" from the second); raises each such subscription's
  // delivered_through to its highest sequence in `events`, and keeps the
  // attempt count of each one handed `again` (a kRedelivered row).
  // The stream sends them only after `done` reports OK. `can_wait`: the entries
  // may wait (briefly, see GroupCommit) to share a commit with other writes.
  virtual void RecordDelivered(std::vector<DeliveredEvent> events, StatusDone done,
                               bool can_wait) = 0;

  // Creates the case if new (open; creating it is a change); applies
  // `engage` and `disengage` (engaging an engaged agency or disengaging one
  // not engaged is a no-op) and close/reopen (closing a closed case or
  // reopening an open one is a no-op); audits one `case_changed` entry
  // describing what changed (agencies and status, no personal data), none
  // when nothing did. Answers the case's state after the change.
  // INVALID_ARGUMENT (nothing stored) when an agency is both engaged and
  // disengaged.
  virtual void ChangeCase(CaseChange change, Done<CaseState> done) = 0;
  // Registers (or withdraws) `agency`'s interest in each person hash;
  // answers how many registrations changed (a repeated or unknown one does
  // not). Audits one `interest_changed` entry with that count and the hashes
  // that changed (keyed hashes, never raw identifiers). INVALID_ARGUMENT
  // (nothing stored) for an empty hash.
  virtual void ChangeInterests(InterestChange change, Done<uint32_t> done) = 0;
  // Audits a policy reload (`policy_changed`): old and new version, applied
  // or refused and why.
  virtual void RecordPolicyChange(PolicyChange change, StatusDone done) = 0;

  // Everything routing needs: every case with its engagements, the
  // registered interests and the person-to-case links. Read at start-up.
  virtual absl::StatusOr<RoutingState> ReadRoutingState() const = 0;
  // The facts `which` names as they stand now: each named case that exists
  // with its engagements, and for each named person its interests and
  // linked cases (present, possibly empty). Everything when
  // `which.everything`. This default filters ReadRoutingState.
  virtual absl::StatusOr<RoutingState> ReadRoutingChanges(const RoutingChanges& which) const;
  // Whether this broker is the one to do `duty` now; ask before each run.
  // Always where no other broker shares the store. Several brokers sharing
  // one each take a duty that is free, one at a time; a broker that stops
  // or loses the database frees its duties. A broker cut off from the
  // database may still believe it holds one, so the work must be safe to
  // do twice (each step rechecked in its transaction).
  virtual bool HoldsDuty(Duty duty) {
    (void)duty;
    return true;
  }
  // The notification `publisher` published with `idempotency_key`, if any
  // (the broker's escalations use keys that name what they escalate, so a
  // broker restarted, or another sharing the database, finds what was
  // already raised).
  virtual absl::StatusOr<std::optional<NotificationId>> FindPublished(
      const AgencyId& publisher, const std::string& idempotency_key) const = 0;
  // Whether this broker may deliver subscription (agency, name) now, taking
  // its claim when free: the broker whose stream of it is active holds the
  // claim (service::DeliveryHub), so brokers sharing the store never
  // deliver one subscription on two streams at once. Always where no other
  // broker shares the store. A claim this broker held and lost (its
  // database session ended) answers false until released: stop delivering
  // on it, then release it. May wait on a database round trip; several
  // subscriptions may share one claim.
  virtual bool ClaimSubscription(const AgencyId& agency, const SubscriptionName& name) {
    (void)agency;
    (void)name;
    return true;
  }
  // Gives the claim up, when no stream of this broker consumes it any more.
  virtual void ReleaseSubscription(const AgencyId& agency, const SubscriptionName& name) {
    (void)agency;
    (void)name;
  }
  // NOT_FOUND if the case is unknown.
  virtual absl::StatusOr<CaseState> ReadCase(const CaseRef& case_ref) const = 0;
  // Notifications with sequence > `after` and stored at or after
  // `since_micros`, in sequence order, at most `limit`; `urgent_only`: only
  // those with an urgent-disclosure recipient. Each full body is checked
  // against its content hash as ReadDeliveries does; one whose content
  // retention deleted comes with an empty body and content_deleted_micros.
  virtual absl::StatusOr<std::vector<RoutedNotification>> ReadRouted(Sequence after,
                                                                     int64_t since_micros,
                                                                     size_t limit,
                                                                     bool urgent_only) const = 0;

  // Up to `limit` deliveries for `agency` after `after`, in commit order
  // (none whose content retention deleted), each with the body and content hash of the view that
  // agency receives. Each body is checked against its content hash; a mismatch is DATA_LOSS and
  // marks the store failed.
  virtual absl::StatusOr<std::vector<StoredDelivery>> ReadDeliveries(const AgencyId& agency,
                                                                     Sequence after,
                                                                     size_t limit) const = 0;
  // As ReadDeliveries, for a subscription: the deliveries `filter` matches
  // (applied in the query, so a delivery it skips is never read whole),
  // examining at most kMaxScanSpan sequences after `after`, so a narrow
  // filter over a long backlog is read in bounded steps.
  static constexpr uint64_t kMaxScanSpan = 4096;
  virtual absl::StatusOr<DeliveryPage> ReadDeliveryPage(const AgencyId& agency, Sequence after,
                                                        size_t limit,
                                                        const DeliveryFilter& filter) const = 0;
  // `agency`'s subscriptions by name (only `name` unless it is empty), each
  // with its backlog: matching deliveries above its position, and the
  // stored time of the oldest of them.
  virtual absl::StatusOr<std::vector<SubscriptionStats>> ReadSubscriptions(
      const AgencyId& agency, const SubscriptionName& name) const = 0;
  // The subscription's delivery_attempts rows a stream needs when it starts:
  // every one above `acked_through`, and those at or below it that are to be
  // delivered again (kReleased, kRedelivered); by sequence.
  virtual absl::StatusOr<std::vector<DeliveryAttempt>> ReadAttempts(
      const AgencyId& agency, const SubscriptionName& name, Sequence acked_through) const = 0;
  // The subscription's parked deliveries after `after`, by sequence, at most
  // `limit`.
  virtual absl::StatusOr<std::vector<ParkedDelivery>> ReadParked(const AgencyId& agency,
                                                                 const SubscriptionName& name,
                                                                 Sequence after,
                                                                 size_t limit) const = 0;
  // --- Retention (service/retention_sweeper.h) ---

  // Notifications of one of `types` whose content is still held, with
  // sequence > `after`, in sequence order, at most `limit`. Served from an
  // index of the held ones, so what was deleted is never walked again.
  virtual absl::StatusOr<std::vector<HeldNotification>> ReadHeld(
      Sequence after, const std::vector<std::string>& types, size_t limit) const = 0;
  // Deletes the body and every view of each notification, keeping its row
  // (metadata and content hash), its deliveries and their audit entries,
  // and audits one `content_deleted` entry (actor "broker") with a line per
  // deletion. Passes over one no longer held, and one deleted as
  // unacknowledged that every recipient has acknowledged since (its
  // acknowledged period now applies). Later reads return no delivery of
  // it. Answers how many it deleted. SqliteStore overwrites the bytes it
  // frees (secure_delete) and checkpoints its write-ahead log soon after, so
  // the content is gone from the files, not just unlinked.
  virtual void DeleteContent(std::vector<ContentDeletion> deletions, Done<uint32_t> done) = 0;

  // Audit entries with id > after_id, in order, at most `limit`.
  virtual absl::StatusOr<std::vector<audit::Entry>> ReadAudit(int64_t after_id,
                                                              size_t limit) const = 0;

  // --- The audit log for information governance (Audit service) ---

  // Appends one entry on its own (a refused call, an audit read); `done`
  // once it is durable. `can_wait` as for RecordDelivered.
  virtual void RecordEvent(audit::Entry entry, StatusDone done, bool can_wait) = 0;
  // Entries matching `query` with id > query.after_id, in id order, at most
  // query.limit. Served from an index (audit_postings.h), not a scan.
  virtual absl::StatusOr<std::vector<audit::Entry>> QueryAudit(const AuditQuery& query) const = 0;
  // Deliveries no subscription of their recipient has acknowledged (each
  // delivery is marked when one first does), in sequence order (recipients of one sequence by
  // agency id), after `query.after`, at most query.limit; a page never splits a sequence (see
  // KeepWholeSequences), so the next page starts after the last sequence of
  // this one.
  virtual absl::StatusOr<std::vector<UnacknowledgedDelivery>> ReadUnacknowledged(
      const UnacknowledgedQuery& query) const = 0;

  // Keeps a signed checkpoint; ALREADY_EXISTS is not an error (the same size
  // signed twice keeps the first).
  virtual void SaveCheckpoint(StoredCheckpoint checkpoint, StatusDone done) = 0;
  // The checkpoint signed at `tree_size`, or the latest when 0; NOT_FOUND
  // when there is none.
  virtual absl::StatusOr<StoredCheckpoint> ReadCheckpoint(uint64_t tree_size) const = 0;

  // The Merkle tree over every committed entry (leaf k: entry id k + 1),
  // kept by this base class: implementations call AppendAuditLeaves after
  // each commit, in id order, and at start-up for the entries already stored.
  uint64_t AuditTreeSize() const;
  absl::StatusOr<audit::Hash> AuditRoot(uint64_t tree_size) const;
  absl::StatusOr<std::vector<audit::Hash>> AuditInclusionProof(uint64_t index,
                                                               uint64_t tree_size) const;
  absl::StatusOr<std::vector<audit::Hash>> AuditConsistencyProof(uint64_t from_size,
                                                                 uint64_t to_size) const;

  // OK while the store accepts writes; the fatal error once it does not.
  virtual absl::Status Failure() const = 0;
  // OK while the database answers; UNAVAILABLE saying why while it does not
  // (a shared database that is down or cut off). Unlike Failure() this
  // passes: writes fail UNAVAILABLE meanwhile and work again once it is
  // back, without a restart. An embedded store is always reachable.
  virtual absl::Status Reachable() const { return absl::OkStatus(); }

  // Completes every queued write (running its `done`) and stops accepting
  // new ones (they fail with UNAVAILABLE). Call while everything the `done`s
  // and listeners reference is still alive. Idempotent.
  virtual void Close() = 0;

 protected:
  // For implementations: tell the registered listener, if any.
  void NotifyCommit(const std::set<AgencyId>& woken) const;
  void NotifyFailure(const absl::Status& cause) const;
  void NotifyForeignCommit(const ForeignCommit& commit) const;
  void NotifyReachability(const absl::Status& reachable) const;
  // The leaves of committed entries, in id order (their ids continue the tree).
  void AppendAuditLeaves(const std::vector<audit::Hash>& leaves);

 private:
  mutable absl::Mutex listeners_mu_;
  CommitListener commit_listener_ ABSL_GUARDED_BY(listeners_mu_);
  FailureListener failure_listener_ ABSL_GUARDED_BY(listeners_mu_);
  // Its own lock: the listener reads the store while commits are notified.
  mutable absl::Mutex foreign_mu_;
  ForeignCommitListener foreign_commit_listener_ ABSL_GUARDED_BY(foreign_mu_);
  ReachabilityListener reachability_listener_ ABSL_GUARDED_BY(listeners_mu_);
  mutable absl::Mutex tree_mu_;
  audit::MerkleTree audit_tree_ ABSL_GUARDED_BY(tree_mu_);
};

// DATA_LOSS (naming the notification and sequence, never content) unless
// the delivery's body hashes to its stored content hash. Every store checks
// what it reads with this before serving it.
absl::Status CheckContentHash(const StoredDelivery& delivery);
absl::Status CheckContentHash(const NotificationId& id, Sequence seq, std::string_view body,
                              std::string_view content_hash);

// The paging rule of ReadUnacknowledged, for every store: trims `page` (in
// sequence order, more than `limit` deliveries) to the whole sequences that
// fit in `limit`. Returns false, leaving `page` unchanged, when even its
// first sequence alone has more deliveries than `limit`: the page is then
// that whole sequence, which the caller reads in full.
bool KeepWholeSequences(std::vector<UnacknowledgedDelivery>& page, size_t limit);

// What every store refuses INVALID_ARGUMENT before writing anything: a
// recipient naming a view the notification does not carry, a view without
// a body; an empty person hash.
absl::Status CheckNewNotification(const NewNotification& n);
absl::Status CheckInterestChange(const InterestChange& change);

// The sequence `start` names when the latest committed sequence is
// `latest` (Store::CreateSubscription, ResetSubscription): kAfter beyond it
// is INVALID_ARGUMENT (BeyondLatest).
absl::StatusOr<Sequence> PositionOf(const StartPosition& start, Sequence latest);

// Whether `spec` repeats the creation of `found` (Store::CreateSubscription):
// OK for an equal filter and consumer mode, else ALREADY_EXISTS naming the
// first that differs (SubscriptionExists).
absl::Status SameSubscription(const SubscriptionRecord& found, const SubscriptionSpec& spec);

}  // namespace safeshare::store
