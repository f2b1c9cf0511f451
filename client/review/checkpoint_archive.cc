#include "checkpoint_archive.h"

#include <algorithm>
#include <fstream>
#include <optional>
#include <regex>
#include <sstream>

#include <google/protobuf/util/time_util.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "audit_pages.h"
#include "broker/audit/entry_proto.h"
#include "broker/audit/merkle.h"
#include "output_files.h"
#include "report_text.h"

namespace safeshare::review {
namespace {

namespace fs = std::filesystem;

constexpr char kKeyFile[] = "verifier.key";

absl::StatusOr<std::string> ReadText(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path.string()));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The key to verify with: --key's file when given (refused when it
// disagrees with DIR/verifier.key), else DIR/verifier.key; none on first use
// without --key. `stored`: DIR/verifier.key already holds it.
struct PinnedKey {
  std::optional<std::string> key;
  bool stored = false;
};

// Checks `text` read from `file` is a verifier key; FAILED_PRECONDITION
// naming `what` (the flag, or the pinned file) and what the file must hold.
absl::Status CheckKeyFile(const std::string& text, const std::string& what) {
  auto parsed = audit::CheckpointVerifier::ParseFile(text, what);
  if (parsed.ok()) return absl::OkStatus();
  return absl::FailedPreconditionError(parsed.status().message());
}

absl::StatusOr<PinnedKey> ReadPinnedKey(const fs::path& dir, const std::string& key_file) {
  PinnedKey pinned;
  if (auto text = ReadText(dir / kKeyFile); text.ok()) {
    if (auto ok = CheckKeyFile(*text, (dir / kKeyFile).string()); !ok.ok()) return ok;
    pinned.key = std::string(absl::StripAsciiWhitespace(*text));
    pinned.stored = true;
  }
  if (key_file.empty()) return pinned;
  absl::StatusOr<std::string> given = ReadText(key_file);
  if (!given.ok()) {
    return absl::FailedPreconditionError(absl::StrCat("--key: ", given.status().message()));
  }
  if (auto ok = CheckKeyFile(*given, "--key " + key_file); !ok.ok()) return ok;
  std::string key(absl::StripAsciiWhitespace(*given));
  if (pinned.stored && *pinned.key != key) {
    return absl::FailedPreconditionError(absl::StrCat(
        "--key ", key_file, " differs from the key pinned in ", (dir / kKeyFile).string(),
        ": use another directory for another log, or remove the pinned key deliberately"));
  }
  pinned.key = std::move(key);
  return pinned;
}

// The broker's checkpoint opened with the pinned key: its signature, and
// that its size and root are the ones the response claims.
absl::StatusOr<audit::TreeHead> OpenLatest(const audit::CheckpointVerifier& verifier,
                                           const std::string& pinned_key,
                                           const v1::GetCheckpointResponse& latest) {
  absl::StatusOr<audit::TreeHead> head = verifier.Open(latest.checkpoint().note());
  if (!head.ok()) {
    const std::string hint =
        latest.verifier_key() == pinned_key
            ? ""
            : absl::StrCat(" (the broker now serves another key: ", latest.verifier_key(), ")");
    return absl::DataLossError(
        absl::StrCat("the broker's latest checkpoint does not verify with "
                     "the pinned key: ",
                     head.status().message(), hint));
  }
  if (head->tree_size != latest.checkpoint().tree_size() ||
      audit::BytesOf(head->root) != latest.checkpoint().root_hash()) {
    return absl::DataLossError("the broker's checkpoint fields differ from its signed note");
  }
  return head;
}

// A proof's hashes; DATA_LOSS naming the proof when one is not 32 bytes.
absl::StatusOr<std::vector<audit::Hash>> HashesOf(
    const google::protobuf::RepeatedPtrField<std::string>& proof, absl::string_view what) {
  std::vector<audit::Hash> hashes;
  for (const std::string& bytes : proof) {
    absl::StatusOr<audit::Hash> hash = audit::HashFromBytes(bytes);
    if (!hash.ok())
      return absl::DataLossError(absl::StrCat("the broker's ", what, " is malformed"));
    hashes.push_back(*hash);
  }
  return hashes;
}

// OK when `saved` is a prefix of `latest`, by the broker's consistency proof.
absl::Status CheckConsistent(client::Client& client, const audit::SavedCheckpoint& saved,
                             const audit::TreeHead& latest) {
  const uint64_t from = saved.head.tree_size, to = latest.tree_size;
  if (from > to) {
    return absl::DataLossError(absl::StrCat(
        saved.source, " covers ", from, " entries but the broker's latest checkpoint only ", to,
        ": the log was truncated, or the broker serves an old checkpoint"));
  }
  if (from == to) {
    if (saved.head.root == latest.root) return absl::OkStatus();
    return absl::DataLossError(absl::StrCat("INCONSISTENT: ", saved.source,
                                            " and the broker's "
                                            "checkpoint have ",
                                            to,
                                            " entries but different "
                                            "roots: history was rewritten"));
  }
  absl::StatusOr<v1::ConsistencyProofResponse> proof = client.GetConsistencyProof(from, to);
  if (!proof.ok()) return proof.status();
  auto hashes = HashesOf(proof->hashes(), "consistency proof");
  if (!hashes.ok()) return hashes.status();
  absl::Status consistent =
      audit::VerifyConsistency(from, to, saved.head.root, latest.root, *hashes);
  if (consistent.ok()) return consistent;
  return absl::DataLossError(absl::StrCat("INCONSISTENT: the broker's log of ", to,
                                          " entries does not extend ", saved.source, " (", from,
                                          " entries): history was rewritten after it was "
                                          "saved (",
                                          consistent.message(), ")"));
}

// Proves `entry`, as saved, is leaf index-1 of the signed tree `head`.
absl::Status CheckIncluded(client::Client& client, const v1::AuditEntry& entry,
                           const audit::TreeHead& head) {
  absl::StatusOr<audit::Entry> decoded = audit::FromProto(entry);
  if (!decoded.ok()) return decoded.status();
  auto proof = client.GetInclusionProof(entry.index(), head.tree_size);
  if (!proof.ok()) return proof.status();
  auto hashes = HashesOf(proof->hashes(), "inclusion proof");
  if (!hashes.ok()) return hashes.status();
  absl::Status included = audit::VerifyInclusion(audit::EntryLeafHash(*decoded), entry.index() - 1,
                                                 head.tree_size, *hashes, head.root);
  if (included.ok()) return included;
  return absl::DataLossError(absl::StrCat("entry ", entry.index(),
                                          " as the broker serves it is "
                                          "not the one its checkpoint signed (",
                                          included.message(), ")"));
}

// Entries after..to as JSON lines; checks none is missing.
absl::StatusOr<std::string> ReadEntries(client::Client& client, uint64_t after, uint64_t to,
                                        v1::AuditEntry& last) {
  std::string lines;
  uint64_t expected = after + 1;
  bool gap = false;
  auto read = ForEachEntry(client, v1::AuditFilter(), after, to, [&](const v1::AuditEntry& e) {
    gap = gap || e.index() != expected;
    ++expected;
    absl::StrAppend(&lines, audit::ToJsonLine(e), "\n");
    last = e;
  });
  if (!read.ok()) return read.status();
  if (gap || expected != to + 1) {
    return absl::DataLossError(absl::StrCat("the broker's Query did not return entries ", after + 1,
                                            " to ", to, " in order, without gaps"));
  }
  return lines;
}

}  // namespace

