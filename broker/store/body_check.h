#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "broker/core/data_keys.h"

namespace safeshare::store {

class Connection;

// The result of checking every notification body of a store, and every
// redacted view of one, against its stored content hash. Names sequences
// only (a damaged view names its notification's), never content.
struct BodyCheckReport {
  int64_t checked = 0;
  int64_t failed = 0;
  // Notifications whose content retention deleted (nothing left to check;
  // their views are gone with it).
  int64_t deleted = 0;
  std::vector<int64_t> first_failed;  // the lowest failing sequences, at most kMaxNamed

  static constexpr size_t kMaxNamed = 5;
  bool ok() const { return failed == 0; }
  // "F of N notification bodies do not match their content hash (first:
  // sequence 2, 7)".
  std::string Describe() const;
};

// Reads every notification (seq, body, content_hash) of `db` in one pass, in
// sequence order, then every view likewise, opens each body with `keys`
// (body_seal.h; a key not loaded is FAILED_PRECONDITION, a body that does
// not authenticate a mismatch) and recomputes each body's hash;
// `checked` counts both, `deleted` the notifications retention emptied. An error only when the
// rows cannot be read; a mismatch is reported, not an error.
absl::StatusOr<BodyCheckReport> CheckBodies(Connection& db, const DataKeys& keys);

// The same for the store file at `path`, opened read-only (safe while a
// broker is writing to it; the check then sees one committed state).
// NOT_FOUND if there is no store there.
absl::StatusOr<BodyCheckReport> CheckStoreBodies(const std::filesystem::path& path,
                                                 const DataKeys& keys);

}  // namespace safeshare::store
