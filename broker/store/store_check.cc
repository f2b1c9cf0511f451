#include "broker/store/store_check.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "broker/audit/chain.h"
#include "broker/core/logging.h"
#include "broker/core/status_macros.h"
#include "broker/store/audit_rows.h"
#include "broker/store/schema_sql.h"

namespace safeshare::store {
namespace {

// The check reports at most this many problems; one is enough to refuse.
constexpr int kMaxReported = 5;

absl::Status CheckPages(Connection& db, PageCheck depth) {
  const std::string pragma = depth == PageCheck::kQuick ? "quick_check" : "integrity_check";
  auto stmt = db.Prepare("PRAGMA " + pragma + "(" + std::to_string(kMaxReported) + ")");
  if (!stmt.ok()) return stmt.status();
  std::vector<std::string> found;
  for (int i = 0; i <= kMaxReported; ++i) {  // the check returns at most kMaxReported rows
    auto row = stmt->Step();
    if (!row.ok()) {  // SQLite may report damage it meets as an error instead
      return absl::Status(row.status().code(),
                          "PRAGMA " + pragma + " stopped: " + std::string(row.status().message()));
    }
    if (!*row) break;
    // One log line: SQLite separates some findings with newlines.
    found.push_back(absl::StrReplaceAll(stmt->Text(0), {{"\n", " "}}));
  }
  if (found == std::vector<std::string>{"ok"}) return absl::OkStatus();
  return absl::DataLossError("PRAGMA " + pragma + " found: " + absl::StrJoin(found, "; "));
}

// Inside the open transaction: gives a new file the schema, or upgrades a
// version 2 to 12 file in place, one version after the other.
absl::Status CreateOrUpgrade(Connection& db, int64_t version) {
  if (version == 0) SAFESHARE_RETURN_IF_ERROR(db.Exec(kSchemaV2Sql));
  if (version < 3) SAFESHARE_RETURN_IF_ERROR(db.Exec(kUpgradeToV3Sql));
  if (version < 4) SAFESHARE_RETURN_IF_ERROR(db.Exec(kUpgradeToV4Sql));
  if (version < 5) SAFESHARE_RETURN_IF_ERROR(db.Exec(kUpgradeToV5Sql));
  if (version < 6) SAFESHARE_RETURN_IF_ERROR(db.Exec(kUpgradeToV6Sql));
  if (version < 7) SAFESHARE_RETURN_IF_ERROR(db.Exec(kUpgradeToV7Sql));
  if (version < 8) SAFESHARE_RETURN_IF_ERROR(db.Exec(kUpgradeToV8Sql));
  if (version < 9) SAFESHARE_RETURN_IF_ERROR(db.Exec(kUpgradeToV9Sql));
  if (version < 10) SAFESHARE_RETURN_IF_ERROR(db.Exec(kUpgradeToV10Sql));
  if (version < 11) SAFESHARE_RETURN_IF_ERROR(db.Exec(kUpgradeToV11Sql));
  if (version < 12) SAFESHARE_RETURN_IF_ERROR(db.Exec(kUpgradeToV12Sql));
  SAFESHARE_RETURN_IF_ERROR(db.Exec(kUpgradeToV13Sql));
  SAFESHARE_RETURN_IF_ERROR(db.Exec("PRAGMA user_version=" + std::to_string(kSchemaVersion)));
  SAFESHARE_RETURN_IF_ERROR(db.Exec("COMMIT"));
  if (version != 0) {
    ModuleLogger("store")->info("store upgraded from schema version {} to {}", version,
                                kSchemaVersion);
  }
  return absl::OkStatus();
}

absl::Status RefuseVersion(const std::filesystem::path& path, int64_t found) {
  const std::string expected = std::to_string(kSchemaVersion);
  const std::string where = "store " + path.string() + " has schema version " +
                            std::to_string(found) + "; this build reads version " + expected;
  if (found > kSchemaVersion) {
    return absl::FailedPreconditionError(
        where + " only: it was written by a newer safeshare-broker; run that build (or newer)");
  }
  return absl::FailedPreconditionError(
      where +
      " only and cannot read or convert older stores: keep this file (its audit trail "
      "verifies with the build that wrote it) and start this build on a new store path");
}

// Creates the schema in a new file, upgrades a version 2 to 6 file (in one
// transaction: a failed upgrade leaves it as it was), or checks the version.
absl::Status PrepareSchema(Connection& db, const std::filesystem::path& path) {
  SAFESHARE_RETURN_IF_ERROR(db.Exec("BEGIN IMMEDIATE"));
  auto version = db.QueryInt("PRAGMA user_version");
  auto tables = db.QueryInt("SELECT count(*) FROM sqlite_master");
  absl::Status status = !version.ok() ? version.status() : tables.status();
  if (status.ok() &&
      ((*version == 0 && *tables == 0) || (*version >= 2 && *version < kSchemaVersion))) {
    status = CreateOrUpgrade(db, *version);
    if (status.ok()) return status;
  }
  if (!status.ok()) {
    (void)db.Exec("ROLLBACK");
    return status;
  }
  SAFESHARE_RETURN_IF_ERROR(db.Exec("COMMIT"));
  const int64_t found = *version == 0 ? 1 : *version;  // version 1 files were unversioned
  return found == kSchemaVersion ? absl::OkStatus() : RefuseVersion(path, found);
}

}  // namespace

absl::Status CheckAuditHead(Connection& db) {
  auto tail =
      db.Prepare(std::string("SELECT ") + kAuditColumns + " FROM audit a ORDER BY id DESC LIMIT " +
                 std::to_string(kAuditHeadEntries));
  if (!tail.ok()) return tail.status();
  auto read = CollectRows<audit::Entry>(*tail, AuditEntryFromRow);
  if (!read.ok()) return read.status();
  auto& entries = *read;
  if (entries.empty()) return absl::OkStatus();
  std::reverse(entries.begin(), entries.end());
  for (size_t i = 1; i < entries.size(); ++i) {
    if (entries[i].id != entries[i - 1].id + 1) {
      return absl::DataLossError("audit entry " + std::to_string(entries[i - 1].id + 1) +
                                 " is missing from the newest entries");
    }
  }
  const auto& first = entries.front();
  auto verified = audit::VerifyChain(
      entries, first.id == 1 ? std::string(audit::kGenesisHash) : first.prev_hash);
  if (verified.ok()) return verified;
  return absl::DataLossError("the newest audit entries do not verify: " +
                             std::string(verified.message()));
}

absl::Status Damaged(const std::filesystem::path& path, std::string_view what) {
  return absl::DataLossError(
      "store " + path.string() + " is damaged: " + std::string(what) +
      "; restore it from a backup (safeshare-broker backup): stop the broker, delete " +
      path.string() + "-wal and -shm, copy the backup to " + path.string() + " and start again");
}

absl::Status CheckAndPrepareStore(Connection& db, const std::filesystem::path& path,
                                  PageCheck depth) {
  SAFESHARE_RETURN_IF_ERROR(CheckPages(db, depth));
  SAFESHARE_RETURN_IF_ERROR(PrepareSchema(db, path));
  return CheckAuditHead(db);
}

}  // namespace safeshare::store
