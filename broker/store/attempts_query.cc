#include "broker/store/attempts_query.h"

#include <string>

namespace safeshare::store {

DeliveryAttempt AttemptAt(const Statement& row) {
  return DeliveryAttempt{Sequence(static_cast<uint64_t>(row.Int(0))),
                         static_cast<AttemptState>(row.Int(1)), static_cast<uint32_t>(row.Int(2)),
                         row.Int(3)};
}

absl::StatusOr<std::vector<DeliveryAttempt>> QueryAttempts(Connection& db, const AgencyId& agency,
                                                           const SubscriptionName& name,
                                                           Sequence acked_through) {
  auto s = db.Prepare(std::string(kAttemptColumns) +
                      " WHERE agency=?1 AND subscription=?2 AND (seq>?3 OR state IN (3,4))"
                      " ORDER BY seq");
  if (!s.ok()) return s.status();
  s->Bind(1, agency.value())
      .Bind(2, name.value())
      .Bind(3, static_cast<int64_t>(acked_through.value()));
  return CollectRows<DeliveryAttempt>(*s, AttemptAt);
}

absl::StatusOr<std::vector<ParkedDelivery>> QueryParked(Connection& db, const AgencyId& agency,
                                                        const SubscriptionName& name,
                                                        Sequence after, size_t limit) {
  auto s = db.Prepare(
      "SELECT a.seq, n.id, n.case_ref, n.type, n.publisher, a.attempts, a.at"
      " FROM delivery_attempts a JOIN notifications n ON n.seq=a.seq"
      " WHERE a.agency=?1 AND a.subscription=?2 AND a.state=2 AND a.seq>?3 ORDER BY a.seq LIMIT "
      "?4");
  if (!s.ok()) return s.status();
  s->Bind(1, agency.value())
      .Bind(2, name.value())
      .Bind(3, static_cast<int64_t>(after.value()))
      .Bind(4, static_cast<int64_t>(limit));
  return CollectRows<ParkedDelivery>(*s, [](const Statement& r) {
    return ParkedDelivery{Sequence(static_cast<uint64_t>(r.Int(0))),
                          NotificationId(r.Text(1)),
                          CaseRef(r.Text(2)),
                          r.Text(3),
                          AgencyId(r.Text(4)),
                          static_cast<uint32_t>(r.Int(5)),
                          r.Int(6)};
  });
}

absl::StatusOr<AttemptCounts> QueryAttemptCounts(Connection& db, const SubscriptionRecord& record) {
  auto s = db.Prepare(
      "SELECT count(CASE WHEN state=4 AND seq<=?3 THEN 1 END), count(CASE WHEN state=2 THEN 1 END)"
      " FROM delivery_attempts WHERE agency=?1 AND subscription=?2");
  if (!s.ok()) return s.status();
  s->Bind(1, record.agency.value())
      .Bind(2, record.name.value())
      .Bind(3, static_cast<int64_t>(record.acked_through.value()));
  auto rows = CollectRows<AttemptCounts>(*s, [](const Statement& r) {
    return AttemptCounts{static_cast<uint64_t>(r.Int(0)), static_cast<uint64_t>(r.Int(1))};
  });
  if (!rows.ok()) return rows.status();
  return rows->empty() ? AttemptCounts{} : rows->front();
}

}  // namespace safeshare::store
