#include "broker/store/audit_query.h"

#include <algorithm>
#include <limits>
#include <string>

#include "absl/strings/str_join.h"
#include "broker/core/status_macros.h"
#include "broker/store/audit_keys.h"
#include "broker/store/audit_rows.h"
#include "broker/store/store.h"

namespace safeshare::store {
namespace {

// The parameters every audit query binds; the keys follow from kFirstKey.
constexpr int kAfter = 1, kLimit = 2, kFrom = 3, kTo = 4, kFirstKey = 5;

// A query's text and the keys its placeholders ?5, ?6, ... stand for. The
// keys are bound without copying, so they stay here, unchanged, until the
// statement has run.
struct AuditSql {
  std::string text;
  std::vector<std::string> keys;
};

// The time range and every key condition but `driver` (the one whose index
// range the query walks), on the audit row `row`: each an EXISTS point
// lookup in audit_keys.
std::string Filters(const std::vector<std::vector<std::string>>& placeholders, size_t driver,
                    const std::string& row) {
  std::string out = " AND " + row + ".at>=?" + std::to_string(kFrom) + " AND " + row + ".at<?" +
                    std::to_string(kTo);
  for (size_t c = 0; c < placeholders.size(); ++c) {
    if (c == driver) continue;
    out += " AND EXISTS(SELECT 1 FROM audit_keys x WHERE x.id=" + row + ".id AND x.key IN (" +
           absl::StrJoin(placeholders[c], ",") + "))";
  }
  return out;
}

// The ids of the first `limit` entries after `after` filed under the key
// `placeholder` that meet every other condition, in id order.
std::string Arm(const std::string& placeholder,
                const std::vector<std::vector<std::string>>& placeholders, size_t driver) {
  return "SELECT id FROM (SELECT k.id AS id FROM audit_keys k JOIN audit b ON b.id=k.id"
         " WHERE k.key=" +
         placeholder + " AND k.id>?" + std::to_string(kAfter) + Filters(placeholders, driver, "b") +
         " ORDER BY k.id LIMIT ?" + std::to_string(kLimit) + ")";
}

// `notification_seq`: the sequence of q.notification_id (0: none stored),
// whose entries are filed under either key (IndexKeys).
AuditSql BuildAuditQuery(const AuditQuery& q, int64_t notification_seq) {
  AuditSql sql;
  std::vector<std::vector<std::string>> placeholders;
  auto conditions = KeyConditions(q);
  if (notification_seq > 0) {
    const std::string notification = "notification:" + q.notification_id;
    for (auto& condition : conditions) {
      if (condition == std::vector<std::string>{notification}) {
        condition.push_back(SequenceKey(notification_seq));
      }
    }
  }
  for (const auto& condition : conditions) {
    auto& p = placeholders.emplace_back();
    for (const auto& key : condition) {
      sql.keys.push_back(key);
      p.push_back("?" + std::to_string(kFirstKey + sql.keys.size() - 1));
    }
  }
  const std::string select = std::string("SELECT ") + kAuditColumns;
  const std::string tail = " ORDER BY a.id LIMIT ?" + std::to_string(kLimit);
  if (placeholders.empty()) {  // a time range at most: the log in id order
    sql.text = select + " FROM audit a WHERE a.id>?" + std::to_string(kAfter) +
               Filters(placeholders, 0, "a") + tail;
    return sql;
  }
  // Start from a single key where there is one; else from each action.
  const auto single = std::find_if(placeholders.begin(), placeholders.end(),
                                   [](const auto& p) { return p.size() == 1; });
  const size_t driver = single == placeholders.end() ? 0 : single - placeholders.begin();
  if (placeholders[driver].size() == 1) {
    sql.text = select + " FROM audit_keys k JOIN audit a ON a.id=k.id WHERE k.key=" +
               placeholders[driver][0] + " AND k.id>?" + std::to_string(kAfter) +
               Filters(placeholders, driver, "a") + " ORDER BY k.id LIMIT ?" +
               std::to_string(kLimit);
    return sql;
  }
  std::vector<std::string> arms;
  for (const auto& p : placeholders[driver]) arms.push_back(Arm(p, placeholders, driver));
  sql.text =
      select + " FROM audit a WHERE a.id IN (" + absl::StrJoin(arms, " UNION ALL ") + ")" + tail;
  return sql;
}

int64_t AsLimit(size_t limit) {
  return static_cast<int64_t>(std::min<size_t>(limit, std::numeric_limits<int64_t>::max()));
}

// Per recipient (every agency with a delivery, walked through the primary
// key, or only ?3), its deliveries in (max(?1, highest acknowledged), ?2],
// with their notifications; ?4 a case or ''. In sequence order.
constexpr const char* kUnacknowledgedSql = R"sql(
WITH RECURSIVE recipients(agency) AS (
  SELECT CASE WHEN ?3<>'' THEN ?3 ELSE (SELECT min(recipient) FROM deliveries) END
  UNION ALL
  SELECT (SELECT min(recipient) FROM deliveries WHERE recipient>agency)
    FROM recipients WHERE ?3='' AND agency IS NOT NULL)
SELECT d.seq, n.id, n.case_ref, n.type, n.publisher, d.recipient, n.stored_at
FROM recipients r
JOIN deliveries d ON d.recipient=r.agency AND d.seq<=?2 AND d.seq>max(?1,
  (SELECT coalesce(max(s.acked_through),0) FROM subscriptions s WHERE s.agency=r.agency))
JOIN notifications n ON n.seq=d.seq
WHERE r.agency IS NOT NULL AND (?4='' OR n.case_ref=?4)
ORDER BY d.seq, d.recipient LIMIT ?5
)sql";

UnacknowledgedDelivery UnacknowledgedAt(const Statement& r) {
  return UnacknowledgedDelivery{Sequence(static_cast<uint64_t>(r.Int(0))),
                                NotificationId(r.Text(1)),
                                CaseRef(r.Text(2)),
                                r.Text(3),
                                AgencyId(r.Text(4)),
                                AgencyId(r.Text(5)),
                                r.Int(6)};
}

}  // namespace

