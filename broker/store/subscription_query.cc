#include "broker/store/subscription_query.h"

#include <algorithm>

#include "absl/strings/str_join.h"
#include "broker/core/status_macros.h"
#include "broker/store/attempts_query.h"
#include "broker/store/delivery_query.h"
#include "broker/store/store.h"

namespace safeshare::store {
namespace {

constexpr std::string_view kRecordColumns =
    "SELECT agency, name, created_at, filter_types, filter_cases, acked_through, "
    "delivered_through, consumer_mode, ack_wait_ms, max_deliver, max_in_flight FROM subscriptions";

SubscriptionRecord RecordAt(const Statement& r) {
  return SubscriptionRecord{
      AgencyId(r.Text(0)),
      SubscriptionName(r.Text(1)),
      r.Int(2),
      FilterFrom(r.View(3), r.View(4)),
      Sequence(static_cast<uint64_t>(r.Int(5))),
      Sequence(static_cast<uint64_t>(r.Int(6))),
      r.Int(7) == 1 ? ConsumerMode::kExclusive : ConsumerMode::kStandby,
      DeliverySettings{static_cast<uint32_t>(r.Int(8)), static_cast<uint32_t>(r.Int(9)),
                       static_cast<uint32_t>(r.Int(10))}};
}

}  // namespace

std::string FilterCondition(int types_param, int cases_param) {
  const std::string t = "?" + std::to_string(types_param);
  const std::string c = "?" + std::to_string(cases_param);
  return "(" + t + "='' OR instr(','||" + t + "||',', ','||n.type||',')>0) AND (" + c +
         "='' OR instr(','||" + c + "||',', ','||n.case_ref||',')>0)";
}

std::string JoinTypes(const DeliveryFilter& filter) { return absl::StrJoin(filter.types, ","); }

DeliveryFilter FilterFrom(std::string_view types, std::string_view cases) {
  return DeliveryFilter{SplitList(types), SplitCases(cases)};
}

absl::StatusOr<std::optional<SubscriptionRecord>> QuerySubscription(Connection& db,
                                                                    const AgencyId& agency,
                                                                    const SubscriptionName& name) {
  auto s = db.Prepare(std::string(kRecordColumns) + " WHERE agency=?1 AND name=?2");
  if (!s.ok()) return s.status();
  s->Bind(1, agency.value()).Bind(2, name.value());
  auto rows = CollectRows<SubscriptionRecord>(*s, RecordAt);
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return std::nullopt;
  return std::move(rows->front());
}

absl::StatusOr<int64_t> CountSubscriptions(Connection& db, const AgencyId& agency) {
  auto s = db.Prepare("SELECT count(*) FROM subscriptions WHERE agency=?1");
  if (!s.ok()) return s.status();
  s->Bind(1, agency.value());
  auto rows = CollectRows<int64_t>(*s, [](const Statement& r) { return r.Int(0); });
  if (!rows.ok()) return rows.status();
  return rows->empty() ? 0 : rows->front();
}

absl::StatusOr<int64_t> QueryLatest(Connection& db) { return db.QueryInt(kLatestSql); }

absl::StatusOr<Backlog> QueryBacklog(Connection& db, const AgencyId& agency, int64_t after,
                                     int64_t through, const DeliveryFilter& filter,
                                     const SubscriptionName* settled_of) {
  // An index range scan of deliveries(recipient, seq), each joined with its
  // notification by key; min() of stored_at since sequences are stored in
  // time order only as far as the clock allows.
  auto s = db.Prepare(
      "SELECT count(*), coalesce(min(n.stored_at),0) FROM deliveries d JOIN notifications n"
      " ON n.seq=d.seq WHERE d.recipient=?1 AND d.seq>?2 AND d.seq<=?3 AND"
      " n.content_deleted_at=0 AND " +
      FilterCondition(4, 5) +
      (settled_of == nullptr
           ? ""
           : " AND NOT EXISTS (SELECT 1 FROM delivery_attempts a WHERE a.agency=?1 AND"
             " a.subscription=?6 AND a.seq=d.seq AND a.state IN (1,2))"));
  if (!s.ok()) return s.status();
  const std::string types = JoinTypes(filter), cases = JoinCases(filter.case_refs);
  s->Bind(1, agency.value()).Bind(2, after).Bind(3, through).Bind(4, types).Bind(5, cases);
  if (settled_of != nullptr) s->Bind(6, settled_of->value());
  auto rows = CollectRows<Backlog>(*s, [](const Statement& r) {
    return Backlog{static_cast<uint64_t>(r.Int(0)), r.Int(1)};
  });
  if (!rows.ok()) return rows.status();
  return rows->empty() ? Backlog{} : rows->front();
}

absl::StatusOr<std::vector<SubscriptionStats>> QuerySubscriptionStats(
    Connection& db, const AgencyId& agency, const SubscriptionName& name) {
  auto s = db.Prepare(std::string(kRecordColumns) +
                      " WHERE agency=?1 AND (?2='' OR name=?2) ORDER BY name");
  if (!s.ok()) return s.status();
  s->Bind(1, agency.value()).Bind(2, name.value());
  auto records = CollectRows<SubscriptionRecord>(*s, RecordAt);
  if (!records.ok()) return records.status();
  auto latest = QueryLatest(db);
  if (!latest.ok()) return latest.status();
  std::vector<SubscriptionStats> out;
  out.reserve(records->size());
  for (auto& record : *records) {
    // Above the position, deliveries acknowledged on their own or parked are
    // neither backlog nor in flight.
    const auto acked = static_cast<int64_t>(record.acked_through.value());
    auto backlog = QueryBacklog(db, agency, acked, *latest, record.filter, &record.name);
    if (!backlog.ok()) return backlog.status();
    auto handed =
        QueryBacklog(db, agency, acked, static_cast<int64_t>(record.delivered_through.value()),
                     record.filter, &record.name);
    if (!handed.ok()) return handed.status();
    auto counts = QueryAttemptCounts(db, record);
    if (!counts.ok()) return counts.status();
    out.push_back(SubscriptionStats{.record = std::move(record),
                                    .latest = Sequence(static_cast<uint64_t>(*latest)),
                                    .backlog = backlog->count,
                                    .oldest_unacked_micros = backlog->oldest_micros,
                                    .in_flight = handed->count + counts->again_behind,
                                    .parked = counts->parked});
  }
  return out;
}

std::string DeliveryPageTail() {
  return "AND d.seq<=?3 AND " + FilterCondition(4, 5) + " ORDER BY d.seq LIMIT ?6";
}

absl::StatusOr<DeliveryPage> QueryDeliveryPage(const DataKeys& keys, Statement& latest,
                                               Statement& page, const AgencyId& agency,
                                               Sequence after, size_t limit,
                                               const DeliveryFilter& filter) {
  auto latest_row = CollectRows<int64_t>(latest, [](const Statement& r) { return r.Int(0); });
  if (!latest_row.ok()) return latest_row.status();
  const uint64_t newest = latest_row->empty() ? 0 : static_cast<uint64_t>(latest_row->front());
  const uint64_t bound =
      std::max(after.value(), std::min(newest, after.value() + Store::kMaxScanSpan));
  const std::string types = JoinTypes(filter), cases = JoinCases(filter.case_refs);
  page.Bind(1, agency.value())
      .Bind(2, static_cast<int64_t>(after.value()))
      .Bind(3, static_cast<int64_t>(bound))
      .Bind(4, types)
      .Bind(5, cases)
      .Bind(6, static_cast<int64_t>(limit));
  auto sealed = CollectRows<SealedDelivery>(page, SealedAt);
  if (!sealed.ok()) return sealed.status();
  auto rows = OpenDeliveries(*std::move(sealed), keys);
  if (!rows.ok()) return rows.status();
  DeliveryPage out{std::move(*rows), Sequence(bound)};
  // A full page stops at its last delivery: later ones up to `bound` were not read.
  if (out.deliveries.size() == limit && limit > 0) {
    out.scanned_through = out.deliveries.back().sequence;
  }
  return out;
}

}  // namespace safeshare::store
