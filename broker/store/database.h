#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "broker/store/records.h"
#include "broker/store/sql.h"

namespace safeshare::store {

// Tells a broker what other brokers on its database committed (PostgreSQL:
// LISTEN/NOTIFY). Used by one thread.
class CommitWatch {
 public:
  virtual ~CommitWatch() = default;
  // Foreign commits that arrived, waiting up to `timeout` for the first.
  // After (re)connecting it answers one ForeignCommit for every agency at
  // the latest sequence, with every routing fact changed, since commits may
  // have gone unheard meanwhile.
  virtual absl::StatusOr<std::vector<ForeignCommit>> Wait(std::chrono::milliseconds timeout) = 0;
};

// This broker's claim on a Duty. Used by one thread at a time.
class DutyClaim {
 public:
  virtual ~DutyClaim() = default;
  // Whether this broker holds the duty now, taking it when it is free:
  // another broker's claim ends with its database session (it stopped, was
  // killed or lost the database). A claim only spreads the work: the work
  // itself must be safe to do twice, since a broker cut off from the
  // database holds its claim until it notices.
  virtual bool Held() = 0;
};

// This broker's claims on consuming subscriptions: the broker whose stream
// of a subscription is active holds its claim, so brokers sharing a
// database never deliver one subscription on two streams at once. Used by
// one thread at a time.
class SubscriptionClaims {
 public:
  virtual ~SubscriptionClaims() = default;
  // Whether this broker holds the claim on (agency, name) now, taking it
  // when it is free. A claim held before and found lost since (its database
  // session ended, so another broker may have taken it meanwhile) answers
  // false, even when it could be taken again at once: the caller stops
  // delivering on it first, then releases it and may take it anew.
  virtual bool Take(const AgencyId& agency, const SubscriptionName& name) = 0;
  // Gives the claim up (nothing when not held). Forgets that it was lost.
  virtual void Release(const AgencyId& agency, const SubscriptionName& name) = 0;
};

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
    // With `shared`: run before a commit that stored notifications, with
    // ?1 its announcement (CommitAnnouncement), which reaches the other
    // brokers' CommitWatch when the transaction commits.
    std::string announce_commit;
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
  // What other brokers commit, for a shared database (else nullptr). Never
  // reports the commits this Database's own writer announced.
  virtual std::unique_ptr<CommitWatch> WatchCommits() const { return nullptr; }
  // The claim on `duty`; always held where no other broker can share the
  // database.
  virtual std::unique_ptr<DutyClaim> ClaimDuty(Duty duty) const;
  // This broker's subscription claims; always held where no other broker can
  // share the database.
  virtual std::unique_ptr<SubscriptionClaims> ClaimSubscriptions() const;
  // Identifies this Database's writer in its announcements.
  virtual std::string Origin() const { return ""; }
  // Wraps an error found while opening, to say how to recover (a damaged
  // SQLite file: restore it from a backup).
  virtual absl::Status AtStartUp(const absl::Status& status) const { return status; }
};

// The announcement of a commit, "ORIGIN SEQUENCE AGENCIES CASES PERSONS"
// (each list comma-separated, possibly empty; "*" for every routing fact),
// at most kMaxAnnouncement bytes: a longer list of changes is announced as
// "*". And its reading: nullopt when it is not one, or is `own`'s.
inline constexpr size_t kMaxAnnouncement = 7000;  // PostgreSQL's NOTIFY takes < 8000
std::string CommitAnnouncement(const std::string& origin, Sequence through,
                               const std::set<AgencyId>& agencies, const RoutingChanges& routing);
std::optional<ForeignCommit> ReadAnnouncement(std::string_view text, const std::string& own);

}  // namespace safeshare::store
