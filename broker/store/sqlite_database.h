#pragma once

#include <filesystem>

#include "broker/store/database.h"

namespace safeshare::store {

// One SQLite file (WAL, synchronous=FULL) written by one broker: its writer
// thread is the append lock (BEGIN IMMEDIATE). Opening the writer checks
// the file's pages and newest audit entries and creates or upgrades the
// schema (store_check.h).
class SqliteDatabase final : public Database {
 public:
  explicit SqliteDatabase(std::filesystem::path path);

  std::string Name() const override { return "store " + path_.string(); }
  const Dialect& dialect() const override { return dialect_; }
  absl::StatusOr<std::unique_ptr<Connection>> OpenWriter() const override;
  absl::StatusOr<std::unique_ptr<Connection>> OpenReader() const override;
  // PRAGMA wal_checkpoint(TRUNCATE) without waiting for readers. With
  // secure_delete the freed bytes were zeroed, so afterwards neither file
  // holds deleted content.
  absl::StatusOr<bool> ScrubLog(Connection& writer) const override;
  // The read-only pool closes last and cannot checkpoint, so without this
  // the committed data would stay in the -wal file after a clean stop.
  void AtClose(Connection& writer) const override;
  absl::Status AtStartUp(const absl::Status& status) const override;

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  Dialect dialect_;
};

// PRAGMA wal_checkpoint(TRUNCATE) on `db` as it is configured (its busy
// timeout): true when the log was copied into the file and truncated,
// false when a reader kept it from finishing.
absl::StatusOr<bool> TruncateLog(Connection& db);

}  // namespace safeshare::store
