#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "broker/store/records.h"
#include "broker/store/sql.h"

namespace safeshare::store {

// See Store::ReadHeld: from the partial index notifications_held, with each
// one's unacknowledged recipients (the partial index deliveries_unacked) and
// the last acknowledgement of those that have none.
absl::StatusOr<std::vector<HeldNotification>> QueryHeld(Connection& db, Sequence after,
                                                        const std::vector<std::string>& types,
                                                        size_t limit);

}  // namespace safeshare::store
