// The writer's audit log: appending entries (linked and hashed, in the
// transaction of the event), filing them in the query index after their
// commit, and keeping signed checkpoints (the rest of Writer is in
// writer.cc).
#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "broker/audit/chain.h"
#include "broker/audit/encoding.h"
#include "broker/core/status_macros.h"
#include "broker/store/audit_keys.h"
#include "broker/store/audit_postings.h"
#include "broker/store/audit_rows.h"
#include "broker/store/writer.h"
#include "broker/store/writer_statements.h"

namespace safeshare::store {

absl::Status Writer::Append(audit::Entry e) {
  e.id = next_audit_id_;
  e.at_micros = now_;
  // The clock is recorded as it reads, never adjusted; a step back is noted.
  e.clock_stepped_back_from = now_ < head_audit_at_ ? head_audit_at_ : 0;
  const audit::Hash leaf = audit::LinkAndLeaf(head_hash_, e);
  auto& s = stmts_->insert_audit;
  s.Bind(1, e.id).Bind(2, e.at_micros).Bind(3, e.clock_stepped_back_from).Bind(4, e.actor);
  s.Bind(5, audit::ActionName(e.action)).Bind(6, e.notification_id).Bind(7, e.case_ref);
  s.Bind(8, e.recipient).Bind(9, e.subscription).Bind(10, e.rule).Bind(11, e.lawful_basis);
  s.Bind(12, e.purpose).Bind(13, e.detail).Bind(14, e.content_hash).Bind(15, e.prev_hash);
  // Kept alive until Run() returns: the statement binds without copying. A
  // version 1 entry (none are written now) keeps x'', as the upgrade left them.
  const std::string lines = audit::HasLinesSection(e) ? audit::EncodeLines(e) : std::string();
  s.Bind(16, e.entry_hash).Bind(17, int64_t{e.version}).BindBlob(18, lines);
  SAFESHARE_RETURN_IF_ERROR(s.Run());
  leaves_.push_back(leaf);
  ++next_audit_id_;
  head_hash_ = e.entry_hash;
  head_audit_at_ = now_;
  return absl::OkStatus();
}

absl::Status Writer::RecordEvent(audit::Entry entry) { return Append(std::move(entry)); }

absl::StatusOr<size_t> Writer::IndexAudit(size_t max_entries) {
  if (Unindexed() == 0) return 0;
  // The index can be filed again from the log (indexed_through is in the
  // same transaction), so its commit need not wait for the disk (SQLite in
  // WAL mode: synchronous=NORMAL keeps the file consistent, and the next
  // commit of the log, at FULL, syncs these pages with its own).
  SAFESHARE_RETURN_IF_ERROR(stmts_->sync_lazily.Run());
  auto filed = FileUnindexed(max_entries);
  if (filed.ok()) {
    indexed_through_ = filed->second;
  } else {
    (void)stmts_->rollback.Run();
  }
  // Back to a full sync before anything else commits: the log's commits
  // must be durable when answered.
  SAFESHARE_RETURN_IF_ERROR(stmts_->sync_fully.Run());
  if (!filed.ok()) return filed.status();
  return filed->first;
}

absl::StatusOr<std::pair<size_t, int64_t>> Writer::FileUnindexed(size_t max_entries) {
  // Under the append lock, so brokers sharing the database file each entry
  // once.
  SAFESHARE_RETURN_IF_ERROR(BeginLocked());
  int64_t after = indexed_through_;
  if (database_->dialect().shared) {
    auto heads = ReadHeads();
    if (!heads.ok()) return heads.status();
    after = heads->indexed_through;
  }
  // Each key's ids, in id order as the entries are read (a batch entry may
  // have hundreds of lines: its keys are kept, not the entry).
  absl::flat_hash_map<std::string, std::vector<int64_t>> postings;
  auto& read = stmts_->unindexed_entries;
  read.Bind(1, after).Bind(2, static_cast<int64_t>(max_entries));
  auto ids = CollectRows<int64_t>(read, [&](const Statement& row) -> absl::StatusOr<int64_t> {
    auto e = AuditEntryFromRow(row);
    if (!e.ok()) return e.status();
    for (auto& key : IndexKeys(*e)) postings[std::move(key)].push_back(e->id);
    return e->id;
  });
  if (!ids.ok()) return ids.status();
  if (ids->empty()) {
    SAFESHARE_RETURN_IF_ERROR(stmts_->commit.Run());
    return std::pair<size_t, int64_t>{0, after};
  }
  const int64_t through = ids->back();
  // One posting row per key, in key order so each index page is visited
  // once per call.
  std::vector<const decltype(postings)::value_type*> rows;
  rows.reserve(postings.size());
  for (const auto& posting : postings) rows.push_back(&posting);
  std::sort(rows.begin(), rows.end(), [](auto* a, auto* b) { return a->first < b->first; });
  for (const auto* row : rows) {
    const auto& [key, filed] = *row;
    const std::string gaps = EncodeIdGaps(filed);
    SAFESHARE_RETURN_IF_ERROR(stmts_->insert_posting.Bind(1, key)
                                  .Bind(2, filed.back())
                                  .Bind(3, filed.front())
                                  .BindBlob(4, gaps)
                                  .Run());
  }
  SAFESHARE_RETURN_IF_ERROR(stmts_->set_indexed_through.Bind(1, through).Run());
  SAFESHARE_RETURN_IF_ERROR(stmts_->commit.Run());
  return std::pair<size_t, int64_t>{ids->size(), through};
}

absl::Status Writer::SaveCheckpoint(const StoredCheckpoint& c) {
  const std::string root = audit::BytesOf(c.root);
  return stmts_->insert_checkpoint.Bind(1, static_cast<int64_t>(c.tree_size))
      .BindBlob(2, root)
      .Bind(3, c.note)
      .Bind(4, c.signed_at_micros)
      .Run();
}

}  // namespace safeshare::store
