#ifndef SAFESHARE_CLIENT_CLI_AUDIT_COMMANDS_H_
#define SAFESHARE_CLIENT_CLI_AUDIT_COMMANDS_H_

#include <CLI/CLI.hpp>

#include "audit_verify.h"
#include "connection_flags.h"

namespace safeshare::cli {

// The flags of every `audit` subcommand; one member per subcommand.
struct AuditFlags {
  AuditVerifyFlags verify;
};

// Registers `audit` and its subcommands (`verify`; each added here with its
// Add... function); `flags` must outlive parsing.
CLI::App* AddAuditCommands(CLI::App& app, AuditFlags& flags);

// Runs the `audit` subcommand that was parsed; returns the exit code.
int RunAudit(const ConnectionFlags& connection, const CLI::App& audit, const AuditFlags& flags);

}  // namespace safeshare::cli

#endif  // SAFESHARE_CLIENT_CLI_AUDIT_COMMANDS_H_
