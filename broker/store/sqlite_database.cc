#include "broker/store/sqlite_database.h"

#include <utility>

#include "broker/core/logging.h"
#include "broker/core/status_macros.h"
#include "broker/store/sqlite_db.h"
#include "broker/store/store_check.h"

namespace safeshare::store {

SqliteDatabase::SqliteDatabase(std::filesystem::path path)
    : path_(std::move(path)), dialect_{"BEGIN IMMEDIATE",
                                       "",
                                       "BEGIN",
                                       "PRAGMA synchronous=NORMAL",
                                       "PRAGMA synchronous=FULL",
                                       /*shared=*/false} {}

absl::StatusOr<std::unique_ptr<Connection>> SqliteDatabase::OpenWriter() const {
  if (path_.has_parent_path()) {
    std::error_code ec;
    std::filesystem::create_directories(path_.parent_path(), ec);
    if (ec) {
      return absl::UnavailableError("cannot create store directory " +
                                    path_.parent_path().string() + ": " + ec.message());
    }
  }
  auto db = SqliteConnection::Open(path_, /*read_only=*/false);
  if (!db.ok()) return db.status();
  SAFESHARE_RETURN_IF_ERROR(CheckAndPrepareStore(**db, path_));
  return std::unique_ptr<Connection>(std::move(*db));
}

absl::StatusOr<std::unique_ptr<Connection>> SqliteDatabase::OpenReader() const {
  auto db = SqliteConnection::Open(path_, /*read_only=*/true);
  if (!db.ok()) return db.status();
  return std::unique_ptr<Connection>(std::move(*db));
}

absl::StatusOr<bool> SqliteDatabase::ScrubLog(Connection& writer) const {
  // Readers hold old snapshots only briefly; wait for none of them here,
  // where every write is waiting behind the checkpoint.
  SAFESHARE_RETURN_IF_ERROR(writer.Exec("PRAGMA busy_timeout=0"));
  auto truncated = TruncateLog(writer);
  SAFESHARE_RETURN_IF_ERROR(writer.Exec("PRAGMA busy_timeout=" + std::to_string(kBusyTimeoutMs)));
  if (!truncated.ok() && absl::IsUnavailable(truncated.status())) return false;
  return truncated;
}

void SqliteDatabase::AtClose(Connection& writer) const {
  auto truncated = TruncateLog(writer);
  if (!truncated.ok() || !*truncated) {
    ModuleLogger("store")->warn(
        "could not checkpoint the write-ahead log on close ({}); the data stays in the -wal file, "
        "which must be kept with the store",
        truncated.ok() ? "a reader was busy" : truncated.status().ToString());
  }
}

absl::Status SqliteDatabase::AtStartUp(const absl::Status& status) const {
  // Corruption found while opening means the file is damaged: say how to restore.
  return absl::IsDataLoss(status) ? Damaged(path_, std::string(status.message())) : status;
}

absl::StatusOr<bool> TruncateLog(Connection& db) {
  auto checkpoint = db.Prepare("PRAGMA wal_checkpoint(TRUNCATE)");
  if (!checkpoint.ok()) return checkpoint.status();
  auto row = checkpoint->Step();
  if (!row.ok()) return row.status();
  return !*row || checkpoint->Int(0) == 0;  // column 0: 1 when a reader kept it from finishing
}

}  // namespace safeshare::store
