// The writer's operations on cases, person interests and links, and the
// policy audit (the rest of Writer is in writer.cc and writer_audit.cc).
#include "broker/core/status_macros.h"
#include "broker/store/audit_entries.h"
#include "broker/store/routing_state_query.h"
#include "broker/store/store.h"
#include "broker/store/writer.h"
#include "broker/store/writer_statements.h"

namespace safeshare::store {

absl::StatusOr<CaseState> Writer::ChangeCase(const CaseChange& change) {
  return ApplyCaseChange(change, RecordedBy(change.actor), "");
}

absl::StatusOr<uint32_t> Writer::ChangeInterests(const InterestChange& change) {
  SAFESHARE_RETURN_IF_ERROR(CheckInterestChange(change));
  std::vector<std::string> changed;
  for (const auto& hash : change.person_hashes) {
    auto& s = change.withdraw ? stmts_->drop_interest : stmts_->add_interest;
    s.Bind(1, hash).Bind(2, change.agency.value());
    if (!change.withdraw) s.Bind(3, now_);
    SAFESHARE_RETURN_IF_ERROR(s.Run());
    if (db_->Changes() > 0) changed.push_back(hash);
  }
  routing_.persons.insert(changed.begin(), changed.end());
  SAFESHARE_RETURN_IF_ERROR(Append(entries::InterestChanged(change, changed)));
  return static_cast<uint32_t>(changed.size());
}

absl::Status Writer::RecordPolicyChange(const PolicyChange& change) {
  return Append(entries::PolicyChanged(change));
}

absl::Status Writer::LinkPeople(const NewNotification& n, int64_t seq) {
  for (const auto& hash : n.person_hashes) {
    SAFESHARE_RETURN_IF_ERROR(
        stmts_->insert_link.Bind(1, hash).Bind(2, n.case_ref.value()).Bind(3, seq).Run());
    if (db_->Changes() > 0) routing_.persons.insert(hash);
  }
  return absl::OkStatus();
}

absl::Status Writer::EngageFromMinutes(const NewNotification& n) {
  if (n.engage.empty()) return absl::OkStatus();
  const CaseChange change{n.publisher, n.case_ref, n.engage, {}, CaseStatusChange::kNone};
  return ApplyCaseChange(change, FromMinutes(n.id), n.id.value()).status();
}

absl::StatusOr<CaseState> Writer::ApplyCaseChange(const CaseChange& change,
                                                  const std::string& source,
                                                  const std::string& notification_id) {
  auto stored = QueryCase(*db_, change.case_ref);  // sees this transaction's writes
  if (!stored.ok() && !absl::IsNotFound(stored.status())) return stored.status();
  auto delta = PlanCaseChange(stored.ok() ? &*stored : nullptr, change);
  if (!delta.ok()) return delta.status();
  CaseState state = stored.ok() ? std::move(*stored) : CaseState{change.case_ref, false, {}};
  if (delta->empty()) return state;
  SAFESHARE_RETURN_IF_ERROR(WriteCaseDelta(change.case_ref, *delta, source, state));
  SAFESHARE_RETURN_IF_ERROR(
      Append(entries::CaseChanged(change.actor, change.case_ref, *delta, notification_id)));
  return state;
}

absl::Status Writer::WriteCaseDelta(const CaseRef& case_ref, const CaseDelta& delta,
                                    const std::string& source, CaseState& state) {
  ApplyCaseDelta(delta, now_, source, state);
  routing_.cases.insert(case_ref);
  SAFESHARE_RETURN_IF_ERROR(stmts_->upsert_case.Bind(1, case_ref.value())
                                .Bind(2, int64_t{state.closed})
                                .Bind(3, now_)
                                .Run());
  for (const auto& agency : delta.disengaged) {
    SAFESHARE_RETURN_IF_ERROR(stmts_->end_engagement.Bind(1, case_ref.value())
                                  .Bind(2, agency.value())
                                  .Bind(3, now_)
                                  .Run());
  }
  for (const auto& agency : delta.engaged) {
    SAFESHARE_RETURN_IF_ERROR(stmts_->start_engagement.Bind(1, case_ref.value())
                                  .Bind(2, agency.value())
                                  .Bind(3, now_)
                                  .Bind(4, source)
                                  .Run());
  }
  return absl::OkStatus();
}

}  // namespace safeshare::store
