#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "absl/status/statusor.h"

struct sqlite3;
struct sqlite3_stmt;

namespace safeshare::store {

// A prepared statement. Bind*() indexes start at 1. Reset() after each use;
// the owning connection must outlive it. Not thread-safe.
class Statement {
 public:
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&&) = delete;
  ~Statement();

  Statement& Bind(int index, int64_t value);
  Statement& Bind(int index, std::string_view text);
  Statement& BindBlob(int index, std::string_view bytes);

  // Steps once: true when a row is available, false when done.
  absl::StatusOr<bool> Step();
  // Steps to completion (for statements returning no rows) and resets.
  absl::Status Run();
  void Reset();

  int64_t Int(int column) const;
  std::string Text(int column) const;
  std::string_view View(int column) const;  // valid until the next Step/Reset

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_;
};

// Steps a bound statement to the end, converting each row with `convert`
// (Statement -> T, or -> absl::StatusOr<T> for a row that may not convert:
// its error is then the result); resets it after.
template <typename T, typename F>
absl::StatusOr<std::vector<T>> CollectRows(Statement& s, F convert) {
  std::vector<T> out;
  while (true) {
    auto row = s.Step();
    if (!row.ok() || !*row) {
      s.Reset();
      if (!row.ok()) return row.status();
      return out;
    }
    if constexpr (std::is_same_v<std::invoke_result_t<F, const Statement&>, absl::StatusOr<T>>) {
      auto value = convert(s);
      if (!value.ok()) {
        s.Reset();
        return value.status();
      }
      out.push_back(std::move(*value));
    } else {
      out.push_back(convert(s));
    }
  }
}

// How long a connection waits for a lock another holds before SQLITE_BUSY.
inline constexpr int kBusyTimeoutMs = 5000;

// One SQLite connection. Not thread-safe: each thread uses its own.
class Connection {
 public:
  // Opens (creating if absent) with WAL and synchronous=FULL, so a committed
  // transaction has been fdatasync'ed before Exec("COMMIT") returns; a
  // writable one with secure_delete, so bytes a write frees (a body deleted
  // under retention, one resealed by rekey) are overwritten with zeros.
  static absl::StatusOr<std::unique_ptr<Connection>> Open(const std::filesystem::path& path,
                                                          bool read_only);
  ~Connection();

  absl::Status Exec(const std::string& sql);
  absl::StatusOr<Statement> Prepare(std::string_view sql);
  // The integer in the first column of the first row of `sql` (0 if none).
  absl::StatusOr<int64_t> QueryInt(std::string_view sql);
  // Rows the last INSERT, UPDATE or DELETE changed (0 for an ignored one).
  int64_t Changes() const;
  sqlite3* raw() const { return db_; }

 private:
  explicit Connection(sqlite3* db) : db_(db) {}
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
