#include "broker/store/store.h"

#include <algorithm>

#include "absl/strings/cord.h"

namespace safeshare::store {

void Store::SetCommitListener(CommitListener listener) {
  absl::MutexLock lock(&listeners_mu_);
  commit_listener_ = std::move(listener);
}

void Store::SetFailureListener(FailureListener listener) {
  absl::MutexLock lock(&listeners_mu_);
  failure_listener_ = std::move(listener);
}

void Store::SetForeignCommitListener(ForeignCommitListener listener) {
  absl::MutexLock lock(&foreign_mu_);
  foreign_commit_listener_ = std::move(listener);
}

void Store::NotifyForeignCommit(const ForeignCommit& commit) const {
  absl::MutexLock lock(&foreign_mu_);
  if (foreign_commit_listener_) foreign_commit_listener_(commit);
}

absl::StatusOr<RoutingState> Store::ReadRoutingChanges(const RoutingChanges& which) const {
  auto all = ReadRoutingState();
  if (!all.ok() || which.everything) return all;
  RoutingState state;
  for (auto& c : all->cases) {
    if (which.cases.count(c.case_ref) != 0) state.cases.push_back(std::move(c));
  }
  for (const auto& hash : which.persons) {
    state.interests[hash] = std::move(all->interests[hash]);
    state.person_cases[hash] = std::move(all->person_cases[hash]);
  }
  return state;
}

void Store::SetReachabilityListener(ReachabilityListener listener) {
  absl::MutexLock lock(&listeners_mu_);
  reachability_listener_ = std::move(listener);
}

void Store::NotifyReachability(const absl::Status& reachable) const {
  absl::MutexLock lock(&listeners_mu_);
  if (reachability_listener_) reachability_listener_(reachable);
}

void Store::NotifyCommit(const std::set<AgencyId>& woken) const {
  absl::MutexLock lock(&listeners_mu_);
  if (commit_listener_) commit_listener_(woken);
}

void Store::NotifyFailure(const absl::Status& cause) const {
  absl::MutexLock lock(&listeners_mu_);
  if (failure_listener_) failure_listener_(cause);
}

void Store::AppendAuditLeaves(const std::vector<audit::Hash>& leaves) {
  absl::MutexLock lock(&tree_mu_);
  for (const auto& leaf : leaves) audit_tree_.Append(leaf);
}

uint64_t Store::AuditTreeSize() const {
  absl::MutexLock lock(&tree_mu_);
  return audit_tree_.size();
}

absl::StatusOr<audit::Hash> Store::AuditRoot(uint64_t tree_size) const {
  absl::MutexLock lock(&tree_mu_);
  return audit_tree_.Root(tree_size);
}

absl::StatusOr<std::vector<audit::Hash>> Store::AuditInclusionProof(uint64_t index,
                                                                    uint64_t tree_size) const {
  absl::MutexLock lock(&tree_mu_);
  return audit_tree_.InclusionProof(index, tree_size);
}

absl::StatusOr<std::vector<audit::Hash>> Store::AuditConsistencyProof(uint64_t from_size,
                                                                      uint64_t to_size) const {
  absl::MutexLock lock(&tree_mu_);
  return audit_tree_.ConsistencyProof(from_size, to_size);
}

bool KeepWholeSequences(std::vector<UnacknowledgedDelivery>& page, size_t limit) {
  if (page.size() <= limit) return true;
  // The first sequence that does not fit goes, with whatever of it did.
  const Sequence cut = page[limit].sequence;
  size_t keep = limit;
  while (keep > 0 && page[keep - 1].sequence == cut) --keep;
  if (keep == 0) return false;
  page.resize(keep);
  return true;
}

bool DeliveryFilter::Matches(std::string_view type, const CaseRef& case_ref) const {
  return (types.empty() || std::find(types.begin(), types.end(), type) != types.end()) &&
         (case_refs.empty() ||
          std::find(case_refs.begin(), case_refs.end(), case_ref) != case_refs.end());
}

absl::StatusOr<Sequence> PositionOf(const StartPosition& start, Sequence latest) {
  switch (start.from) {
    case StartFrom::kBeginning:
      return Sequence(0);
    case StartFrom::kNow:
      return latest;
    case StartFrom::kAfter:
      break;
  }
  if (start.after > latest) return errors::BeyondLatest(start.after, latest);
  return start.after;
}

absl::Status SameSubscription(const SubscriptionRecord& found, const SubscriptionSpec& spec) {
  if (found.filter != spec.filter) return errors::SubscriptionExists(spec.name, "filter");
  if (found.consumer_mode != spec.consumer_mode) {
    return errors::SubscriptionExists(spec.name, "consumer_mode");
  }
  if (found.settings != spec.settings) {
    return errors::SubscriptionExists(spec.name, "ack_wait_seconds, max_deliver or max_in_flight");
  }
  return absl::OkStatus();
}

absl::Status CheckContentHash(const StoredDelivery& d) {
  return CheckContentHash(d.id, d.sequence, d.body, d.content_hash);
}

absl::Status CheckContentHash(const NotificationId& id, Sequence seq, std::string_view body,
                              std::string_view content_hash) {
  if (audit::ContentHash(body) == content_hash) return absl::OkStatus();
  return absl::DataLossError("notification " + id.value() + " at sequence " +
                             std::to_string(seq.value()) +
                             " does not match its stored content hash: the store is damaged");
}

absl::Status CheckNewNotification(const NewNotification& n) {
  for (size_t k = 0; k < n.views.size(); ++k) {
    if (n.views[k].body == nullptr) {
      return absl::InvalidArgumentError("view " + std::to_string(k + 1) + " has no body");
    }
  }
  for (const auto& r : n.recipients) {
    if (r.view > n.views.size()) {
      return absl::InvalidArgumentError("recipient " + r.agency.value() + " receives view " +
                                        std::to_string(r.view) + " but the notification has " +
                                        std::to_string(n.views.size()) + " views");
    }
  }
  return absl::OkStatus();
}

absl::Status CheckInterestChange(const InterestChange& change) {
  for (const auto& hash : change.person_hashes) {
    if (hash.empty()) return absl::InvalidArgumentError("person_hashes: an empty hash");
  }
  return absl::OkStatus();
}

namespace errors {

absl::Status UnknownSubscription(const SubscriptionName& name) {
  return absl::NotFoundError("subscription: '" + name.value() +
                             "' does not exist for your agency; see its subscriptions with "
                             "ListSubscriptions (safeshare subscriptions list), or create it with "
                             "CreateSubscription");
}

namespace {
// Marks a status as refusing one operation only (errors::IsRefusedAlone).
constexpr char kRefusedAlone[] = "safeshare.store/refused-alone";
}  // namespace

absl::Status SubscriptionExists(const SubscriptionName& name, const std::string& field) {
  return absl::AlreadyExistsError("subscription: '" + name.value() +
                                  "' already exists with another " + field +
                                  "; use it as it is, or delete it first");
}

absl::Status MustCreateFirst(const SubscriptionName& name) {
  return absl::NotFoundError(
      "subscription: '" + name.value() +
      "' does not exist and your agency must create subscriptions before using them; create it "
      "with CreateSubscription (safeshare subscriptions create) first");
}

absl::Status TooManySubscriptions(const AgencyId& agency, size_t count, size_t limit) {
  absl::Status status = absl::ResourceExhaustedError(
      "subscription: agency '" + agency.value() + "' has " + std::to_string(count) +
      " subscriptions and may have at most " + std::to_string(limit) +
      " (limits.per_agency.subscriptions, or its own agencies[].limits.subscriptions); delete one "
      "it no longer uses, or ask the operator to raise the limit");
  status.SetPayload(kRefusedAlone, absl::Cord("1"));
  return status;
}

absl::Status BeyondLatest(Sequence after, Sequence latest) {
  return absl::InvalidArgumentError("after_sequence: " + std::to_string(after.value()) +
                                    " is above the latest sequence (" +
                                    std::to_string(latest.value()) +
                                    "); give a sequence the broker has committed, or start from "
                                    "now");
}

bool IsRefusedAlone(const absl::Status& status) {
  return status.GetPayload(kRefusedAlone).has_value();
}

absl::Status NotDelivered(Sequence through, Sequence delivered, const SubscriptionName& name,
                          const char* field) {
  return absl::InvalidArgumentError(
      std::string(field) + ": " + std::to_string(through.value()) +
      " has not been delivered on subscription '" + name.value() + "' (delivered through " +
      std::to_string(delivered.value()) +
      "); acknowledge a sequence a stream of this subscription received");
}

absl::Status NotADelivery(Sequence seq, const SubscriptionName& name) {
  return absl::InvalidArgumentError("sequences: " + std::to_string(seq.value()) +
                                    " is not a delivery of subscription '" + name.value() +
                                    "'; acknowledge only sequences its stream received");
}

absl::Status NotParked(Sequence seq, const SubscriptionName& name) {
  return absl::FailedPreconditionError("sequences: " + std::to_string(seq.value()) +
                                       " is not parked on subscription '" + name.value() +
                                       "'; list what is parked with ListParked");
}

absl::Status ReusedKey(const NotificationId& first) {
  return absl::AlreadyExistsError("notification.idempotency_key: already used for notification " +
                                  first.value() +
                                  " with different content; use a new key for new content");
}

absl::Status NotDeliveredTo(const NotificationId& id, const AgencyId& recipient) {
  return absl::NotFoundError("notification_id: no notification '" + id.value() +
                             "' was delivered to " + recipient.value() +
                             "; give the id a delivery of yours carried");
}

absl::Status NotAcknowledged(const NotificationId& id, Sequence seq) {
  return absl::FailedPreconditionError(
      "notification_id: " + id.value() + " is not acknowledged yet; acknowledge sequence " +
      std::to_string(seq.value()) + " on one of your subscriptions, then record the action");
}

absl::Status NoteAfterDeletion(const NotificationId& id) {
  return absl::FailedPreconditionError(
      "note: the content of " + id.value() +
      " was deleted under retention, and its notes with it; record the action without a note");
}

absl::Status NoCheckpoint(uint64_t tree_size) {
  if (tree_size == 0) return absl::NotFoundError("no checkpoint has been signed yet");
  return absl::NotFoundError("no checkpoint was signed at tree size " + std::to_string(tree_size) +
                             "; ask for the latest (tree size 0)");
}

absl::Status StoreFailed() {
  return absl::UnavailableError(
      "the broker's store has failed and the broker refuses writes until an operator restores "
      "it; nothing was stored; retrying against this broker will fail until then");
}

absl::Status ShuttingDown() {
  return absl::UnavailableError(
      "the broker is shutting down; nothing was stored; retry with the same idempotency key "
      "when it is back");
}

absl::Status DiskFull() {
  return absl::ResourceExhaustedError(
      "the broker's disk is full; nothing was stored; retry later with the same idempotency key");
}

absl::Status Overloaded(size_t queued) {
  return absl::ResourceExhaustedError(
      "the broker is overloaded (" + std::to_string(queued) +
      " writes queued); nothing was stored; retry after a short pause with the same idempotency "
      "key");
}

absl::Status Busy() {
  return absl::UnavailableError(
      "the broker's store is busy; nothing was stored; retry with the same idempotency key");
}

}  // namespace errors

}  // namespace safeshare::store
