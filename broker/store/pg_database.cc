#include "broker/store/pg_database.h"

#include <libpq-fe.h>

#include <random>
#include <utility>

#include "absl/strings/str_cat.h"
#include "broker/core/logging.h"
#include "broker/core/status_macros.h"
#include "broker/store/pg_schema_sql.h"
#include "broker/store/store_check.h"

namespace safeshare::store {
namespace {

// "PostgreSQL database DB on HOST:PORT as USER", from the connection
// string (never its password); libpq's defaults where it names none.
std::string NameOf(const std::string& dsn) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(dsn.c_str(), &error);
  if (options == nullptr) {
    PQfreemem(error);
    return "PostgreSQL database (connection string does not parse)";
  }
  std::string db, host, port, user;
  for (auto* o = options; o->keyword != nullptr; ++o) {
    const std::string key = o->keyword, value = o->val != nullptr ? o->val : "";
    if (key == "dbname") db = value;
    if (key == "host" || (key == "hostaddr" && host.empty())) host = value;
    if (key == "port") port = value;
    if (key == "user") user = value;
  }
  PQconninfoFree(options);
  std::string name = "PostgreSQL database " + (db.empty() ? std::string("(default)") : db);
  if (!host.empty()) absl::StrAppend(&name, " on ", host, port.empty() ? "" : ":" + port);
  if (!user.empty()) absl::StrAppend(&name, " as ", user);
  return name;
}

// Inside the migration transaction: brings the schema to kPgSchemaVersion.
absl::Status Migrate(Connection& db, const std::string& name) {
  SAFESHARE_RETURN_IF_ERROR(
      db.Exec("CREATE TABLE IF NOT EXISTS safeshare_schema(version INTEGER NOT NULL)"));
  auto version = db.QueryInt("SELECT coalesce(max(version),0) FROM safeshare_schema");
  if (!version.ok()) return version.status();
  if (*version > kPgSchemaVersion) {
    return absl::FailedPreconditionError(absl::StrCat(
        name, " has schema version ", *version, "; this build reads version ", kPgSchemaVersion,
        " only: it was migrated by a newer safeshare-broker; run that build (or newer)"));
  }
  for (int64_t v = *version; v < kPgSchemaVersion; ++v) {
    SAFESHARE_RETURN_IF_ERROR(db.Exec(kPgMigrations[v]));
  }
  if (*version < kPgSchemaVersion) {
    SAFESHARE_RETURN_IF_ERROR(db.Exec("DELETE FROM safeshare_schema"));
    SAFESHARE_RETURN_IF_ERROR(
        db.Exec(absl::StrCat("INSERT INTO safeshare_schema VALUES(", kPgSchemaVersion, ")")));
    ModuleLogger("store")->info("{}: schema {} from version {} to {}", name,
                                *version == 0 ? "created" : "migrated", *version, kPgSchemaVersion);
  }
  return absl::OkStatus();
}

// A listening connection, reopened when lost.
class PgCommitWatch final : public CommitWatch {
 public:
  PgCommitWatch(PgParams params, std::string own)
      : params_(std::move(params)), own_(std::move(own)) {}

  absl::StatusOr<std::vector<ForeignCommit>> Wait(std::chrono::milliseconds timeout) override {
    if (conn_ == nullptr) return Connect();
    auto got = conn_->Wait(timeout);
    if (!got.ok()) {
      conn_.reset();  // reconnected at the next Wait
      return got.status();
    }
    std::vector<ForeignCommit> out;
    for (const auto& n : *got) {
      if (auto commit = ReadAnnouncement(n.payload, own_)) out.push_back(std::move(*commit));
    }
    return out;
  }

 private:
  // Listens, then reports the latest sequence for every agency and every
  // routing fact: whatever was committed while nobody listened is read from
  // the store.
  absl::StatusOr<std::vector<ForeignCommit>> Connect() {
    auto conn = PgConnection::Open(params_, /*read_only=*/true);
    if (!conn.ok()) return conn.status();
    SAFESHARE_RETURN_IF_ERROR((*conn)->Listen(kPgCommitChannel));
    auto latest = (*conn)->QueryInt("SELECT coalesce(max(seq),0) FROM notifications");
    if (!latest.ok()) return latest.status();
    conn_ = std::move(*conn);
    ForeignCommit everything{Sequence(static_cast<uint64_t>(*latest)), {}, {}};
    everything.routing.everything = true;
    return std::vector<ForeignCommit>{std::move(everything)};
  }

