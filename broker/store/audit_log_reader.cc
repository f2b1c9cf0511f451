#include "broker/store/audit_log_reader.h"

#include "absl/status/status.h"
#include "broker/store/audit_rows.h"
#include "broker/store/sqlite_db.h"

namespace safeshare::store {

// Its own connection, not a ReaderPool, so an older backup can be audited
// too: a version 2 or 3 file (no version or lines columns) reads its
// entries as version 1, which they all are.
absl::StatusOr<std::vector<audit::Entry>> ReadAuditLog(const std::filesystem::path& path) {
  if (!std::filesystem::exists(path)) return absl::NotFoundError("no store at " + path.string());
  auto db = SqliteConnection::Open(path, /*read_only=*/true);
  if (!db.ok()) return db.status();
  auto version = (*db)->QueryInt("PRAGMA user_version");
  if (!version.ok()) return version.status();
  const std::string from =
      *version >= 4 ? " FROM audit a" : " FROM (SELECT *, 1 AS version, x'' AS lines FROM audit) a";
  auto page = (*db)->Prepare(std::string("SELECT ") + kAuditColumns + from +
                             " WHERE id>?1 ORDER BY id LIMIT ?2");
  if (!page.ok()) return page.status();
  std::vector<audit::Entry> all;
  constexpr int64_t kPage = 10000;
  while (true) {
    page->Bind(1, all.empty() ? 0 : all.back().id).Bind(2, kPage);
    auto rows = CollectRows<audit::Entry>(*page, AuditEntryFromRow);
    if (!rows.ok()) return rows.status();
    all.insert(all.end(), std::make_move_iterator(rows->begin()),
               std::make_move_iterator(rows->end()));
    if (static_cast<int64_t>(rows->size()) < kPage) return all;
  }
}

}  // namespace safeshare::store
