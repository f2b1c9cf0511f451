#pragma once

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "broker/core/clock.h"
#include "broker/policy/agreements.h"
#include "broker/service/escalation.h"
#include "broker/service/expectations.h"
#include "broker/store/store.h"

namespace safeshare::service {

// Deliveries past their deadline and not acknowledged, by sequence, with
// where the next page starts (0: none) and the time they were compared at.
// An open expectation as listed, with when its level 2 falls due (0: its
// rule was since removed from the agreements) and its rule's words.
struct ListedExpectation {
  OpenExpectation open;
  int64_t lead_due_micros = 0;
  std::string agreement;  // "ID vVERSION"; "" once the rule is gone
  std::string text;       // ExpectationRule::Text()
};

struct OverduePage {
  std::vector<OverdueDelivery> deliveries;
  uint64_t next_after_sequence = 0;
  int64_t as_of_micros = 0;
  std::vector<ListedExpectation> expectations;  // due soonest first
};

// Reads the unacknowledged deliveries `query` selects (its case and
// recipient; from query.after) and keeps those whose deadline under
// `policy` and `calendar` has passed at `clock`'s now, at most query.limit
// of them. Examines at most kMaxExamined deliveries per page, so a page
// over a long backlog of deliveries without deadlines stays bounded; the
// page then says where to go on. DEADLINE_EXCEEDED (CheckDeadline) between
// store reads once `deadline_micros` has passed.
absl::StatusOr<OverduePage> ReadOverdue(const store::Store& store, const policy::Policy& policy,
                                        const policy::WorkingCalendar& calendar,
                                        store::UnacknowledgedQuery query, const Clock& clock,
                                        int64_t deadline_micros);
inline constexpr size_t kMaxExamined = 10'000;

// Every open expectation of `case_ref` (all cases when empty) whose
// expected role is `agency`'s (every one when `agency` is empty), due
// soonest first.
absl::StatusOr<std::vector<ListedExpectation>> ListOpenExpectations(
    const store::Store& store, const policy::Policy& policy,
    const policy::WorkingCalendar& calendar, const std::string& case_ref,
    const std::string& agency);

}  // namespace safeshare::service
