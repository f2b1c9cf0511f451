#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "broker/audit/audit_entry.h"
#include "broker/audit/checkpoint.h"
#include "broker/audit/entry_diff.h"
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
  uint64_t entries = 0;              // entries verified (in the tree)
  uint64_t checkpoints_matched = 0;  // checkpoints whose root the log reproduces
  // The first problem, exactly: the entry index (1-based; 0 when the problem
  // is not one entry's) and a sentence, e.g.
  //   "entry 57: recipient is \"probation\" but was \"police\" when saved"
  //   "entry 57: its fields do not hash to its recorded hash"
  //   "entry 57 is missing: entry 56 is followed by entry 58"
  //   "entries 57 and 58 are out of order"
  //   "the log ends at entry 120 but checkpoint checkpoint-150.txt covers 150 entries"
  //   "checkpoint checkpoint-100.txt: the log's first 100 entries hash to another root:
  //    history was rewritten (within entries 51 to 100)"
  uint64_t first_bad_index = 0;
  std::string problem;
  // Whether the problem is entries absent from the log: kGap, the ids skip
  // (or start after 1); kShort, the log ends before a checkpoint's size.
  // Deleted entries read so; so does a filtered export (SubsetVerifier
  // checks one), and a plain copy of a running store's file reads kShort.
  enum class Missing { kNone, kGap, kShort };
  Missing missing = Missing::kNone;
};

// Entries saved earlier (with checkpoints: `safeshare audit checkpoint
// --save` writes them), to compare the log with: the saved entry with this
// id, or nullopt. Called once per entry read, with increasing ids, so a
// reader can stream the saved files alongside the log.
using ReferenceLookup = std::function<std::optional<Entry>(int64_t id)>;

// A ReferenceLookup over entries held in memory (any order).
ReferenceLookup ReferenceFrom(std::vector<Entry> entries);

// Feed every entry of the log, in the order found, then Finish. Memory:
// the Merkle tree (about 64 bytes per entry) and one entry held back while
// a gap in the ids could still be two entries out of order; never the log.
class LogVerifier {
 public:
  // `checkpoints`: already signature-checked. `reference`: entries saved
  // earlier; an entry whose fields differ from its saved copy is reported
  // with the differing fields named, whether or not its hashes were
  // recomputed to match (a consistently rewritten history).
  LogVerifier(std::vector<SavedCheckpoint> checkpoints, ReferenceLookup reference);
  explicit LogVerifier(std::vector<SavedCheckpoint> checkpoints, std::vector<Entry> reference = {});

  // Checks the entry's id follows the one before, its fields against the
  // saved copy, its hash and chain link, and, when a checkpoint's size is
  // reached, the root. Stops at the first problem (later calls are ignored).
  void Add(const Entry& entry);
  // Checks the log reaches every checkpoint's size. Returns the result.
  VerifyResult Finish();
  // False once Add has met a problem (before Finish's own checks).
  bool ok() const { return result_.ok; }

 private:
  // Each problem found stops verification; these return false once one is.
  bool CheckOrder(const Entry& entry);
  bool CheckContent(const Entry& entry);
  void CheckCheckpoints();
  void Fail(uint64_t index, std::string problem);
  void FailMissing(VerifyResult::Missing missing, uint64_t index, std::string problem);

  std::vector<SavedCheckpoint> checkpoints_;  // by tree size
  size_t next_checkpoint_ = 0;                // the first not yet reached
  uint64_t matched_size_ = 0;                 // the largest checkpoint size matched
  ReferenceLookup reference_;
  MerkleTree tree_;
  std::string prev_hash_;
  int64_t last_id_ = 0;
  std::optional<Entry> held_;  // an entry after a gap: missing, or out of order?
  VerifyResult result_;
};

}  // namespace safeshare::audit
