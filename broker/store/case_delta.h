#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "broker/store/records.h"

namespace safeshare::store {

// What a change does to a case as it stands: only what actually changes
// (an agency already engaged is not engaged again). Planned here once, so
// both stores apply, audit and answer exactly the same.
struct CaseDelta {
  bool created = false;  // the case was unknown
  std::vector<AgencyId> engaged;
  std::vector<AgencyId> disengaged;
  CaseStatusChange status = CaseStatusChange::kNone;

  bool empty() const {
    return !created && engaged.empty() && disengaged.empty() && status == CaseStatusChange::kNone;
  }
};

// The delta of `change` on `current` (nullptr: the case is unknown, and is
// created open). Agencies named twice count once. INVALID_ARGUMENT when an
// agency is both engaged and disengaged.
absl::StatusOr<CaseDelta> PlanCaseChange(const CaseState* current, const CaseChange& change);

// Applies a planned delta to `state` as a store records it: engagements
// start or end at `now_micros`, new ones with `source`.
void ApplyCaseDelta(const CaseDelta& delta, int64_t now_micros, const std::string& source,
                    CaseState& state);

// The Engagement::source of an engagement recorded by ChangeCase, and of one
// recorded by a published notification (strategy minutes).
std::string RecordedBy(const AgencyId& actor);
std::string FromMinutes(const NotificationId& id);

}  // namespace safeshare::store
