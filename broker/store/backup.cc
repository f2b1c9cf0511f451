#include "broker/store/backup.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include "broker/audit/chain.h"
#include "broker/core/status_macros.h"
#include "broker/store/body_check.h"
#include "broker/store/sqlite_db.h"
#include "broker/store/store_check.h"

namespace safeshare::store {
namespace {

// Pages copied per step: small enough that each step's locks on the copy are
// short, large enough that a GB takes a few hundred steps.
constexpr int kPagesPerStep = 1024;

// Copies every page of `src` (inside its open read transaction) into `dst`.
absl::Status CopyPages(SqliteConnection& src, SqliteConnection& dst) {
  sqlite3_backup* backup = sqlite3_backup_init(dst.raw(), "main", src.raw(), "main");
  if (backup == nullptr) {
    return SqliteError(dst.raw(), sqlite3_errcode(dst.raw()), "cannot start the backup");
  }
  int rc = SQLITE_OK;
  // Bounded: each step copies kPagesPerStep pages of a snapshot that does not
  // change, and SQLite's page numbers are 32-bit.
  for (int64_t steps = 0; steps <= (int64_t{1} << 32) / kPagesPerStep; ++steps) {
    rc = sqlite3_backup_step(backup, kPagesPerStep);
    if (rc != SQLITE_OK && rc != SQLITE_BUSY && rc != SQLITE_LOCKED) break;
  }
  sqlite3_backup_finish(backup);
  if (rc != SQLITE_DONE) return SqliteError(dst.raw(), rc, "backup step failed");
  return absl::OkStatus();
}

// Checks every notification body of the copy against its content hash;
// returns how many were checked. integrity_check sees pages, not meaning: a
// body altered inside a valid page passes it and would be found only when
// read for delivery.
absl::StatusOr<int64_t> CheckCopyBodies(Connection& copy, const DataKeys& keys) {
  auto bodies = CheckBodies(copy, keys);
  if (!bodies.ok()) return bodies.status();
  if (!bodies->ok()) {
    // The copy is the store's pages as they are: the damage is in the store.
    return absl::DataLossError(
        "the store holds damaged data, so no backup was kept: " + bodies->Describe() +
        "; restore the store from an earlier backup that "
        "`safeshare-broker --store BACKUP audit` verifies");
  }
  return bodies->checked;
}

// Checks the finished copy and counts what it holds.
absl::StatusOr<BackupReport> CheckCopy(Connection& copy, const std::filesystem::path& path,
                                       const DataKeys& keys) {
  // The check the broker runs at start-up, with the full integrity_check:
  // the copy carries the store's version and its newest audit entries.
  SAFESHARE_RETURN_IF_ERROR(CheckAndPrepareStore(copy, path, PageCheck::kIntegrity));
  auto bodies = CheckCopyBodies(copy, keys);
  if (!bodies.ok()) return bodies.status();
  auto notifications = copy.QueryInt("SELECT count(*) FROM notifications");
  auto entries = copy.QueryInt("SELECT count(*) FROM audit");
  auto head = copy.Prepare("SELECT entry_hash FROM audit ORDER BY id DESC LIMIT 1");
  if (!notifications.ok() || !entries.ok() || !head.ok()) {
    return !notifications.ok() ? notifications.status()
                               : (!entries.ok() ? entries.status() : head.status());
  }
  auto head_row = head->Step();
  if (!head_row.ok()) return head_row.status();
  return BackupReport{*notifications, *entries,
                      *head_row ? head->Text(0) : std::string(audit::kGenesisHash), *bodies};
}

absl::Status SyncPath(const std::filesystem::path& path, int flags) {
  const int fd = ::open(path.c_str(), flags);
  const bool synced = fd >= 0 && ::fsync(fd) == 0;
  if (fd >= 0) ::close(fd);
  if (!synced) return absl::UnavailableError("cannot sync " + path.string());
  return absl::OkStatus();
}

// Writes the checked copy of `from` at `partial`.
absl::StatusOr<BackupReport> WriteCopy(const std::filesystem::path& from,
                                       const std::filesystem::path& partial, const DataKeys& keys) {
  auto src = SqliteConnection::Open(from, /*read_only=*/true);
  if (!src.ok()) return src.status();
  // One read transaction for every step: the copy is one committed state and
  // never restarts because the broker committed meanwhile.
  SAFESHARE_RETURN_IF_ERROR((*src)->Exec("BEGIN; SELECT count(*) FROM sqlite_master;"));
  auto dst = SqliteConnection::Open(partial, /*read_only=*/false);
  if (!dst.ok()) return dst.status();
  SAFESHARE_RETURN_IF_ERROR(CopyPages(**src, **dst));
  (void)(*src)->Exec("COMMIT");
  // A single self-contained file: no -wal needed beside it.
  SAFESHARE_RETURN_IF_ERROR((*dst)->Exec("PRAGMA journal_mode=DELETE"));
  return CheckCopy(**dst, partial, keys);
}

}  // namespace

absl::StatusOr<BackupReport> BackupStore(const std::filesystem::path& from,
                                         const std::filesystem::path& to, bool force,
                                         const DataKeys& keys) {
  if (!std::filesystem::exists(from)) return absl::NotFoundError("no store at " + from.string());
  if (std::filesystem::exists(to) && !force) {
    return absl::AlreadyExistsError(to.string() +
                                    " exists; choose another file or pass --force to replace it");
  }
  const std::filesystem::path partial = to.string() + ".partial";
  std::error_code ec;
  for (const char* suffix : {"", "-journal", "-wal", "-shm"}) {
    std::filesystem::remove(partial.string() + suffix, ec);  // a failed earlier attempt
  }
  auto report = WriteCopy(from, partial, keys);
  if (auto synced = report.ok() ? SyncPath(partial, O_RDONLY) : absl::OkStatus(); !synced.ok()) {
    report = synced;
  }
  if (report.ok()) std::filesystem::rename(partial, to, ec);
  if (report.ok() && ec) report = absl::UnavailableError("cannot rename to " + to.string());
  if (!report.ok()) {
    std::filesystem::remove(partial, ec);
    return report;
  }
  const auto dir = to.has_parent_path() ? to.parent_path() : std::filesystem::path(".");
  SAFESHARE_RETURN_IF_ERROR(SyncPath(dir, O_RDONLY | O_DIRECTORY));
  return report;
}

}  // namespace safeshare::store
