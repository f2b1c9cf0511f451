#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "broker/store/sql.h"

namespace safeshare::store {

// Where a SqlStore keeps its data, and what differs between the databases it
// runs on: SqliteDatabase (one file, one broker: the default) and
// PostgresDatabase (one database shared by several brokers). Thread-safe.
class Database {
 public:
  // The SQL that differs between databases.
  struct Dialect {
    // Starts a write transaction holding the store-wide append lock, under
    // which sequences and audit ids are assigned, so they commit in order
    // and a reader never sees N+1 before N.
    std::string begin_write;
    // Run right after begin_write where the lock is a statement of its own
    // (PostgreSQL's transaction-scoped advisory lock); "" where begin_write
    // takes it.
    std::string append_lock;
    // Starts a read transaction that sees one committed state throughout.
    std::string begin_read;
    // Around the audit index's own transactions, which may be refiled from
    // the log and so need not wait for the disk.
    std::string sync_lazily, sync_fully;
    // Whether other processes may append to the same database: the writer
    // then reads the heads (latest sequence, audit id and hash) under the
    // append lock at the start of each transaction instead of keeping them.
    bool shared = false;
  };

  virtual ~Database() = default;

  // Names the database in messages and logs (never a password).
  virtual std::string Name() const = 0;
  virtual const Dialect& dialect() const = 0;
  // The writer's connection, the schema created, upgraded or checked first.
  virtual absl::StatusOr<std::unique_ptr<Connection>> OpenWriter() const = 0;
  virtual absl::StatusOr<std::unique_ptr<Connection>> OpenReader() const = 0;
  // Outside a transaction, after content was deleted: makes sure no freed
  // copy of it is left in a log beside the data (SQLite: a truncating WAL
  // checkpoint). false: a reader kept it from finishing; try later.
  virtual absl::StatusOr<bool> ScrubLog(Connection& writer) const = 0;
  // Before the writer's connection closes at a clean stop (SQLite: the
  // write-ahead log copied into the file). Logs what it could not do.
  virtual void AtClose(Connection& writer) const { (void)writer; }
  // Wraps an error found while opening, to say how to recover (a damaged
  // SQLite file: restore it from a backup).
  virtual absl::Status AtStartUp(const absl::Status& status) const { return status; }
};

}  // namespace safeshare::store
