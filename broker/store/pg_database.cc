#include "broker/store/pg_database.h"

#include <libpq-fe.h>

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

}  // namespace

PostgresDatabase::PostgresDatabase(PgParams params)
    : params_(std::move(params)),
      name_(NameOf(params_.dsn)),
      dialect_{"BEGIN",
               absl::StrCat("SELECT pg_advisory_xact_lock(", kPgAppendLock, ")"),
               "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
               "SET synchronous_commit=off",
               "SET synchronous_commit=on",
               /*shared=*/true} {}

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
