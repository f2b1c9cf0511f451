#ifndef SAFESHARE_CLIENT_CLI_CASE_COMMANDS_H_
#define SAFESHARE_CLIENT_CLI_CASE_COMMANDS_H_

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "connection_flags.h"
#include "safeshare/v1/common.pb.h"

namespace safeshare::cli {

// "ndelius_crn:X123456" -> IDENTIFIER_SCHEME_NDELIUS_CRN, "X123456"; false
// unless the scheme is one of ndelius_crn, pnc_number, nhs_number,
// local_authority, police_local and a value follows.
bool ParseIdentifier(const std::string& text, v1::PersonIdentifier& out);

struct CaseFlags {
  std::string case_ref;
  std::vector<std::string> engage;
  std::vector<std::string> disengage;
  bool close = false;
  bool reopen = false;
};

struct InterestFlags {
  std::vector<std::string> identifiers;  // SCHEME:VALUE
  bool withdraw = false;
};

// Registers `case update --case REF [--engage A,B] [--disengage C] [--close |
// --reopen]` and `case show --case REF`; returns the `case` command.
CLI::App* AddCaseCommands(CLI::App& app, CaseFlags& flags);
int RunCase(const ConnectionFlags& connection, const CLI::App& command, const CaseFlags& flags);

// Registers `interest --id SCHEME:VALUE ... [--withdraw]`.
CLI::App* AddInterestCommand(CLI::App& app, InterestFlags& flags);
int RunInterest(const ConnectionFlags& connection, const InterestFlags& flags);

}  // namespace safeshare::cli

#endif  // SAFESHARE_CLIENT_CLI_CASE_COMMANDS_H_
