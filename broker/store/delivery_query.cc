#include "broker/store/delivery_query.h"

namespace safeshare::store {

std::string DeliveryQuery(std::string_view extra_columns, std::string_view tail) {
  std::string sql =
      "SELECT d.seq, n.id, n.case_ref, d.rule, d.lawful_basis, n.purpose, n.content_hash";
  sql.append(extra_columns);
  sql.append(
      " FROM deliveries d JOIN notifications n ON n.seq=d.seq"
      " WHERE d.recipient=?1 AND d.seq>?2 ");
  sql.append(tail);
  return sql;
}

DeliveryFacts DeliveryFactsAt(const Statement& r) {
  return DeliveryFacts{Sequence(static_cast<uint64_t>(r.Int(0))),
                       NotificationId(r.Text(1)),
                       CaseRef(r.Text(2)),
                       r.Text(3),
                       r.Text(4),
                       r.Text(5),
                       r.Text(6)};
}

}  // namespace safeshare::store
