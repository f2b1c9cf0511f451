#ifndef SAFESHARE_CLIENT_CLI_AUDIT_VERIFY_H_
#define SAFESHARE_CLIENT_CLI_AUDIT_VERIFY_H_

#include <string>

#include <CLI/CLI.hpp>

#include "absl/status/statusor.h"
#include "broker/audit/log_verify.h"

namespace safeshare::cli {

// `audit verify --checkpoints DIR --key FILE (--export FILE.jsonl [--filtered] | --db FILE)`
struct AuditVerifyFlags {
  std::string checkpoints;  // directory of checkpoint-*.txt and entries-*.jsonl
  std::string key;          // file holding the broker's note verifier key
  std::string export_file;  // a JSON-lines export
  bool filtered = false;    // ... of some entries only (export with filters)
  std::string db;           // or a copy of the broker's SQLite file
};

// Registers `verify` under the `audit` command; `flags` must outlive parsing.
CLI::App* AddAuditVerify(CLI::App& audit, AuditVerifyFlags& flags);

// The outcome of verifying a log offline, for the command and the review
// page: "verified: N entries, K checkpoints (latest: size S)" (for a
// filtered export: "verified: N entries of a filtered export, each matches
// the signed log up to checkpoint size S; ...") or "NOT VERIFIED: <the
// first problem>" (result.problem, or a checkpoint or saved file that does
// not open).
struct AuditVerifyOutcome {
  bool ok = false;
  std::string message;
  audit::VerifyResult result;
};

// Verifies the export or database copy named by `flags` against the
// checkpoints and entries saved in flags.checkpoints: the whole log, or with
// flags.filtered each entry of the export on its own (against the saved
// entries, themselves verified as the whole log up to the latest
// checkpoint). An error status is a problem with the flags or files to fix
// (unreadable key, no checkpoints, no log, an export that is not JSON
// lines, a copy of the database that is not a whole store), not with the
// log's integrity.
absl::StatusOr<AuditVerifyOutcome> VerifyAudit(const AuditVerifyFlags& flags);

// Runs VerifyAudit and prints its message. Exit 0 when verified, 4 when not
// (kExitNotVerified), 2 for bad flags or files.
int RunAuditVerify(const AuditVerifyFlags& flags);

}  // namespace safeshare::cli

#endif  // SAFESHARE_CLIENT_CLI_AUDIT_VERIFY_H_
