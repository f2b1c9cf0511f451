#include "broker/store/retention_query.h"

#include <algorithm>

#include "absl/strings/str_join.h"
#include "broker/store/delivery_query.h"

namespace safeshare::store {

absl::StatusOr<std::vector<HeldNotification>> QueryHeld(Connection& db, Sequence after,
                                                        const std::vector<std::string>& types,
                                                        size_t limit) {
  auto held = db.Prepare(
      "SELECT seq, id, case_ref, type, stored_at, routed_to FROM notifications"
      " INDEXED BY notifications_held WHERE content_deleted_at=0 AND seq>?1"
      " AND instr(?2, ',' || type || ',')>0 ORDER BY seq LIMIT ?3");
  auto unacked = db.Prepare("SELECT recipient FROM deliveries WHERE seq=?1 AND acked_at=0");
  auto acked = db.Prepare("SELECT acked_at FROM deliveries WHERE recipient=?1 AND seq=?2");
  for (const auto* s : {&held, &unacked, &acked}) {
    if (!s->ok()) return s->status();
  }
  const std::string listed = "," + absl::StrJoin(types, ",") + ",";
  held->Bind(1, static_cast<int64_t>(after.value()))
      .Bind(2, listed)
      .Bind(3, static_cast<int64_t>(limit));
  struct Row {
    HeldNotification n;
    std::string routed_to;
  };
  auto rows = CollectRows<Row>(*held, [](const Statement& r) {
    return Row{{Sequence(static_cast<uint64_t>(r.Int(0))),
                NotificationId(r.Text(1)),
                CaseRef(r.Text(2)),
                r.Text(3),
                r.Int(4),
                {},
                0},
               r.Text(5)};
  });
  if (!rows.ok()) return rows.status();
  std::vector<HeldNotification> out;
  out.reserve(rows->size());
  for (auto& [n, routed_to] : *rows) {
    const auto seq = static_cast<int64_t>(n.sequence.value());
    unacked->Bind(1, seq);
    auto waiting =
        CollectRows<AgencyId>(*unacked, [](const Statement& r) { return AgencyId(r.Text(0)); });
    if (!waiting.ok()) return waiting.status();
    n.unacknowledged = std::move(*waiting);
    if (n.unacknowledged.empty()) {
      for (const auto& agency : SplitList(routed_to)) {
        acked->Bind(1, agency).Bind(2, seq);
        auto at = CollectRows<int64_t>(*acked, [](const Statement& r) { return r.Int(0); });
        if (!at.ok()) return at.status();
        for (const int64_t t : *at)
          n.last_acknowledged_micros = std::max(n.last_acknowledged_micros, t);
      }
    }
    out.push_back(std::move(n));
  }
  return out;
}

}  // namespace safeshare::store
