#include "broker/store/audit_query.h"

#include <algorithm>
#include <limits>
#include <string>

#include "broker/core/status_macros.h"
#include "broker/store/audit_keys.h"
#include "broker/store/audit_postings.h"
#include "broker/store/audit_rows.h"
#include "broker/store/store.h"

namespace safeshare::store {
namespace {

int64_t AsLimit(size_t limit) {
  return static_cast<int64_t>(std::min<size_t>(limit, std::numeric_limits<int64_t>::max()));
}

// One key condition of a query: the cursors of its keys, any of which
// matches (one key, or several actions).
using AnyOf = std::vector<PostingCursor>;

// The first id `id` or after that is filed under one of `keys`' keys.
absl::StatusOr<int64_t> SeekAny(AnyOf& keys, int64_t id) {
  int64_t first = PostingCursor::kEnd;
  for (auto& key : keys) {
    auto found = key.Seek(id);
    if (!found.ok()) return found.status();
    first = std::min(first, *found);
  }
  return first;
}

// The first id after `after` that meets every condition: each condition in
// turn moves the candidate to its next id at or after it, until all agree
// (a leapfrog join over the posting lists). kEnd when none does.
absl::StatusOr<int64_t> NextMatch(std::vector<AnyOf>& conditions, int64_t after) {
  int64_t candidate = after + 1;
  size_t agreed = 0;
  for (size_t c = 0; agreed < conditions.size(); c = (c + 1) % conditions.size()) {
    auto next = SeekAny(conditions[c], candidate);
    if (!next.ok() || *next == PostingCursor::kEnd) return next;
    agreed = *next == candidate ? agreed + 1 : 1;
    candidate = *next;
  }
  return candidate;
}

// The key conditions of `q` with a cursor per key. A notification's
// entries are filed under its id or its sequence (IndexKeys), so that
// condition is either key.
absl::StatusOr<std::vector<AnyOf>> OpenConditions(
    Connection& db, const AuditQuery& q, const std::vector<std::vector<std::string>>& conditions) {
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
  const std::string notification = "notification:" + q.notification_id;
  std::vector<AnyOf> out;
  for (const auto& condition : conditions) {
    auto keys = condition;
    if (notification_seq > 0 && keys == std::vector<std::string>{notification}) {
      keys.push_back(SequenceKey(notification_seq));
    }
    auto& cursors = out.emplace_back();
    for (auto& key : keys) {
      auto cursor = PostingCursor::Open(db, std::move(key));
      if (!cursor.ok()) return cursor.status();
      cursors.push_back(std::move(*cursor));
    }
  }
  return out;
}

// Appends to `found`, up to q.limit, the indexed entries after q.after_id
// that meet `conditions` (and the time range, checked on the entry).
absl::Status QueryIndexed(Connection& db, const AuditQuery& q,
                          const std::vector<std::vector<std::string>>& conditions,
                          std::vector<audit::Entry>& found) {
  auto cursors = OpenConditions(db, q, conditions);
  if (!cursors.ok()) return cursors.status();
  auto entry = db.Prepare(std::string("SELECT ") + kAuditColumns + " FROM audit a WHERE a.id=?1");
  if (!entry.ok()) return entry.status();
  int64_t after = q.after_id;
  while (found.size() < q.limit) {
    auto id = NextMatch(*cursors, after);
    if (!id.ok()) return id.status();
    if (*id == PostingCursor::kEnd) break;
    entry->Bind(1, *id);
    auto read = CollectRows<audit::Entry>(*entry, AuditEntryFromRow);
    if (!read.ok()) return read.status();
    // The index agrees with the entry unless one of them was altered: the
    // entry decides.
    for (auto& e : *read) {
      if (MatchesQuery(q, conditions, e)) found.push_back(std::move(e));
    }
    after = *id;
  }
  return absl::OkStatus();
}

// Every entry after q.after_id in the time range, in id order, up to
// q.limit: a query with no key condition.
absl::StatusOr<std::vector<audit::Entry>> QueryLog(Connection& db, const AuditQuery& q) {
  auto s = db.Prepare(std::string("SELECT ") + kAuditColumns +
                      " FROM audit a WHERE a.id>?1 AND a.at>=?2 AND a.at<?3"
                      " ORDER BY a.id LIMIT ?4");
  if (!s.ok()) return s.status();
  s->Bind(1, q.after_id);
  s->Bind(2, q.from_micros == 0 ? std::numeric_limits<int64_t>::min() : q.from_micros);
  s->Bind(3, q.to_micros == 0 ? std::numeric_limits<int64_t>::max() : q.to_micros);
  s->Bind(4, AsLimit(q.limit));
  return CollectRows<audit::Entry>(*s, AuditEntryFromRow);
}

// Per recipient (every agency with a delivery, walked through the primary
// key, or only ?3), its deliveries in (max(?1, highest acknowledged), ?2],
// with their notifications; ?4 a case or ''. In sequence order.
constexpr const char* kUnacknowledgedSql = R"sql(
SELECT d.seq, n.id, n.case_ref, n.type, n.publisher, d.recipient, n.stored_at,
  n.content_deleted_at
FROM deliveries d INDEXED BY deliveries_unacked
JOIN notifications n ON n.seq=d.seq
WHERE d.acked_at=0 AND d.seq>?1 AND d.seq<=?2 AND (?3='' OR d.recipient=?3)
  AND (?4='' OR n.case_ref=?4) AND (?6='' OR n.publisher=?6)
ORDER BY d.seq, d.recipient LIMIT ?5
)sql";

UnacknowledgedDelivery UnacknowledgedAt(const Statement& r) {
  return UnacknowledgedDelivery{Sequence(static_cast<uint64_t>(r.Int(0))),
                                NotificationId(r.Text(1)),
                                CaseRef(r.Text(2)),
                                r.Text(3),
                                AgencyId(r.Text(4)),
                                AgencyId(r.Text(5)),
                                r.Int(6),
                                r.Int(7)};
}

}  // namespace

