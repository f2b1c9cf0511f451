#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "broker/audit/audit_entry.h"
#include "broker/audit/checkpoint.h"
#include "broker/audit/merkle.h"

// Offline verification of a copy of the audit log (an export or a copy of
// the broker's database) against checkpoints saved outside the broker.
namespace safeshare::audit {

// A checkpoint whose signature verified, and where it was found.
struct SavedCheckpoint {
  std::string source;  // e.g. the file name
  TreeHead head;
};

// What verification found. `ok` only when every entry, every link and every
// checkpoint agrees.
struct VerifyResult {
  bool ok = true;
  uint64_t entries = 0;              // entries read
  uint64_t checkpoints_matched = 0;  // checkpoints whose root the log reproduces
  // The first problem, exactly: the entry index (1-based; 0 when the problem
  // is not one entry's) and a sentence, e.g.
  //   "entry 57: recipient is \"probation\" but was \"police\" when saved"
  //   "entry 57: its fields do not hash to its recorded hash"
  //   "entry 57 is missing: entry 56 is followed by entry 58"
  //   "entries 57 and 58 are out of order"
  //   "the log ends at entry 120 but checkpoint checkpoint-150.txt covers 150 entries"
  //   "checkpoint checkpoint-100.txt: the log's first 100 entries hash to another root: history was
  //   rewritten"
  uint64_t first_bad_index = 0;
  std::string problem;
};

// Feed every entry of the log, in the order found, then Finish. Memory:
// the Merkle tree (about 64 bytes per entry), never the entries.
class LogVerifier {
 public:
  // `checkpoints`: already signature-checked. `reference`: entries saved
  // earlier (for instance with a checkpoint), by id, to name the field that
  // differs when an entry no longer hashes to its recorded hash; may be empty.
  explicit LogVerifier(std::vector<SavedCheckpoint> checkpoints, std::vector<Entry> reference = {});

  // Checks the entry's id follows the one before, its hash and chain link,
  // and, when a checkpoint's size is reached, the root. Stops at the first
  // problem (later calls are ignored).
  void Add(const Entry& entry);
  // Checks the log reaches every checkpoint's size. Returns the result.
  VerifyResult Finish();

 private:
  std::vector<SavedCheckpoint> checkpoints_;  // by tree size
  std::vector<Entry> reference_;              // by id
  MerkleTree tree_;
  std::string prev_hash_;
  int64_t last_id_ = 0;
  VerifyResult result_;
};

// The fields of `a` and `b` that differ, by name ("recipient",
// "lines[2].agency", ...), for reports.
std::vector<std::string> DifferingFields(const Entry& a, const Entry& b);

}  // namespace safeshare::audit
