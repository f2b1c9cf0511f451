// The `audit` command group for information governance leads.
#include "audit_commands.h"

#include "exit_code.h"

namespace safeshare::cli {

CLI::App* AddAuditCommands(CLI::App& app, AuditFlags& flags) {
  CLI::App* audit = app.add_subcommand(
      "audit", "query, export and verify the broker's audit log (information governance)");
  audit->require_subcommand(1);
  AddAuditVerify(*audit, flags.verify);
  return audit;
}

int RunAudit(const ConnectionFlags& /*connection*/, const CLI::App& audit,
             const AuditFlags& flags) {
  if (audit.get_subcommand("verify")->parsed()) return RunAuditVerify(flags.verify);
  return kExitUsage;  // unreachable: one subcommand is required
}

}  // namespace safeshare::cli