absl::StatusOr<std::vector<audit::Entry>> QueryAuditEntries(Connection& db, const AuditQuery& q) {
  const auto conditions = KeyConditions(q);
  if (conditions.empty()) return QueryLog(db, q);
  std::vector<audit::Entry> found;
  SAFESHARE_RETURN_IF_ERROR(QueryIndexed(db, q, conditions, found));
  if (found.size() >= q.limit) return found;
  // The index holds the entries through audit_index.indexed_through (the
  // writer files them after their commit); the ones after it, a few
  // thousand at most, are read from the log and matched here.
  auto indexed = db.QueryInt("SELECT indexed_through FROM audit_index");
  if (!indexed.ok()) return indexed.status();
  auto tail = db.Prepare(std::string("SELECT ") + kAuditColumns +
                         " FROM audit a WHERE a.id>?1 ORDER BY a.id LIMIT ?2");
  if (!tail.ok()) return tail.status();
  constexpr int64_t kChunk = 512;
  int64_t after = std::max(q.after_id, *indexed);
  while (found.size() < q.limit) {
    tail->Bind(1, after).Bind(2, kChunk);
    auto chunk = CollectRows<audit::Entry>(*tail, AuditEntryFromRow);
    if (!chunk.ok()) return chunk.status();
    for (auto& e : *chunk) {
      if (found.size() < q.limit && MatchesQuery(q, conditions, e)) found.push_back(std::move(e));
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
    s->Bind(6, q.publisher);
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

absl::StatusOr<std::optional<NotificationId>> QueryPublished(Connection& db,
                                                             const AgencyId& publisher,
                                                             const std::string& idempotency_key) {
  auto s = db.Prepare("SELECT id FROM notifications WHERE publisher=?1 AND idempotency_key=?2");
  if (!s.ok()) return s.status();
  s->Bind(1, publisher.value()).Bind(2, idempotency_key);
  auto row = s->Step();
  if (!row.ok()) return row.status();
  if (!*row) return std::nullopt;
  return NotificationId(s->Text(0));
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
