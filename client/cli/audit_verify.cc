// `safeshare audit verify`: the IG lead's offline check of a copy of the
// audit log against the checkpoints saved outside the broker.
#include "audit_verify.h"

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "audit_saved.h"
#include "broker/audit/subset_verify.h"
#include "broker/store/audit_log_reader.h"
#include "exit_code.h"

namespace safeshare::cli {
namespace {

constexpr char kBackup[] =
    "copy the store with `safeshare-broker --config CONFIG backup --to FILE`";

constexpr char kFilteredHint[] =
    ". If the file is a filtered export (made with --case, --agency, --notification, --person, "
    "--action, --from or --to), verify it with --filtered";

absl::StatusOr<audit::CheckpointVerifier> ReadVerifierKey(const std::string& file) {
  std::ifstream in(file);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in) return absl::NotFoundError("--key " + file + ": cannot read it");
  return audit::CheckpointVerifier::ParseFile(text.str(), "--key " + file);
}

// ReadExport of the --export file, its errors (but a bad line's, which is a
// verdict) naming the flag.
absl::Status ReadExportFlag(const std::string& file, const ExportSink& sink) {
  absl::Status read = ReadExport(file, sink);
  if (read.ok() || read.code() == absl::StatusCode::kDataLoss) return read;
  return absl::Status(read.code(), "--export " + std::string(read.message()));
}

// Feeds the log named by the flags to `verifier`. An error status is a copy
// of the log that cannot be read as one (DATA_LOSS: it is part of the
// verdict) or that is not there (NOT_FOUND).
absl::Status FeedLog(const AuditVerifyFlags& flags, audit::LogVerifier& verifier) {
  const auto add = [&verifier](const audit::Entry& entry) {
    verifier.Add(entry);
    return true;
  };
  if (!flags.export_file.empty()) {
    return ReadExportFlag(flags.export_file, [&add](const audit::Entry& entry,
                                                    const v1::AuditEntry&) { return add(entry); });
  }
  auto entries = store::ReadAuditLog(flags.db);
  if (!entries.ok()) {
    const absl::Status& status = entries.status();
    if (status.code() == absl::StatusCode::kNotFound ||
        status.code() == absl::StatusCode::kDataLoss)
      return absl::Status(status.code(), "--db " + flags.db + ": " + std::string(status.message()));
    // SQLite opened it but it is not a store the reader knows (no audit
    // table: its schema is still in the -wal file the copy left behind).
    return absl::InvalidArgumentError("--db " + flags.db +
                                      " cannot be read as a complete broker store (" +
                                      std::string(status.message()) +
                                      "): a plain copy of a running broker's database file misses "
                                      "what is still in its -wal file; " +
                                      kBackup);
  }
  for (const auto& entry : *entries) add(entry);
  return absl::OkStatus();
}

std::string Count(uint64_t n, const std::string& one, const std::string& many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

AuditVerifyOutcome NotVerified(std::string problem, audit::VerifyResult result = {}) {
  result.ok = false;
  return {
      .ok = false, .message = "NOT VERIFIED: " + std::move(problem), .result = std::move(result)};
}

// The entries saved in DIR (entries-*.jsonl), verified as the whole log up
// to its latest checkpoint: the signed log a filtered export is compared
// with. The problem, or "" when they verify; NOT_FOUND when none are saved.
absl::StatusOr<std::string> SavedLogProblem(const std::string& dir,
                                            std::vector<audit::SavedCheckpoint> checkpoints) {
  SavedEntries saved(dir);
  if (!saved.any()) {
    return absl::NotFoundError(
        dir +
        " holds no entries-*.jsonl: a filtered export is compared with the entries `safeshare "
        "audit checkpoint --save` keeps beside its checkpoints");
  }
  audit::LogVerifier verifier(std::move(checkpoints));
  while (std::optional<audit::Entry> entry = saved.Next()) verifier.Add(*entry);
  if (!saved.status().ok()) return std::string(saved.status().message());
  const audit::VerifyResult result = verifier.Finish();
  if (result.ok) return std::string();
  return "the entries saved in " + dir +
         " do not verify against its checkpoints: " + result.problem;
}

std::string FilteredVerdict(const audit::SubsetResult& result, uint64_t latest) {
  const std::string size = "checkpoint size " + std::to_string(latest);
  const uint64_t after = result.entries - result.signed_entries;
  std::string text =
      "verified: " + Count(result.entries, "entry", "entries") + " of a filtered export, each ";
  if (after == 0) {
    text += "matches the signed log up to " + size;
  } else if (result.signed_entries == 0) {
    text += "checked against its own hashes only (all come after " + size +
            ": save a newer checkpoint to compare them with the signed log)";
  } else {
    text += "matches the signed log up to " + size + " (" +
            Count(after, "entry after it was", "entries after it were") +
            " checked against their own hashes only)";
  }
  return text + "; a filtered export cannot show that no entry is missing";
}

// --filtered: each entry of the export on its own, against the signed log.
absl::StatusOr<AuditVerifyOutcome> VerifyFiltered(const AuditVerifyFlags& flags,
                                                  std::vector<audit::SavedCheckpoint> checkpoints,
                                                  uint64_t latest) {
  auto problem = SavedLogProblem(flags.checkpoints, std::move(checkpoints));
  if (!problem.ok()) return problem.status();
  if (!problem->empty()) return NotVerified(*problem);
  SavedEntries saved(flags.checkpoints);
  audit::SubsetVerifier verifier(latest, [&saved](int64_t id) { return saved.Find(id); });
  const absl::Status read = ReadExportFlag(
      flags.export_file, [&verifier](const audit::Entry& entry, const v1::AuditEntry& line) {
        verifier.Add(entry, line.leaf_hash());
        return verifier.ok();
      });
  if (!read.ok()) {  // reading stops at the verifier's first problem, so this comes first
    if (read.code() != absl::StatusCode::kDataLoss) return read;
    return NotVerified(std::string(read.message()));
  }
  const audit::SubsetResult result = verifier.Finish();
  if (!result.ok) return NotVerified(result.problem);
  if (!saved.status().ok()) return NotVerified(std::string(saved.status().message()));
  audit::VerifyResult summary{.entries = result.entries};
  return AuditVerifyOutcome{
      .ok = true, .message = FilteredVerdict(result, latest), .result = summary};
}

// The whole log, entry by entry, against every checkpoint.
absl::StatusOr<AuditVerifyOutcome> VerifyWhole(const AuditVerifyFlags& flags,
                                               std::vector<audit::SavedCheckpoint> checkpoints,
                                               uint64_t latest) {
  const size_t count = checkpoints.size();
  SavedEntries saved(flags.checkpoints);
  audit::LogVerifier verifier(std::move(checkpoints),
                              [&saved](int64_t id) { return saved.Find(id); });
  if (const auto fed = FeedLog(flags, verifier); !fed.ok()) {
    if (fed.code() != absl::StatusCode::kDataLoss) return fed;
    // The first problem is the verifier's if it met one before the bad line
    // (not Finish's: the log is not read to its end).
    const bool bad_line_first = verifier.ok();
    auto result = verifier.Finish();
    return NotVerified(bad_line_first ? std::string(fed.message()) : result.problem, result);
  }
  auto result = verifier.Finish();
  if (!result.ok) {
    // Deleted entries read so, and so does an export made with filters or
    // (a short log) a plain copy of a running store.
    using Missing = audit::VerifyResult::Missing;
    std::string hint;
    if (!flags.export_file.empty() && result.missing != Missing::kNone) {
      hint = kFilteredHint;
    } else if (!flags.db.empty() && result.missing == Missing::kShort) {
      hint = std::string(
                 ". If the file is a plain copy of a running broker's database, it misses "
                 "what is still in its -wal file: ") +
             kBackup;
    }
    return NotVerified(result.problem + hint, result);
  }
  if (!saved.status().ok()) return NotVerified(std::string(saved.status().message()), result);
  const std::string message = "verified: " + Count(result.entries, "entry", "entries") + ", " +
                              Count(count, "checkpoint", "checkpoints") + " (latest: size " +
                              std::to_string(latest) + ")";
  return AuditVerifyOutcome{.ok = true, .message = message, .result = result};
}

}  // namespace

CLI::App* AddAuditVerify(CLI::App& audit, AuditVerifyFlags& flags) {
  CLI::App* verify = audit.add_subcommand(
      "verify",
      "check an export or a copy of the broker's database against saved checkpoints "
      "(offline)");
  verify
      ->add_option("--checkpoints", flags.checkpoints,
                   "directory of checkpoint-*.txt and entries-*.jsonl (audit checkpoint --save)")
      ->required();
  verify->add_option("--key", flags.key, "file holding the broker's verifier key")->required();
  auto* from_export = verify->add_option(
      "--export", flags.export_file,
      "a JSON-lines export (audit export --format jsonl): the whole log, or with --filtered "
      "an export made with filters");
  auto* filtered = verify->add_flag(
      "--filtered", flags.filtered,
      "the export holds some entries only (--case, --agency, --action, --from, ...): check "
      "each against its own hashes and the entries saved up to the latest checkpoint; it "
      "cannot show that no entry is missing");
  auto* from_db = verify->add_option(
      "--db", flags.db,
      "a copy of the broker's database made with 'safeshare-broker backup --to' (a plain copy "
      "of a running store misses its -wal file)");
  from_export->excludes(from_db);
  filtered->needs(from_export);
  verify->callback([from_export, from_db] {
    if (from_export->count() + from_db->count() == 0) {
      throw CLI::RequiredError("--export or --db");
    }
  });
  return verify;
}

absl::StatusOr<AuditVerifyOutcome> VerifyAudit(const AuditVerifyFlags& flags) {
  auto key = ReadVerifierKey(flags.key);
  if (!key.ok()) return key.status();
  auto checkpoints = LoadSavedCheckpoints(flags.checkpoints, *key);
  if (!checkpoints.ok()) {
    if (checkpoints.status().code() == absl::StatusCode::kNotFound) return checkpoints.status();
    return NotVerified(std::string(checkpoints.status().message()));  // a bad signature
  }
  uint64_t latest = 0;
  for (const auto& c : *checkpoints) latest = std::max(latest, c.head.tree_size);
  if (flags.filtered) return VerifyFiltered(flags, std::move(*checkpoints), latest);
  return VerifyWhole(flags, std::move(*checkpoints), latest);
}

int RunAuditVerify(const AuditVerifyFlags& flags) {
  const auto outcome = VerifyAudit(flags);
  if (!outcome.ok())
    return Fail(kExitUsage, "audit verify: " + std::string(outcome.status().message()));
  std::cout << outcome->message << '\n';
  return outcome->ok ? kExitOk : kExitNotVerified;
}

}  // namespace safeshare::cli
