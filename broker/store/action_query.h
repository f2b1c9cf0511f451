#pragma once

#include <vector>

#include "absl/status/statusor.h"
#include "broker/core/data_keys.h"
#include "broker/store/action_records.h"
#include "broker/store/sql.h"

namespace safeshare::store {

// See Store::ReadActions: notification `id`'s actions, in the order
// recorded (time, then recipient and ordinal), each note opened with `keys`.
absl::StatusOr<std::vector<StoredAction>> QueryActions(Connection& db, const DataKeys& keys,
                                                       const NotificationId& id);

}  // namespace safeshare::store
