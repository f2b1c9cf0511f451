#include "broker/service/overdue_report.h"

#include <algorithm>

#include "broker/service/deadline.h"

namespace safeshare::service {

absl::StatusOr<OverduePage> ReadOverdue(const store::Store& store, const policy::Policy& policy,
                                        const policy::WorkingCalendar& calendar,
                                        store::UnacknowledgedQuery query, const Clock& clock,
                                        int64_t deadline_micros) {
  OverduePage page;
  page.as_of_micros = clock.WallMicros();
  const size_t wanted = query.limit;
  query.limit = std::min<size_t>(1000, kMaxExamined);
  size_t examined = 0;
  while (true) {
    if (auto st = CheckDeadline(clock, deadline_micros, "overdue deliveries"); !st.ok()) return st;
    auto read = store.ReadUnacknowledged(query);
    if (!read.ok()) return read.status();
    for (const auto& delivery : *read) {
      ++examined;
      query.after = delivery.sequence;
      auto overdue = DeadlineOf(delivery, policy, calendar);
      if (!overdue || overdue->acknowledge_due_micros > page.as_of_micros) continue;
      page.deliveries.push_back(*std::move(overdue));
      // A page ends between sequences, so the next starts after this one.
      const bool last_of_sequence =
          &delivery == &read->back() || (&delivery + 1)->sequence != delivery.sequence;
      if (page.deliveries.size() >= wanted && last_of_sequence) {
        page.next_after_sequence = delivery.sequence.value();
        return page;
      }
    }
    if (read->size() < query.limit) return page;  // every one examined
    if (examined >= kMaxExamined) {
      page.next_after_sequence = query.after.value();
      return page;
    }
  }
}

absl::StatusOr<std::vector<ListedExpectation>> ListOpenExpectations(
    const store::Store& store, const policy::Policy& policy,
    const policy::WorkingCalendar& calendar, const std::string& case_ref,
    const std::string& agency) {
  auto open = ReadOpenExpectations(store, case_ref);
  if (!open.ok()) return open.status();
  const config::Agency* only = agency.empty() ? nullptr : policy.FindAgency(AgencyId(agency));
  if (!agency.empty() && only == nullptr) return std::vector<ListedExpectation>{};
  std::vector<ListedExpectation> listed;
  for (auto& [key, expectation] : *open) {
    if (only != nullptr && only->role != expectation.from) continue;
    ListedExpectation item{std::move(expectation)};
    const auto ref = policy.FindExpectation(item.open.id);
    if (ref.rule != nullptr) {
      item.lead_due_micros = calendar.DueAfter(item.open.due_micros, ref.rule->escalate_after);
      item.agreement = ref.agreement->id + " v" + ref.agreement->version;
      item.text = ref.rule->Text();
    }
    listed.push_back(std::move(item));
  }
  std::stable_sort(listed.begin(), listed.end(), [](const auto& a, const auto& b) {
    return a.open.due_micros < b.open.due_micros;
  });
  return listed;
}

}  // namespace safeshare::service
