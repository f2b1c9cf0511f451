#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "broker/core/data_keys.h"

namespace safeshare::store {

struct RekeyReport {
  int64_t notifications = 0;  // bodies resealed under the current key
  int64_t views = 0;
  int64_t notes = 0;                    // recipients' notes on their actions
  std::map<std::string, int64_t> from;  // by the key they were under ("" plaintext)
};

struct RekeyOptions {
  size_t batch = 256;  // bodies per transaction
  // Between transactions: the broker's writer gets the database meanwhile.
  std::chrono::milliseconds pause{20};
  std::function<void(const RekeyReport&)> progress;  // after each batch; optional
};

// Reseals every body (and every note of a recipient's action) of the
// store at `path` not under keys.current() (an
// older key, or plaintext from before schema 11), a batch per short
// transaction, while a broker may be serving from the same file: each body
// is opened, checked against its content hash (a damaged one stops the run
// with DATA_LOSS naming it rather than being sealed anew), sealed under the
// current key and written back with its key id. Idempotent; rerun after an
// interruption. The broker must run with the same key directory (it opens
// bodies under either key meanwhile).
absl::StatusOr<RekeyReport> RekeyStore(const std::filesystem::path& path, const DataKeys& keys,
                                       const RekeyOptions& options);

}  // namespace safeshare::store
