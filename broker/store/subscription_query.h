#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "broker/core/data_keys.h"
#include "broker/store/records.h"
#include "broker/store/sql.h"

// The SQL of subscriptions, shared by the writer (which sees its open
// transaction) and the readers. A filter is applied in the query itself:
// `type` and `case_ref` precede `body` in `notifications`, so a delivery the
// filter skips never has its body read.
namespace safeshare::store {

// The condition "notification n matches the filter bound as ?types and
// ?cases" (each comma-joined, empty matching everything), e.g.
// FilterCondition(4, 5) for parameters ?4 and ?5.
std::string FilterCondition(int types_param, int cases_param);
// A filter as stored (comma-joined lists), and back.
std::string JoinTypes(const DeliveryFilter& filter);
DeliveryFilter FilterFrom(std::string_view types, std::string_view cases);

// The subscription (agency, name), or nullopt when there is none.
absl::StatusOr<std::optional<SubscriptionRecord>> QuerySubscription(Connection& db,
                                                                    const AgencyId& agency,
                                                                    const SubscriptionName& name);
// How many subscriptions `agency` has.
absl::StatusOr<int64_t> CountSubscriptions(Connection& db, const AgencyId& agency);
// The latest committed sequence (0 when nothing is stored).
absl::StatusOr<int64_t> QueryLatest(Connection& db);
// Deliveries to `agency` in (after, through] that `filter` matches: how many,
// and the stored time of the first (0 when none). With `settled_of`, not
// those that subscription acknowledged one by one or parked.
struct Backlog {
  uint64_t count = 0;
  int64_t oldest_micros = 0;
};
absl::StatusOr<Backlog> QueryBacklog(Connection& db, const AgencyId& agency, int64_t after,
                                     int64_t through, const DeliveryFilter& filter,
                                     const SubscriptionName* settled_of = nullptr);
// Store::ReadSubscriptions, inside one read transaction.
absl::StatusOr<std::vector<SubscriptionStats>> QuerySubscriptionStats(Connection& db,
                                                                      const AgencyId& agency,
                                                                      const SubscriptionName& name);

// Store::ReadDeliveryPage with prepared statements: `latest` is
// QueryLatest's SQL, `page` the DeliveryQuery of kDeliveryPageTail (with
// bodies). The latest sequence is read first and the page bounded by it, so
// the page is complete up to scanned_through without a read transaction.
inline constexpr std::string_view kLatestSql = "SELECT coalesce(max(seq),0) FROM notifications";
std::string DeliveryPageTail();
absl::StatusOr<DeliveryPage> QueryDeliveryPage(const DataKeys& keys, Statement& latest,
                                               Statement& page, const AgencyId& agency,
                                               Sequence after, size_t limit,
                                               const DeliveryFilter& filter);

}  // namespace safeshare::store
