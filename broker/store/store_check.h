#pragma once

#include <filesystem>

#include "absl/status/status.h"
#include "broker/store/sql.h"

namespace safeshare::store {

// The start-up check of the store at `path`, through its write connection,
// before anything is written: `PRAGMA quick_check` (every page and b-tree is
// read: O(file size), see README.md for the time per GB), the schema version
// (a new file gets the schema and kSchemaVersion; any other version is
// FAILED_PRECONDITION naming the version found and the one expected) and the
// last kAuditHeadEntries audit entries (consecutive ids, linked, each hash
// recomputing). Damage is DATA_LOSS with the message Damaged() makes.
// `depth` kIntegrity runs `PRAGMA integrity_check` instead (also checks
// that every index matches its table; slower), as a backup does.
enum class PageCheck { kQuick, kIntegrity };
absl::Status CheckAndPrepareStore(Connection& db, const std::filesystem::path& path,
                                  PageCheck depth = PageCheck::kQuick);

// How many of the newest audit entries the start-up check verifies.
inline constexpr int kAuditHeadEntries = 64;

// The newest kAuditHeadEntries audit entries: consecutive ids, linked, each
// hash recomputing (DATA_LOSS otherwise). Every database checks this at
// start-up.
absl::Status CheckAuditHead(Connection& db);

// DATA_LOSS "store <path> is damaged: <what>; restore it from a backup ...".
absl::Status Damaged(const std::filesystem::path& path, std::string_view what);

}  // namespace safeshare::store
