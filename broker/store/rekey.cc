#include "broker/store/rekey.h"

#include <thread>
#include <vector>

#include "broker/audit/audit_entry.h"
#include "broker/core/status_macros.h"
#include "broker/store/body_seal.h"
#include "broker/store/sqlite_db.h"

namespace safeshare::store {
namespace {

// One table's shape: its sealed values not under ?1 (columns: seq, view or
// ordinal, notification id, sealed, key, content hash, recipient), and how
// to write one back (?1 seq, ?2 view or ordinal, ?3 sealed, ?4 key, ?5
// recipient).
struct Table {
  const char* select;
  const char* update;
  int64_t RekeyReport::*count;
  bool notes = false;  // actions' notes: no content hash, NoteContext
};

constexpr Table kTables[] = {
    {"SELECT seq, 0, id, body, body_key, content_hash, '' FROM notifications"
     " WHERE body_key<?1 OR body_key>?1 ORDER BY seq LIMIT ?2",
     "UPDATE notifications SET body=?3, body_key=?4 WHERE seq=?1 AND ?2=0 AND ?5=''",
     &RekeyReport::notifications},
    {"SELECT v.seq, v.view, n.id, v.body, v.body_key, v.content_hash, '' FROM views v"
     " JOIN notifications n ON n.seq=v.seq WHERE v.body_key<?1 OR v.body_key>?1"
     " ORDER BY v.seq, v.view LIMIT ?2",
     "UPDATE views SET body=?3, body_key=?4 WHERE seq=?1 AND view=?2 AND ?5=''",
     &RekeyReport::views},
    {"SELECT a.seq, a.ordinal, n.id, a.note, a.note_key, '', a.recipient FROM actions a"
     " JOIN notifications n ON n.seq=a.seq WHERE a.note_key<>'' AND (a.note_key<?1 OR"
     " a.note_key>?1) ORDER BY a.note_key, a.seq LIMIT ?2",
     "UPDATE actions SET note=?3, note_key=?4 WHERE seq=?1 AND ordinal=?2 AND recipient=?5",
     &RekeyReport::notes, /*notes=*/true},
};

struct Body {
  int64_t seq, view;
  std::string id, sealed, key, content_hash, recipient;
};

// `b`'s plaintext, checked against its content hash (a body).
absl::StatusOr<std::string> Open(const DataKeys& keys, const Table& table, const Body& b) {
  if (table.notes) return keys.Open(b.key, b.sealed, NoteContext(b.id, b.recipient));
  auto plain = OpenBody(keys, b.key, b.sealed, b.id, b.view, static_cast<uint64_t>(b.seq));
  if (plain.ok() && audit::ContentHash(*plain) != b.content_hash) {
    return absl::DataLossError(
        "notification " + std::to_string(b.seq) +
        (b.view == 0 ? "" : " view " + std::to_string(b.view)) +
        ": its body does not match its content hash, so it was not resealed; restore the "
        "store from a backup that `safeshare-broker audit` verifies");
  }
  return plain;
}

// Reseals one batch of `table` in its own transaction; how many it did.
absl::StatusOr<size_t> RekeyBatch(Connection& db, const DataKeys& keys, const Table& table,
                                  size_t batch, RekeyReport& report) {
  SAFESHARE_RETURN_IF_ERROR(db.Exec("BEGIN IMMEDIATE"));
  auto done = [&](absl::StatusOr<size_t> result) {
    (void)db.Exec(result.ok() ? "COMMIT" : "ROLLBACK");
    return result;
  };
  auto select = db.Prepare(table.select);
  auto update = db.Prepare(table.update);
  if (!select.ok() || !update.ok()) return done(!select.ok() ? select.status() : update.status());
  select->Bind(1, keys.current()).Bind(2, static_cast<int64_t>(batch));
  auto rows = CollectRows<Body>(*select, [](const Statement& r) {
    return Body{r.Int(0), r.Int(1), r.Text(2), r.Text(3), r.Text(4), r.Text(5), r.Text(6)};
  });
  if (!rows.ok()) return done(rows.status());
  for (const auto& b : *rows) {
    auto plain = Open(keys, table, b);
    if (!plain.ok()) return done(plain.status());
    // Bound without a copy: the sealed value must outlive Run.
    const std::string sealed =
        keys.Seal(*plain, table.notes ? NoteContext(b.id, b.recipient) : BodyContext(b.id, b.view));
    update->Bind(1, b.seq)
        .Bind(2, b.view)
        .BindBlob(3, sealed)
        .Bind(4, keys.current())
        .Bind(5, b.recipient);
    if (auto written = update->Run(); !written.ok()) return done(written);
    ++(report.*table.count);
    ++report.from[b.key];
  }
  return done(rows->size());
}

}  // namespace

absl::StatusOr<RekeyReport> RekeyStore(const std::filesystem::path& path, const DataKeys& keys,
                                       const RekeyOptions& options) {
  if (!std::filesystem::exists(path)) return absl::NotFoundError("no store at " + path.string());
  auto db = SqliteConnection::Open(path, /*read_only=*/false);
  if (!db.ok()) return db.status();
  auto version =
      (*db)->QueryInt("SELECT count(*) FROM sqlite_master WHERE type='table' AND name='actions'");
  if (!version.ok()) return version.status();
  if (*version == 0) {
    return absl::FailedPreconditionError(
        "the store at " + path.string() +
        " is older than schema version 13: start the broker on it once (it upgrades the file), "
        "then rekey");
  }
  RekeyReport report;
  for (const Table& table : kTables) {
    while (true) {
      auto resealed = RekeyBatch(**db, keys, table, options.batch, report);
      if (!resealed.ok()) return resealed.status();
      if (options.progress) options.progress(report);
      if (*resealed < options.batch) break;
      std::this_thread::sleep_for(options.pause);
    }
  }
  return report;
}

}  // namespace safeshare::store
