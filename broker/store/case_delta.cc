#include "broker/store/case_delta.h"

#include <algorithm>

namespace safeshare::store {
namespace {

bool Engaged(const CaseState* state, const AgencyId& agency) {
  if (state == nullptr) return false;
  return std::any_of(
      state->engagements.begin(), state->engagements.end(),
      [&](const Engagement& e) { return e.agency == agency && e.until_micros == 0; });
}

bool Contains(const std::vector<AgencyId>& list, const AgencyId& agency) {
  return std::find(list.begin(), list.end(), agency) != list.end();
}

}  // namespace

absl::StatusOr<CaseDelta> PlanCaseChange(const CaseState* current, const CaseChange& change) {
  CaseDelta delta;
  delta.created = current == nullptr;
  for (const auto& agency : change.engage) {
    if (Contains(change.disengage, agency)) {
      return absl::InvalidArgumentError("case change: agency " + agency.value() +
                                        " is both engaged and disengaged; name it once");
    }
    if (!Engaged(current, agency) && !Contains(delta.engaged, agency)) {
      delta.engaged.push_back(agency);
    }
  }
  for (const auto& agency : change.disengage) {
    if (Engaged(current, agency) && !Contains(delta.disengaged, agency)) {
      delta.disengaged.push_back(agency);
    }
  }
  const bool closed = current != nullptr && current->closed;
  if ((change.status == CaseStatusChange::kClose && !closed) ||
      (change.status == CaseStatusChange::kReopen && closed)) {
    delta.status = change.status;
  }
  return delta;
}

void ApplyCaseDelta(const CaseDelta& delta, int64_t now_micros, const std::string& source,
                    CaseState& state) {
  for (auto& e : state.engagements) {
    if (e.until_micros == 0 && Contains(delta.disengaged, e.agency)) e.until_micros = now_micros;
  }
  for (const auto& agency : delta.engaged) {
    state.engagements.push_back({agency, now_micros, 0, source});
  }
  if (delta.status != CaseStatusChange::kNone) {
    state.closed = delta.status == CaseStatusChange::kClose;
  }
}

std::string RecordedBy(const AgencyId& actor) { return "recorded by " + actor.value(); }

std::string FromMinutes(const NotificationId& id) { return "strategy minutes " + id.value(); }

}  // namespace safeshare::store
