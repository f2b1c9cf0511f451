#pragma once

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "broker/store/records.h"
#include "broker/store/sql.h"

// The SQL of delivery_attempts (records.h, AttemptState), shared by the
// writer and the readers: the rows of one subscription, its parked
// deliveries, and the counts its listing shows.
namespace safeshare::store {

// "seq, state, attempts, at" of delivery_attempts, as read by AttemptAt.
inline constexpr const char* kAttemptColumns =
    "SELECT seq, state, attempts, at FROM delivery_attempts";
DeliveryAttempt AttemptAt(const Statement& row);

// Store::ReadAttempts.
absl::StatusOr<std::vector<DeliveryAttempt>> QueryAttempts(Connection& db, const AgencyId& agency,
                                                           const SubscriptionName& name,
                                                           Sequence acked_through);
// Store::ReadParked, joined with the notifications.
absl::StatusOr<std::vector<ParkedDelivery>> QueryParked(Connection& db, const AgencyId& agency,
                                                        const SubscriptionName& name,
                                                        Sequence after, size_t limit);

// What a subscription's listing takes from its rows.
struct AttemptCounts {
  uint64_t again_behind = 0;  // handed again at or below the position, unacknowledged
  uint64_t parked = 0;
};
absl::StatusOr<AttemptCounts> QueryAttemptCounts(Connection& db, const SubscriptionRecord& record);

}  // namespace safeshare::store
