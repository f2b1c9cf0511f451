#include "broker/store/delivery_query.h"

#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "broker/core/status_macros.h"
#include "broker/store/body_seal.h"
#include "broker/store/store.h"

namespace safeshare::store {

std::string DeliveryQuery(bool with_body, std::string_view tail) {
  std::string sql =
      "SELECT d.seq, n.id, n.case_ref, d.rule, d.lawful_basis, d.purpose,"
      " CASE d.view WHEN 0 THEN n.content_hash ELSE v.content_hash END,"
      " d.agreement, d.linked_cases, d.urgent";
  if (with_body) {
    sql.append(
        ", CASE d.view WHEN 0 THEN n.body ELSE v.body END,"
        " CASE d.view WHEN 0 THEN n.body_key ELSE v.body_key END, d.view");
  }
  sql.append(
      " FROM deliveries d JOIN notifications n ON n.seq=d.seq"
      " LEFT JOIN views v ON v.seq=d.seq AND v.view=d.view"
      " WHERE d.recipient=?1 AND d.seq>?2 AND n.content_deleted_at=0 ");
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
                       r.Text(6),
                       r.Text(7),
                       SplitCases(r.View(8)),
                       r.Int(9) != 0};
}

SealedDelivery SealedAt(const Statement& r) {
  return SealedDelivery{StoredDelivery{DeliveryFactsAt(r), r.Text(kDeliveryFactsColumns)},
                        r.Text(kDeliveryFactsColumns + 1), r.Int(kDeliveryFactsColumns + 2)};
}

absl::StatusOr<std::vector<StoredDelivery>> OpenDeliveries(std::vector<SealedDelivery> rows,
                                                           const DataKeys& keys) {
  std::vector<StoredDelivery> out;
  out.reserve(rows.size());
  for (auto& row : rows) {
    auto& d = row.delivery;
    auto body = OpenBody(keys, row.key, d.body, d.id.value(), row.view, d.sequence.value());
    if (!body.ok()) return body.status();
    d.body = *std::move(body);
    SAFESHARE_RETURN_IF_ERROR(CheckContentHash(d));
    out.push_back(std::move(d));
  }
  return out;
}

const std::string& PurposeOf(const NewNotification& n, const Recipient& r) {
  return r.purpose.empty() ? n.purpose : r.purpose;
}

std::string JoinCases(const std::vector<CaseRef>& cases) {
  return absl::StrJoin(cases, ",", [](std::string* o, const CaseRef& c) { o->append(c.value()); });
}

std::vector<std::string> SplitList(std::string_view joined) {
  // absl::string_view is not std::string_view in this Abseil build.
  return absl::StrSplit(absl::string_view(joined.data(), joined.size()), ',', absl::SkipEmpty());
}

std::vector<CaseRef> SplitCases(std::string_view joined) {
  std::vector<CaseRef> out;
  for (auto& part : SplitList(joined)) out.emplace_back(std::move(part));
  return out;
}

}  // namespace safeshare::store
