#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "absl/status/statusor.h"
#include "broker/store/sql.h"

struct pg_conn;
struct pg_result;

namespace safeshare::store {

// How to reach PostgreSQL: a libpq connection string (keywords or a
// postgresql:// URI) and the password, kept apart from it so that it never
// appears in a config file or a log line.
struct PgParams {
  std::string dsn;
  std::string password;  // "": libpq's own (PGPASSWORD, ~/.pgpass)
};

// One libpq connection. Statements are prepared on the server once per
// connection and SQL text (`?N` rewritten to `$N`); integers are sent as
// text, strings and blobs as bytes (binary format, so a NUL or any byte
// survives); rows come back as text, bytea decoded.
//
// A lost connection (the server restarted, a network failure) fails what
// was running UNAVAILABLE and is reopened by the next statement run outside
// a transaction, its statements prepared again, so the broker recovers by
// itself when the database returns. Not thread-safe.
class PgConnection final : public Connection {
 public:
  static absl::StatusOr<std::unique_ptr<PgConnection>> Open(const PgParams& params, bool read_only);
  ~PgConnection() override;
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  absl::Status Exec(const std::string& sql) override;
  absl::StatusOr<Statement> Prepare(std::string_view sql) override;
  int64_t Changes() const override { return changes_; }

  // LISTEN on `channel`; Wait then answers its notifications.
  absl::Status Listen(const std::string& channel);
  struct Notification {
    std::string channel, payload;
  };
  // The notifications that arrived, waiting up to `timeout` for the first.
  // UNAVAILABLE once the connection is lost (reopen it and Listen again).
  absl::StatusOr<std::vector<Notification>> Wait(std::chrono::milliseconds timeout);

  // For statements: runs `sql` (already in `$N` form) with the bound
  // parameters (nullptr: NULL); formats 0 text, 1 binary. The result, owned
  // by the caller (PQclear), has rows or is a completed command.
  absl::StatusOr<pg_result*> Execute(const std::string& sql, const std::vector<const char*>& values,
                                     const std::vector<int>& lengths,
                                     const std::vector<int>& formats);

 private:
  PgConnection(PgParams params, bool read_only)
      : params_(std::move(params)), read_only_(read_only) {}
  absl::Status Connect();
  // Before running anything: reopens a lost connection unless a
  // transaction was open on it (then UNAVAILABLE: the caller rolls back,
  // and the next transaction reconnects).
  absl::Status Usable();
  // Runs `run` on a usable connection. A connection found lost by a command
  // run outside a transaction is reopened and the command run once more:
  // outside a transaction the store runs only reads and idempotent
  // settings, so a command that did reach the server may safely run again.
  absl::StatusOr<pg_result*> Retrying(const std::function<absl::StatusOr<pg_result*>()>& run);
  // The server-side name of `sql`'s prepared statement, preparing it first.
  absl::StatusOr<std::string> PreparedName(const std::string& sql);
  // Converts a finished result: OK (then the caller owns it) or its error
  // (freed here).
  absl::StatusOr<pg_result*> Checked(pg_result* result, std::string_view what);

  const PgParams params_;
  const bool read_only_;
  pg_conn* conn_ = nullptr;
  bool in_transaction_ = false;  // as of the last command run
  int64_t changes_ = 0;
  std::unordered_map<std::string, std::string> prepared_;  // SQL -> statement name
  uint64_t next_name_ = 0;
};

// `sql` with SQLite's `?N` and `?` parameters written as PostgreSQL's `$N`
// (outside quoted strings) and without SQLite's planner hints (`INDEXED BY
// name`); `count`, if given: the highest N.
std::string PgPlaceholders(std::string_view sql, int* count = nullptr);

// A failed PostgreSQL command as GroupCommit's Classify understands it (see
// Connection): class 23 (integrity) ABORTED; disk full RESOURCE_EXHAUSTED;
// connection failures, serialization failures, deadlocks, lock timeouts,
// shutdowns and too many connections UNAVAILABLE; data corruption
// DATA_LOSS; anything else INTERNAL. `sqlstate` may be empty (no result:
// the connection failed).
absl::Status PgError(std::string_view sqlstate, std::string_view message, std::string_view what);

}  // namespace safeshare::store
