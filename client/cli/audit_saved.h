#ifndef SAFESHARE_CLIENT_CLI_AUDIT_SAVED_H_
#define SAFESHARE_CLIENT_CLI_AUDIT_SAVED_H_

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <istream>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "broker/audit/audit_entry.h"
#include "broker/audit/checkpoint.h"
#include "broker/audit/log_verify.h"

// What `safeshare audit checkpoint --save DIR` keeps outside the broker, read
// back for `audit verify`: DIR/checkpoint-<size>.txt (signed notes) and
// DIR/entries-<from>-<to>.jsonl (the entries each checkpoint added).
namespace safeshare::cli {

// Every DIR/checkpoint-*.txt, opened with `key`. NOT_FOUND when DIR is not
// a directory or holds none; DATA_LOSS or INVALID_ARGUMENT, naming the
// file, when one does not open (a bad signature, not a checkpoint).
absl::StatusOr<std::vector<audit::SavedCheckpoint>> LoadSavedCheckpoints(
    const std::filesystem::path& dir, const audit::CheckpointVerifier& key);

// Calls `sink` with each entry of a JSON-lines export (one v1::AuditEntry
// per line, blank lines skipped), read one line at a time, until the end or
// `sink` returns false. DATA_LOSS naming `name` and the line when a line is
// not an audit entry.
absl::Status ReadJsonLines(std::istream& in, const std::string& name,
                           const std::function<bool(const audit::Entry&)>& sink);

// The entries saved in DIR/entries-*.jsonl, streamed in id order as the
// verifier asks for them (audit::ReferenceLookup), one file open at a time.
// Not thread-safe.
class SavedEntries {
 public:
  explicit SavedEntries(const std::filesystem::path& dir);
  // The saved entry `id`, or nullopt; ids must not decrease between calls.
  std::optional<audit::Entry> Find(int64_t id);
  // OK unless a saved file could not be read or held a line that is no entry.
  const absl::Status& status() const { return status_; }

 private:
  bool Advance();  // reads the next saved entry into current_; false at the end

  std::vector<std::filesystem::path> files_;  // by first id
  size_t next_file_ = 0;
  std::ifstream in_;
  std::string name_;  // of the open file
  uint64_t line_ = 0;
  std::optional<audit::Entry> current_;
  absl::Status status_;
};

}  // namespace safeshare::cli

#endif  // SAFESHARE_CLIENT_CLI_AUDIT_SAVED_H_
