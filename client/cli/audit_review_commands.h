#ifndef SAFESHARE_CLIENT_CLI_AUDIT_REVIEW_COMMANDS_H_
#define SAFESHARE_CLIENT_CLI_AUDIT_REVIEW_COMMANDS_H_

#include <cstdint>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "absl/status/statusor.h"
#include "connection_flags.h"
#include "safeshare/v1/audit.pb.h"

namespace safeshare::cli {

// The IG lead's view of the audit log, over the Audit service (IG
// certificate, through the usual connection flags).
struct AuditReviewFlags {
  // Filters (query, export).
  std::string case_ref;
  std::string agency;
  std::string notification;
  std::string person;  // SCHEME:VALUE; the broker hashes it
  std::vector<std::string> actions;
  std::string from;  // RFC 3339 or a date
  std::string to;
  // query
  uint32_t limit = 0;  // entries per page; 0: 100, or 1000 with --all
  uint64_t after = 0;
  bool all = false;
  bool json = false;  // query, report, subject
  // export
  std::string format = "jsonl";
  std::string out;
  bool force = false;  // replace --out if it exists
  // subject
  std::string identifier;
  // checkpoint
  std::string save_dir;
  std::string key_file;
  // serve
  std::string checkpoints_dir;
  uint16_t port = 0;
};

// Registers under `audit` (the command that also verifies offline):
//   query  [filters] [--limit N] [--after I] [--all] [--json]
//   export [filters] --format jsonl|csv --out FILE [--force]
//   report --case REF [--json]
//   subject --identifier SCHEME:VALUE [--json]
//   checkpoint --save DIR [--key FILE]
//   serve --checkpoints DIR [--port N]
void AddAuditReviewCommands(CLI::App& audit, AuditReviewFlags& flags);
// True when one of them was parsed; then `exit_code` holds its result.
bool RunAuditReview(const ConnectionFlags& connection, const CLI::App& audit,
                    const AuditReviewFlags& flags, int& exit_code);

// The filter the flags describe; INVALID_ARGUMENT naming the bad flag.
absl::StatusOr<v1::AuditFilter> FilterFromFlags(const AuditReviewFlags& flags);

int RunAuditQuery(client::Client& client, const AuditReviewFlags& flags);
int RunAuditExport(client::Client& client, const AuditReviewFlags& flags);
int RunAuditReport(client::Client& client, const AuditReviewFlags& flags);
int RunAuditSubject(client::Client& client, const AuditReviewFlags& flags);
int RunAuditCheckpoint(client::Client& client, const AuditReviewFlags& flags);
int RunAuditServe(client::Client& client, const AuditReviewFlags& flags);

}  // namespace safeshare::cli

#endif  // SAFESHARE_CLIENT_CLI_AUDIT_REVIEW_COMMANDS_H_
