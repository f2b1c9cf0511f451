#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "absl/status/statusor.h"
#include "broker/core/data_keys.h"

namespace safeshare::store {

// What a backup holds, counted in the copy after it was checked.
struct BackupReport {
  int64_t notifications = 0;
  int64_t audit_entries = 0;
  std::string audit_head;       // entry_hash of the newest audit entry (genesis when none)
  int64_t bodies_verified = 0;  // notification bodies and views matching their content hash
};

// Copies the store at `from` (which a broker may be writing) to `to` with
// SQLite's online backup API, from one read snapshot, so the copy is a
// consistent committed state; the broker's writer is not blocked (WAL lets it
// commit while the snapshot is read). The copy is written beside `to`, set to
// a self-contained rollback-journal file, checked with PRAGMA integrity_check
// and its newest audit entries and every notification body (against its
// content hash) verified, synced, and only then renamed to
// `to`. ALREADY_EXISTS when `to` exists and not `force`; NOT_FOUND when there
// is no store at `from`; DATA_LOSS when the copy fails
// its check (naming how many bodies failed and their first sequences).
// `keys` open the bodies for the check; the copy keeps them sealed as they are.
absl::StatusOr<BackupReport> BackupStore(const std::filesystem::path& from,
                                         const std::filesystem::path& to, bool force,
                                         const DataKeys& keys);

}  // namespace safeshare::store
