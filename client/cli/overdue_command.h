#ifndef SAFESHARE_CLIENT_CLI_OVERDUE_COMMAND_H_
#define SAFESHARE_CLIENT_CLI_OVERDUE_COMMAND_H_

#include <cstdint>
#include <string>

#include <CLI/CLI.hpp>

#include "connection_flags.h"
#include "safeshare/v1/audit.pb.h"

namespace safeshare::cli {

// `overdue`: deliveries past their deadline and not acknowledged, and the
// open expectations, for the safeguarding lead and information governance
// roles.
struct OverdueFlags {
  std::string case_ref;
  std::string recipient;  // --recipient: only deliveries to this agency
  uint64_t after = 0;
  uint32_t limit = 0;  // 0: the broker's page
  bool json = false;
};

// One row per overdue delivery, longest overdue first: OVERDUE LEVEL
// RECIPIENT TYPE CASE PUBLISHER SEQUENCE RULE; then the counts by case and
// by agency, and how to ask for the next page.
std::string OverdueTable(const v1::ListOverdueResponse& page);
// The open expectations of the page, due soonest first: DUE ("3h ago",
// "in 2d") LEVEL CASE EXPECTS FROM OPENED-BY EXPECTATION.
std::string ExpectationsTable(const v1::ListOverdueResponse& page);

CLI::App* AddOverdueCommand(CLI::App& app, OverdueFlags& flags);
int RunOverdue(const ConnectionFlags& connection, const OverdueFlags& flags);

}  // namespace safeshare::cli

#endif  // SAFESHARE_CLIENT_CLI_OVERDUE_COMMAND_H_
