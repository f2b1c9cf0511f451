// FakeStore's audit log for information governance: events, queries,
// unacknowledged deliveries and checkpoints (the rest of FakeStore is in
// fake_store.cc and fake_store_cases.cc).
#include "broker/audit/merkle.h"
#include "broker/store/audit_keys.h"
#include "broker/store/fake_store.h"

namespace safeshare::store {

void FakeStore::RecordEvent(audit::Entry entry, StatusDone done, bool) {
  Submit(
      [this, entry = std::move(entry)](std::set<AgencyId>&) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        Append(entry);
        return absl::OkStatus();
      },
      std::move(done));
}

absl::StatusOr<std::vector<audit::Entry>> FakeStore::ReadAudit(int64_t after_id,
                                                               size_t limit) const {
  absl::MutexLock lock(&mu_);
  std::vector<audit::Entry> out;
  for (size_t i = static_cast<size_t>(after_id); i < audit_.size() && out.size() < limit; ++i) {
    out.push_back(audit_[i]);
  }
  return out;
}

// A scan: the fake has no index, and needs none to give the same answers.
absl::StatusOr<std::vector<audit::Entry>> FakeStore::QueryAudit(const AuditQuery& query) const {
  const auto conditions = KeyConditions(query);
  absl::MutexLock lock(&mu_);
  std::vector<audit::Entry> out;
  for (size_t i = static_cast<size_t>(std::max<int64_t>(query.after_id, 0));
       i < audit_.size() && out.size() < query.limit; ++i) {
    if (MatchesQuery(query, conditions, audit_[i])) out.push_back(audit_[i]);
  }
  return out;
}

absl::StatusOr<std::vector<UnacknowledgedDelivery>> FakeStore::ReadUnacknowledged(
    const UnacknowledgedQuery& query) const {
  if (query.limit == 0) return std::vector<UnacknowledgedDelivery>{};
  absl::MutexLock lock(&mu_);
  std::vector<UnacknowledgedDelivery> out;
  // Up to one more than the limit, as SQLite reads, to apply the same rule.
  for (size_t i = query.after.value(); i < notifications_.size() && out.size() <= query.limit;
       ++i) {
    const Sequence seq(i + 1);
    const auto& [n, body, views, stored_at, deleted_at] = notifications_[i];
    if (!query.case_ref.empty() && n.case_ref.value() != query.case_ref) continue;
    if (!query.publisher.empty() && n.publisher.value() != query.publisher) continue;
    std::set<AgencyId> recipients;  // in agency order, as SQLite's
    for (const auto& r : n.recipients) recipients.insert(r.agency);
    for (const auto& agency : recipients) {
      if (!query.agency.empty() && agency.value() != query.agency) continue;
      if (acknowledged_.contains({agency, seq})) continue;
      out.push_back({seq, n.id, n.case_ref, n.type, n.publisher, agency, stored_at, deleted_at});
    }
  }
  if (!KeepWholeSequences(out, query.limit)) {
    const Sequence first = out.front().sequence;
    out.erase(
        std::find_if(out.begin(), out.end(), [&](const auto& d) { return d.sequence != first; }),
        out.end());
  }
  return out;
}

void FakeStore::SaveCheckpoint(StoredCheckpoint checkpoint, StatusDone done) {
  Submit(
      [this, checkpoint = std::move(checkpoint)](std::set<AgencyId>&)
          ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
            checkpoints_.try_emplace(checkpoint.tree_size, checkpoint);  // the first stays
            return absl::OkStatus();
          },
      std::move(done));
}

absl::StatusOr<std::optional<NotificationId>> FakeStore::FindPublished(
    const AgencyId& publisher, const std::string& idempotency_key) const {
  absl::MutexLock lock(&mu_);
  const auto it = keys_.find({publisher, idempotency_key});
  if (it == keys_.end()) return std::nullopt;
  return notifications_[it->second].n.id;
}

absl::StatusOr<StoredCheckpoint> FakeStore::ReadCheckpoint(uint64_t tree_size) const {
  absl::MutexLock lock(&mu_);
  if (tree_size == 0 && !checkpoints_.empty()) return checkpoints_.rbegin()->second;
  if (auto it = checkpoints_.find(tree_size); tree_size != 0 && it != checkpoints_.end()) {
    return it->second;
  }
  return errors::NoCheckpoint(tree_size);
}

}  // namespace safeshare::store