absl::StatusOr<std::vector<audit::SavedCheckpoint>> ReadSavedCheckpoints(
    const fs::path& dir, const audit::CheckpointVerifier& verifier) {
  static const std::regex kName("checkpoint-([0-9]+)\\.txt");
  std::vector<audit::SavedCheckpoint> saved;
  std::error_code error;
  if (!fs::exists(dir, error)) return saved;  // the first save creates it
  for (const auto& file : fs::directory_iterator(dir, error)) {
    const std::string name = file.path().filename().string();
    if (!std::regex_match(name, kName)) continue;
    absl::StatusOr<std::string> note = ReadText(file.path());
    if (!note.ok()) return note.status();
    absl::StatusOr<audit::TreeHead> head = verifier.Open(*note);
    if (!head.ok()) {
      return absl::DataLossError(absl::StrCat(name, ": ", head.status().message()));
    }
    saved.push_back({name, *head});
  }
  if (error) return absl::NotFoundError(absl::StrCat("cannot read ", dir.string()));
  std::sort(saved.begin(), saved.end(),
            [](const auto& a, const auto& b) { return a.head.tree_size < b.head.tree_size; });
  return saved;
}

absl::StatusOr<SaveResult> SaveCheckpoint(client::Client& client, const fs::path& dir,
                                          const std::string& key_file) {
  if (absl::Status usable = CheckDirectoryDestination(dir); !usable.ok()) {
    return absl::FailedPreconditionError(absl::StrCat("--save ", usable.message()));
  }
  absl::StatusOr<PinnedKey> pinned = ReadPinnedKey(dir, key_file);
  if (!pinned.ok()) return pinned.status();
  absl::StatusOr<v1::GetCheckpointResponse> latest = client.GetCheckpoint(0);
  if (!latest.ok()) return latest.status();
  SaveResult result;
  result.pinned_now = !pinned->stored;
  result.trusted_on_first_use = !pinned->key.has_value();
  const std::string key = pinned->key.value_or(latest->verifier_key());
  absl::StatusOr<audit::CheckpointVerifier> verifier = audit::CheckpointVerifier::Parse(key);
  if (!verifier.ok()) {
    // Only the broker's own key can be malformed here: a pinned or given
    // key file was checked when it was read.
    return absl::FailedPreconditionError(absl::StrCat(
        result.trusted_on_first_use ? "the broker's verifier key: " : "the pinned key: ",
        verifier.status().message()));
  }
  absl::StatusOr<audit::TreeHead> head = OpenLatest(*verifier, key, *latest);
  if (!head.ok()) return head.status();
  absl::StatusOr<std::vector<audit::SavedCheckpoint>> saved = ReadSavedCheckpoints(dir, *verifier);
  if (!saved.ok()) return saved.status();
  if (!saved->empty()) {
    if (absl::Status ok = CheckConsistent(client, saved->back(), *head); !ok.ok()) return ok;
    result.previous_size = saved->back().head.tree_size;
  }
  result.tree_size = head->tree_size;
  result.checkpoint_file = dir / absl::StrCat("checkpoint-", head->tree_size, ".txt");
  if (result.tree_size == result.previous_size) return result;  // nothing new to keep
  v1::AuditEntry last;
  absl::StatusOr<std::string> entries =
      ReadEntries(client, result.previous_size, head->tree_size, last);
  if (!entries.ok()) return entries.status();
  if (absl::Status ok = CheckIncluded(client, last, *head); !ok.ok()) return ok;
  // Everything checked: only now is DIR created (on the first save) and
  // written, the checkpoint last, so it never names entries not kept.
  const std::string entries_name =
      absl::StrCat("entries-", result.previous_size + 1, "-", head->tree_size, ".jsonl");
  std::vector<std::pair<std::string, std::string>> files = {{entries_name, *std::move(entries)}};
  if (result.pinned_now) files.emplace_back(kKeyFile, key + "\n");
  files.emplace_back(result.checkpoint_file.filename().string(), latest->checkpoint().note());
  if (absl::Status ok = WriteFilesInto(dir, files); !ok.ok()) return ok;
  result.entries_file = dir / entries_name;
  return result;
}

