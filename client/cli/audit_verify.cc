// `safeshare audit verify`: the IG lead's offline check of a copy of the
// audit log against the checkpoints saved outside the broker.
#include "audit_verify.h"

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "audit_saved.h"
#include "broker/store/audit_log_reader.h"
#include "exit_code.h"

namespace safeshare::cli {
namespace {

absl::StatusOr<audit::CheckpointVerifier> ReadVerifierKey(const std::string& file) {
  std::ifstream in(file);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in) return absl::NotFoundError("--key " + file + ": cannot read it");
  auto key = audit::CheckpointVerifier::Parse(text.str());
  if (!key.ok()) {
    return absl::InvalidArgumentError("--key " + file + ": " + std::string(key.status().message()));
  }
  return key;
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
    std::ifstream in(flags.export_file);
    if (!in) return absl::NotFoundError("--export " + flags.export_file + ": cannot read it");
    return ReadJsonLines(in, std::filesystem::path(flags.export_file).filename().string(), add);
  }
  auto entries = store::ReadAuditLog(flags.db);
  if (!entries.ok()) {
    return absl::Status(entries.status().code(),
                        "--db " + flags.db + ": " + std::string(entries.status().message()));
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
      "a whole JSON-lines export (audit export --format jsonl, without filters: a filtered "
      "export lacks entries and fails as tampered)");
  auto* from_db = verify->add_option(
      "--db", flags.db,
      "a copy of the broker's database made with 'safeshare-broker backup --to' (a plain copy "
      "of a running store misses its -wal file)");
  from_export->excludes(from_db);
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
  const size_t count = checkpoints->size();

  SavedEntries saved(flags.checkpoints);
  audit::LogVerifier verifier(std::move(*checkpoints),
                              [&saved](int64_t id) { return saved.Find(id); });
  if (const auto fed = FeedLog(flags, verifier); !fed.ok()) {
    if (fed.code() != absl::StatusCode::kDataLoss) return fed;
    auto result = verifier.Finish();
    // The first problem is the verifier's if it met one before the bad line.
    return NotVerified(result.ok ? std::string(fed.message()) : result.problem, result);
  }
  auto result = verifier.Finish();
  if (!result.ok) return NotVerified(result.problem, result);
  if (!saved.status().ok()) return NotVerified(std::string(saved.status().message()), result);
  const std::string message = "verified: " + Count(result.entries, "entry", "entries") + ", " +
                              Count(count, "checkpoint", "checkpoints") + " (latest: size " +
                              std::to_string(latest) + ")";
  return AuditVerifyOutcome{.ok = true, .message = message, .result = result};
}

int RunAuditVerify(const AuditVerifyFlags& flags) {
  const auto outcome = VerifyAudit(flags);
  if (!outcome.ok())
    return Fail(kExitUsage, "audit verify: " + std::string(outcome.status().message()));
  std::cout << outcome->message << '\n';
  return outcome->ok ? kExitOk : kExitNotVerified;
}

}  // namespace safeshare::cli
