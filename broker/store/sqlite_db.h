#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "broker/store/sql.h"

struct sqlite3;

namespace safeshare::store {

// How long a connection waits for a lock another holds before SQLITE_BUSY.
inline constexpr int kBusyTimeoutMs = 5000;

// One SQLite connection. Not thread-safe: each thread uses its own.
class SqliteConnection final : public Connection {
 public:
  // Opens (creating if absent) with WAL and synchronous=FULL, so a committed
  // transaction has been fdatasync'ed before Exec("COMMIT") returns; a
  // writable one with secure_delete, so bytes a write frees (a body deleted
  // under retention, one resealed by rekey) are overwritten with zeros.
  static absl::StatusOr<std::unique_ptr<SqliteConnection>> Open(const std::filesystem::path& path,
                                                                bool read_only);
  ~SqliteConnection() override;

  absl::Status Exec(const std::string& sql) override;
  absl::StatusOr<Statement> Prepare(std::string_view sql) override;
  int64_t Changes() const override;
  sqlite3* raw() const { return db_; }

 private:
  explicit SqliteConnection(sqlite3* db) : db_(db) {}
  sqlite3* db_;
};

// Maps an SQLite result code to a Status that GroupCommit's Classify
// understands: SQLITE_FULL -> RESOURCE_EXHAUSTED and busy/locked ->
// UNAVAILABLE (transient), a constraint -> ABORTED (that operation only),
// SQLITE_CORRUPT and SQLITE_NOTADB -> DATA_LOSS ("store corruption
// detected: ...", also logged at critical level) and I/O or anything else
// -> INTERNAL (fatal).
absl::Status SqliteError(sqlite3* db, int code, std::string_view what);

}  // namespace safeshare::store
