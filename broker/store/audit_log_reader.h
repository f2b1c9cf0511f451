#pragma once

#include <filesystem>
#include <vector>

#include "absl/status/statusor.h"
#include "broker/audit/audit_entry.h"

namespace safeshare::store {

// Reads the whole audit log of the store at `path`, read-only (safe while a
// broker is writing to it). NOT_FOUND if there is no store there.
absl::StatusOr<std::vector<audit::Entry>> ReadAuditLog(const std::filesystem::path& path);

}  // namespace safeshare::store
