#ifndef SAFESHARE_CLIENT_CLI_AUDIT_SAVED_H_
#define SAFESHARE_CLIENT_CLI_AUDIT_SAVED_H_

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "broker/audit/audit_entry.h"
#include "broker/audit/checkpoint.h"
#include "broker/audit/log_verify.h"
#include "safeshare/v1/audit.pb.h"

// What `safeshare audit checkpoint --save DIR` keeps outside the broker, read
// back for `audit verify`: DIR/checkpoint-<size>.txt (signed notes) and
// DIR/entries-<from>-<to>.jsonl (the entries each checkpoint added).
namespace safeshare::cli {

// Every DIR/checkpoint-*.txt, opened with `key`. NOT_FOUND when DIR is not
// a directory or holds none; DATA_LOSS or INVALID_ARGUMENT, naming the
// file, when one does not open (a bad signature, not a checkpoint).
absl::StatusOr<std::vector<audit::SavedCheckpoint>> LoadSavedCheckpoints(
    const std::filesystem::path& dir, const audit::CheckpointVerifier& key);

// Called with each entry of an export, decoded, and as its line carries it
// (with its leaf_hash); returns false to stop reading.
using ExportSink = std::function<bool(const audit::Entry&, const v1::AuditEntry&)>;

// Calls `sink` with each entry of the JSON-lines export `file` (one
// v1::AuditEntry per line, blank lines skipped), read one line at a time,
// until the end or `sink` returns false. NOT_FOUND when the file cannot be
// read; INVALID_ARGUMENT when it is not a JSON-lines export at all (its
// first line is no JSON object: a CSV export, say), so not a verdict on the
// log; DATA_LOSS naming the file and the line when a later line is not an
// audit entry.
absl::Status ReadExport(const std::filesystem::path& file, const ExportSink& sink);

// The entries saved in DIR/entries-*.jsonl, streamed in id order as the
// verifier asks for them (audit::ReferenceLookup), one file open at a time.
// Not thread-safe.
class SavedEntries {
 public:
  explicit SavedEntries(const std::filesystem::path& dir);
  // Whether DIR holds any entries-*.jsonl.
  bool any() const { return !files_.empty(); }
  // The saved entry `id`, or nullopt; ids must not decrease between calls.
  std::optional<audit::Entry> Find(int64_t id);
  // The next saved entry in file order, or nullopt at the end (or on a
  // problem: see status()). Not to be mixed with Find.
  std::optional<audit::Entry> Next();
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
