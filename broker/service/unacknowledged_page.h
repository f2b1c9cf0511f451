#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "broker/core/clock.h"
#include "broker/store/store.h"

namespace safeshare::service {

// Pages of paged reads: 0 asks for kDefaultPage, more than kMaxPage is
// refused.
inline constexpr size_t kDefaultPage = 100;
inline constexpr size_t kMaxPage = 1000;

// `limit` as a page size, or INVALID_ARGUMENT naming `what` a page holds
// and the `paging` field to page with.
absl::StatusOr<size_t> PageLimit(uint64_t limit, const char* what, const char* paging);

struct UnacknowledgedPage {
  std::vector<store::UnacknowledgedDelivery> deliveries;
  uint64_t next_after_sequence = 0;  // 0 when there is no further page
};

// One page of store::Store::ReadUnacknowledged for `query` (its limit
// already a page size), with whether another follows. DEADLINE_EXCEEDED
// (CheckDeadline) before or after the read once `deadline_micros` passed.
absl::StatusOr<UnacknowledgedPage> ReadUnacknowledgedPage(const store::Store& store,
                                                          store::UnacknowledgedQuery query,
                                                          const Clock& clock,
                                                          int64_t deadline_micros);

}  // namespace safeshare::service
