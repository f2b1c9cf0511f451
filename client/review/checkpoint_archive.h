#ifndef SAFESHARE_CLIENT_REVIEW_CHECKPOINT_ARCHIVE_H_
#define SAFESHARE_CLIENT_REVIEW_CHECKPOINT_ARCHIVE_H_

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "broker/audit/checkpoint.h"
#include "broker/audit/log_verify.h"
#include "safeshare/client/client.h"
#include "safeshare/review/review.pb.h"

// Checkpoints kept outside the broker, by the IG lead, in one directory:
//   verifier.key                the broker's note verifier key, pinned on the
//                               first save (trust on first use) or by --key
//   checkpoint-<size>.txt       signed notes, each checked with the pinned key
//   entries-<from>-<to>.jsonl   the entries each save added (JSON lines, the
//                               export format), for `safeshare audit verify`
// A later save, and the review page, prove with the broker's consistency
// proofs that the log they see extends every checkpoint saved before: a log
// rewritten after a save cannot pass.
namespace safeshare::review {

struct SaveResult {
  uint64_t tree_size = 0;
  uint64_t previous_size = 0;         // 0 on the first save
  bool pinned_now = false;            // verifier.key was written by this save
  bool trusted_on_first_use = false;  // ... with the broker's own key, no --key given
  std::filesystem::path checkpoint_file;
  std::filesystem::path entries_file;  // empty when there were no new entries
};

// Fetches the broker's latest checkpoint, checks its signature with the
// pinned key (`key_file` when given, else DIR/verifier.key, else the
// broker's own key, which is then pinned), proves it consistent with the
// last checkpoint saved in `dir`, writes the entries since that one, proves
// the newest of them is in the signed tree, and saves the checkpoint.
// DATA_LOSS when a signature or a proof fails (nothing is saved then);
// FAILED_PRECONDITION for a problem with the directory or the keys here
// (--key disagrees with the pinned key, a key file holds no verifier key:
// the message names the file and what it must hold), INTERNAL when a file
// cannot be written; any other error is the broker's answer. DIR is
// created (on the first save) only once everything has checked out, and a
// save that fails leaves it as it was.
absl::StatusOr<SaveResult> SaveCheckpoint(client::Client& client, const std::filesystem::path& dir,
                                          const std::string& key_file);

// The broker's latest checkpoint checked with DIR/verifier.key, and each
// checkpoint saved in `dir` proved a prefix of it. Never fails: what went
// wrong is in the report.
VerifyReport VerifyAgainstSaved(client::Client& client, const std::filesystem::path& dir);

// The checkpoints saved in `dir`, by size, each opened with `verifier`.
// DATA_LOSS naming the file whose signature does not verify.
absl::StatusOr<std::vector<audit::SavedCheckpoint>> ReadSavedCheckpoints(
    const std::filesystem::path& dir, const audit::CheckpointVerifier& verifier);

}  // namespace safeshare::review

#endif  // SAFESHARE_CLIENT_REVIEW_CHECKPOINT_ARCHIVE_H_
