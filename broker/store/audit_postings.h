#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "broker/store/sql.h"

// The rows of the SQLite store's audit index (schema 6): `audit_postings`
// holds, per key (audit_keys.h) and per filing batch, one row with the ids
// of the batch's entries filed under that key: (key, last_id, first_id,
// ids), `ids` the gaps between one id and the next after first_id as
// unsigned LEB128 varints. One row per key per batch rather than one per
// key and entry: a batch of 256 entries writes a few hundred rows instead
// of several thousand (tests/bench/README.md, "Posting lists").
namespace safeshare::store {

// The gaps after ids[0] of `ids` (ascending, at least one), encoded.
std::string EncodeIdGaps(const std::vector<int64_t>& ids);

// The ids of a row: `first` and the ones its `gaps` lead to, appended to
// `out` in order. DATA_LOSS when the gaps do not decode (a damaged row).
absl::Status DecodeIdGaps(int64_t first, std::string_view gaps, std::vector<int64_t>& out);

// The ids filed under one key, in order, read a row at a time from the
// index on `db` (inside the caller's read transaction).
class PostingCursor {
 public:
  static constexpr int64_t kEnd = std::numeric_limits<int64_t>::max();

  static absl::StatusOr<PostingCursor> Open(Connection& db, std::string key);

  // The first id filed under the key that is `id` or after it; kEnd when
  // there is none. Calls must not go back: each `id` at least the last.
  absl::StatusOr<int64_t> Seek(int64_t id);

 private:
  PostingCursor(Statement row, std::string key) : row_(std::move(row)), key_(std::move(key)) {}

  Statement row_;  // the key's first row whose last_id is ?2 or after
  std::string key_;
  std::vector<int64_t> ids_;  // the row read last
  size_t next_ = 0;           // ids_[next_] is the first not passed yet
};

}  // namespace safeshare::store