VerifyReport VerifyAgainstSaved(client::Client& client, const fs::path& dir) {
  VerifyReport report;
  *report.mutable_checked_at() = google::protobuf::util::TimeUtil::GetCurrentTime();
  auto fail = [&](const std::string& summary) {
    report.set_ok(false);
    report.set_summary(summary);
    return report;
  };
  absl::StatusOr<std::string> key = ReadText(dir / kKeyFile);
  if (!key.ok()) {
    return fail(absl::StrCat("no key pinned in ", dir.string(),
                             ": save a checkpoint first (safeshare audit checkpoint --save DIR)"));
  }
  report.set_verifier_key(std::string(absl::StripAsciiWhitespace(*key)));
  auto verifier = audit::CheckpointVerifier::ParseFile(*key, (dir / kKeyFile).string());
  if (!verifier.ok()) return fail(std::string(verifier.status().message()));
  absl::StatusOr<v1::GetCheckpointResponse> latest = client.GetCheckpoint(0);
  if (!latest.ok()) {
    return fail(absl::StrCat("cannot fetch the broker's checkpoint: ", latest.status().message()));
  }
  report.set_latest_tree_size(latest->checkpoint().tree_size());
  *report.mutable_latest_signed_at() = latest->checkpoint().signed_at();
  absl::StatusOr<audit::TreeHead> head = OpenLatest(*verifier, report.verifier_key(), *latest);
  if (!head.ok()) return fail(std::string(head.status().message()));
  report.set_signature_ok(true);
  auto saved = ReadSavedCheckpoints(dir, *verifier);
  if (!saved.ok()) return fail(std::string(saved.status().message()));
  size_t consistent = 0;
  std::string first_problem;
  for (const audit::SavedCheckpoint& checkpoint : *saved) {
    SavedCheckpointCheck* check = report.add_saved();
    check->set_file(checkpoint.source);
    check->set_tree_size(checkpoint.head.tree_size);
    absl::Status ok = CheckConsistent(client, checkpoint, *head);
    check->set_consistent(ok.ok());
    check->set_problem(std::string(ok.message()));
    if (ok.ok()) ++consistent;
    if (!ok.ok() && first_problem.empty()) first_problem = std::string(ok.message());
  }
  if (!first_problem.empty()) return fail(first_problem);
  report.set_ok(true);
  report.set_summary(absl::StrCat("the broker's checkpoint of ", head->tree_size,
                                  " entries is signed with the pinned key and extends all ",
                                  consistent, " saved checkpoint(s)"));
  return report;
}

}  // namespace safeshare::review
