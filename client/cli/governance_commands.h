#ifndef SAFESHARE_CLIENT_CLI_GOVERNANCE_COMMANDS_H_
#define SAFESHARE_CLIENT_CLI_GOVERNANCE_COMMANDS_H_

#include <cstdint>
#include <string>

#include <CLI/CLI.hpp>

#include "connection_flags.h"

namespace safeshare::cli {

struct GovernanceFlags {
  std::string agreements;  // impact: the proposed agreements directory
  uint32_t days = 90;      // impact: the window of stored history replayed
  uint64_t after = 0;      // disclosures: paging
  uint32_t limit = 100;
};

// Registers, under `policy` (the command that also checks and explains
// agreements offline), the Governance calls for the IG role:
// `reload`, `impact --agreements DIR [--days N]`, `disclosures [--after N]
// [--limit N]`.
void AddGovernanceCommands(CLI::App& policy, GovernanceFlags& flags);
// True when one of them was parsed; then `exit_code` holds its result.
bool RunGovernance(const ConnectionFlags& connection, const CLI::App& policy,
                   const GovernanceFlags& flags, int& exit_code);

}  // namespace safeshare::cli

#endif  // SAFESHARE_CLIENT_CLI_GOVERNANCE_COMMANDS_H_