  const PgParams params_;
  const std::string own_;
  std::unique_ptr<PgConnection> conn_;
};

// A session-scoped advisory lock on a connection of its own. Each Held()
// asks the server whether this session holds the lock, and tries to take it
// when not, so a connection reopened underneath (PgConnection reconnects by
// itself) is noticed rather than trusted.
class PgDutyClaim final : public DutyClaim {
 public:
  PgDutyClaim(PgParams params, Duty duty)
      : params_(std::move(params)),
        sql_(
            absl::StrCat("SELECT CASE WHEN EXISTS(SELECT 1 FROM pg_locks WHERE locktype='advisory'",
                         " AND pid=pg_backend_pid() AND classid=", kPgDutyLocks,
                         " AND objid=", static_cast<int32_t>(duty),
                         " AND objsubid=2 AND granted) THEN 1 WHEN pg_try_advisory_lock(",
                         kPgDutyLocks, ",", static_cast<int32_t>(duty), ") THEN 1 ELSE 0 END")) {}

  bool Held() override {
    if (conn_ == nullptr) {
      auto conn = PgConnection::Open(params_, /*read_only=*/false);
      if (!conn.ok()) return false;
      conn_ = std::move(*conn);
    }
    auto held = conn_->QueryInt(sql_);
    if (!held.ok()) conn_.reset();
    return held.ok() && *held == 1;
  }

 private:
  const PgParams params_;
  const std::string sql_;
  std::unique_ptr<PgConnection> conn_;
};

std::string RandomOrigin() {
  std::random_device random;
  std::string origin;
  for (int i = 0; i < 4; ++i) absl::StrAppend(&origin, absl::Hex(random(), absl::kZeroPad8));
  return origin;
}

}  // namespace

std::unique_ptr<CommitWatch> PostgresDatabase::WatchCommits() const {
  return std::make_unique<PgCommitWatch>(params_, origin_);
}

std::unique_ptr<DutyClaim> PostgresDatabase::ClaimDuty(Duty duty) const {
  return std::make_unique<PgDutyClaim>(params_, duty);
}

PostgresDatabase::PostgresDatabase(PgParams params)
    : params_(std::move(params)),
      name_(NameOf(params_.dsn)),
      origin_(RandomOrigin()),
      dialect_{"BEGIN",
               absl::StrCat("SELECT pg_advisory_xact_lock(", kPgAppendLock, ")"),
               "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
               "SET synchronous_commit=off",
               "SET synchronous_commit=on",
               /*shared=*/true,
               absl::StrCat("SELECT pg_notify('", kPgCommitChannel, "', ?1)")} {}

absl::StatusOr<std::unique_ptr<Connection>> PostgresDatabase::OpenWriter() const {
  auto db = PgConnection::Open(params_, /*read_only=*/false);
  if (!db.ok()) return db.status();
  auto& conn = **db;
  SAFESHARE_RETURN_IF_ERROR(
      conn.Exec(absl::StrCat("BEGIN; SELECT pg_advisory_xact_lock(", kPgMigrationLock, ")")));
  if (auto migrated = Migrate(conn, name_); !migrated.ok()) {
    (void)conn.Exec("ROLLBACK");
    return migrated;
  }
  SAFESHARE_RETURN_IF_ERROR(conn.Exec("COMMIT"));
  SAFESHARE_RETURN_IF_ERROR(CheckAuditHead(conn));
  return std::unique_ptr<Connection>(std::move(*db));
}

absl::StatusOr<std::unique_ptr<Connection>> PostgresDatabase::OpenReader() const {
  auto db = PgConnection::Open(params_, /*read_only=*/true);
  if (!db.ok()) return db.status();
  return std::unique_ptr<Connection>(std::move(*db));
}

absl::StatusOr<bool> PostgresDatabase::ScrubLog(Connection& writer) const {
  SAFESHARE_RETURN_IF_ERROR(writer.Exec("VACUUM (SKIP_LOCKED) notifications, views"));
  return true;
}

}  // namespace safeshare::store
