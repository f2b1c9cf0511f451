// FakeStore's cases, person interests and links, policy audit and the reads
// for routing (the rest of FakeStore is in fake_store.cc).
#include "broker/store/audit_entries.h"
#include "broker/store/fake_store.h"

namespace safeshare::store {

void FakeStore::ChangeCase(CaseChange change, Done<CaseState> done) {
  SubmitTyped<CaseState>(
      [this, change = std::move(change)](std::set<AgencyId>&) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return DoChangeCase(change, RecordedBy(change.actor), "");
      },
      std::move(done));
}

absl::StatusOr<CaseState> FakeStore::DoChangeCase(const CaseChange& change,
                                                  const std::string& source,
                                                  const std::string& notification_id) {
  auto it = cases_.find(change.case_ref);
  auto delta = PlanCaseChange(it == cases_.end() ? nullptr : &it->second, change);
  if (!delta.ok()) return delta.status();
  if (delta->empty()) return it->second;  // only a known case can be left unchanged
  if (it == cases_.end()) it = cases_.emplace(change.case_ref, CaseState{change.case_ref}).first;
  ApplyCaseDelta(*delta, clock_.WallMicros(), source, it->second);
  Append(entries::CaseChanged(change.actor, change.case_ref, *delta, notification_id));
  return it->second;
}

void FakeStore::ChangeInterests(InterestChange change, Done<uint32_t> done) {
  SubmitTyped<uint32_t>(
      [this, change = std::move(change)](std::set<AgencyId>&)
          ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return DoChangeInterests(change); },
      std::move(done));
}

absl::StatusOr<uint32_t> FakeStore::DoChangeInterests(const InterestChange& change) {
  if (auto st = CheckInterestChange(change); !st.ok()) return st;
  std::vector<std::string> changed;
  for (const auto& hash : change.person_hashes) {
    auto& agencies = interests_[hash];
    const bool did =
        change.withdraw ? agencies.erase(change.agency) > 0 : agencies.insert(change.agency).second;
    if (agencies.empty()) interests_.erase(hash);  // as the table: no row, no entry
    if (did) changed.push_back(hash);
  }
  Append(entries::InterestChanged(change, changed));
  return static_cast<uint32_t>(changed.size());
}

void FakeStore::RecordPolicyChange(PolicyChange change, StatusDone done) {
  Submit(
      [this, change = std::move(change)](std::set<AgencyId>&) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        Append(entries::PolicyChanged(change));
        return absl::OkStatus();
      },
      std::move(done));
}

absl::StatusOr<RoutingState> FakeStore::ReadRoutingState() const {
  absl::MutexLock lock(&mu_);
  RoutingState state{{}, interests_, person_cases_};
  for (const auto& [ref, c] : cases_) state.cases.push_back(c);
  return state;
}

absl::StatusOr<CaseState> FakeStore::ReadCase(const CaseRef& case_ref) const {
  absl::MutexLock lock(&mu_);
  auto it = cases_.find(case_ref);
  if (it == cases_.end()) return absl::NotFoundError("case " + case_ref.value() + " is not known");
  return it->second;
}

absl::StatusOr<std::vector<RoutedNotification>> FakeStore::ReadRouted(Sequence after,
                                                                      int64_t since_micros,
                                                                      size_t limit,
                                                                      bool urgent_only) const {
  absl::MutexLock lock(&mu_);
  std::vector<RoutedNotification> out;
  for (size_t i = after.value(); i < notifications_.size() && out.size() < limit; ++i) {
    const auto& [n, body, views, stored_at, deleted_at] = notifications_[i];
    const bool urgent = std::any_of(n.recipients.begin(), n.recipients.end(),
                                    [](const Recipient& r) { return r.urgent; });
    if (stored_at < since_micros || (urgent_only && !urgent)) continue;
    const Sequence seq(i + 1);
    if (deleted_at == 0) {
      if (auto st = CheckContentHash(n.id, seq, body, n.content_hash); !st.ok()) return Damaged(st);
    }
    out.push_back(
        {seq, n.id, n.publisher, n.case_ref, n.type, stored_at, body, deleted_at, n.recipients});
  }
  return out;
}

}  // namespace safeshare::store
