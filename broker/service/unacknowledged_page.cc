#include "broker/service/unacknowledged_page.h"

#include "absl/strings/str_cat.h"
#include "broker/service/deadline.h"

namespace safeshare::service {

absl::StatusOr<size_t> PageLimit(uint64_t limit, const char* what, const char* paging) {
  if (limit == 0) return kDefaultPage;
  if (limit > kMaxPage) {
    return absl::InvalidArgumentError(absl::StrCat("limit: at most ", kMaxPage, " ", what,
                                                   " a page; page through with ", paging));
  }
  return limit;
}

absl::StatusOr<UnacknowledgedPage> ReadUnacknowledgedPage(const store::Store& store,
                                                          store::UnacknowledgedQuery query,
                                                          const Clock& clock,
                                                          int64_t deadline_micros) {
  constexpr std::string_view kDeliveries = "unacknowledged deliveries";
  if (auto in_time = CheckDeadline(clock, deadline_micros, kDeliveries); !in_time.ok()) {
    return in_time;
  }
  auto deliveries = store.ReadUnacknowledged(query);
  if (!deliveries.ok()) return deliveries.status();
  if (auto in_time = CheckDeadline(clock, deadline_micros, kDeliveries); !in_time.ok()) {
    return in_time;
  }
  UnacknowledgedPage page;
  if (!deliveries->empty()) {
    // The store pages by whole sequences (a page may hold fewer than
    // `limit`), so whether more follow takes a look past this page.
    query.after = deliveries->back().sequence;
    query.limit = 1;
    auto more = store.ReadUnacknowledged(query);
    if (!more.ok()) return more.status();
    if (!more->empty()) page.next_after_sequence = query.after.value();
  }
  page.deliveries = *std::move(deliveries);
  return page;
}

}  // namespace safeshare::service
