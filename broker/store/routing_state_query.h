#pragma once

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "broker/core/data_keys.h"
#include "broker/store/records.h"
#include "broker/store/sql.h"

// The reads behind Store::ReadCase, ReadRoutingState and ReadRouted, on any
// connection: a reader's, or the writer's inside its open transaction (which
// then sees what the transaction wrote). Statements are prepared per call:
// these run at start-up, per case change and per review, not per delivery.
namespace safeshare::store {

// The case with its engagements, oldest first; NOT_FOUND if unknown.
absl::StatusOr<CaseState> QueryCase(Connection& db, const CaseRef& case_ref);

// Every case (by reference) with its engagements, every registered interest
// and every person-to-case link.
absl::StatusOr<RoutingState> QueryRoutingState(Connection& db);

// See Store::ReadRoutingChanges.
absl::StatusOr<RoutingState> QueryRoutingChanges(Connection& db, const RoutingChanges& which);

// See Store::ReadRouted. Each full body is checked against its content hash
// (DATA_LOSS naming the sequence).
absl::StatusOr<std::vector<RoutedNotification>> QueryRouted(Connection& db, const DataKeys& keys,
                                                            Sequence after, int64_t since_micros,
                                                            size_t limit, bool urgent_only);

}  // namespace safeshare::store