absl::StatusOr<std::vector<audit::Entry>> QueryAuditEntries(Connection& db, const AuditQuery& q) {
  int64_t notification_seq = 0;
  if (!q.notification_id.empty()) {
    auto seq = db.Prepare("SELECT seq FROM notifications WHERE id=?1");
    if (!seq.ok()) return seq.status();
    seq->Bind(1, q.notification_id);
    auto row = seq->Step();
    if (!row.ok()) return row.status();
    if (*row) notification_seq = seq->Int(0);
    seq->Reset();
  }
  const AuditSql sql = BuildAuditQuery(q, notification_seq);
  auto s = db.Prepare(sql.text);
  if (!s.ok()) return s.status();
  s->Bind(kAfter, q.after_id).Bind(kLimit, AsLimit(q.limit));
  s->Bind(kFrom, q.from_micros == 0 ? std::numeric_limits<int64_t>::min() : q.from_micros);
  s->Bind(kTo, q.to_micros == 0 ? std::numeric_limits<int64_t>::max() : q.to_micros);
  for (size_t i = 0; i < sql.keys.size(); ++i) {
    s->Bind(kFirstKey + static_cast<int>(i), sql.keys[i]);
  }
  auto found = CollectRows<audit::Entry>(*s, AuditEntryFromRow);
  if (!found.ok() || sql.keys.empty() || found->size() >= q.limit) return found;
  // The index holds the entries through audit_index.indexed_through (the
  // writer files them after their commit); the ones after it, a few
  // thousand at most, are read from the log and matched here.
  auto indexed = db.QueryInt("SELECT indexed_through FROM audit_index");
  if (!indexed.ok()) return indexed.status();
  auto tail = db.Prepare(std::string("SELECT ") + kAuditColumns +
                         " FROM audit a WHERE a.id>?1 ORDER BY a.id LIMIT ?2");
  if (!tail.ok()) return tail.status();
  const auto conditions = KeyConditions(q);
  constexpr int64_t kChunk = 512;
  int64_t after = std::max(q.after_id, *indexed);
  while (found->size() < q.limit) {
    tail->Bind(1, after).Bind(2, kChunk);
    auto chunk = CollectRows<audit::Entry>(*tail, AuditEntryFromRow);
    if (!chunk.ok()) return chunk.status();
    for (auto& e : *chunk) {
      if (found->size() < q.limit && MatchesQuery(q, conditions, e)) found->push_back(std::move(e));
    }
    if (chunk->size() < static_cast<size_t>(kChunk)) break;
    after = chunk->back().id;
  }
  return found;
}

absl::StatusOr<std::vector<UnacknowledgedDelivery>> QueryUnacknowledged(
    Connection& db, const UnacknowledgedQuery& q) {
  if (q.limit == 0) return std::vector<UnacknowledgedDelivery>{};
  auto s = db.Prepare(kUnacknowledgedSql);
  if (!s.ok()) return s.status();
  const auto read = [&](int64_t after, int64_t through, int64_t limit) {
    s->Bind(1, after).Bind(2, through).Bind(3, q.agency).Bind(4, q.case_ref).Bind(5, limit);
    return CollectRows<UnacknowledgedDelivery>(*s, UnacknowledgedAt);
  };
  // One more than the limit, to see whether the page would split a sequence.
  const int64_t limit = AsLimit(q.limit);
  auto page = read(static_cast<int64_t>(q.after.value()), std::numeric_limits<int64_t>::max(),
                   limit == std::numeric_limits<int64_t>::max() ? limit : limit + 1);
  if (!page.ok() || page->size() <= q.limit) return page;
  if (KeepWholeSequences(*page, q.limit)) return page;
  // One sequence alone has more recipients than the limit: all of them.
  const auto seq = static_cast<int64_t>(page->front().sequence.value());
  return read(seq - 1, seq, std::numeric_limits<int64_t>::max());
}

absl::StatusOr<StoredCheckpoint> QueryCheckpoint(Connection& db, uint64_t tree_size) {
  // 0: the latest; both walk the primary key.
  auto s = db.Prepare(tree_size == 0 ? "SELECT tree_size, root, note, signed_at FROM checkpoints"
                                       " ORDER BY tree_size DESC LIMIT 1"
                                     : "SELECT tree_size, root, note, signed_at FROM checkpoints"
                                       " WHERE tree_size=?1");
  if (!s.ok()) return s.status();
  if (tree_size != 0) s->Bind(1, static_cast<int64_t>(tree_size));
  auto row = s->Step();
  if (!row.ok()) return row.status();
  if (!*row) {
    return errors::NoCheckpoint(tree_size);
  }
  auto root = audit::HashFromBytes(s->View(1));
  if (!root.ok()) {
    return absl::DataLossError("the checkpoint at tree size " + std::to_string(s->Int(0)) +
                               " has a damaged root hash");
  }
  return StoredCheckpoint{static_cast<uint64_t>(s->Int(0)), *root, s->Text(2), s->Int(3)};
}

}  // namespace safeshare::store
