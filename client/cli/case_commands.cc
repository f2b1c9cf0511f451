#include "case_commands.h"

#include <iostream>

#include "absl/strings/ascii.h"
#include "exit_code.h"
#include "safeshare/client/notification_json.h"

namespace safeshare::cli {

bool ParseIdentifier(const std::string& text, v1::PersonIdentifier& out) {
  const auto colon = text.find(':');
  if (colon == std::string::npos || colon + 1 == text.size()) return false;
  v1::IdentifierScheme scheme;
  if (!v1::IdentifierScheme_Parse(
          "IDENTIFIER_SCHEME_" + absl::AsciiStrToUpper(text.substr(0, colon)), &scheme) ||
      scheme == v1::IDENTIFIER_SCHEME_UNSPECIFIED) {
    return false;
  }
  out.set_scheme(scheme);
  out.set_value(text.substr(colon + 1));
  return true;
}

CLI::App* AddCaseCommands(CLI::App& app, CaseFlags& flags) {
  CLI::App* command = app.add_subcommand(
      "case", "record which agencies are engaged with a case; close or reopen it");
  command->require_subcommand(1);
  CLI::App* update =
      command->add_subcommand("update", "engage or disengage agencies, close, reopen");
  update->add_option("--case", flags.case_ref, "case reference")->required();
  update->add_option("--engage", flags.engage, "agency ids to record as engaged")->delimiter(',');
  update->add_option("--disengage", flags.disengage, "agency ids whose engagement ends")
      ->delimiter(',');
  auto* close = update->add_flag("--close", flags.close, "close the case (engagements are kept)");
  auto* reopen = update->add_flag("--reopen", flags.reopen, "reopen a closed case");
  close->excludes(reopen);
  CLI::App* show = command->add_subcommand("show", "print the case's status and engagements");
  show->add_option("--case", flags.case_ref, "case reference")->required();
  return command;
}

int RunCase(const ConnectionFlags& connection, const CLI::App& command, const CaseFlags& flags) {
  std::optional<client::Client> client = ConnectOrReport(connection);
  if (!client.has_value()) return kExitUsage;
  absl::StatusOr<v1::CaseState> state;
  if (command.get_subcommand("show")->parsed()) {
    state = client->GetCase(flags.case_ref);
  } else {
    v1::UpdateCaseRequest request;
    request.set_case_ref(flags.case_ref);
    for (const auto& a : flags.engage) request.add_engage(a);
    for (const auto& a : flags.disengage) request.add_disengage(a);
    if (flags.close) request.set_status(v1::CASE_STATUS_CLOSED);
    if (flags.reopen) request.set_status(v1::CASE_STATUS_OPEN);
    state = client->UpdateCase(request);
  }
  if (!state.ok()) return FailBroker("case", state.status());
  std::cout << client::ToJsonLine(*state) << std::endl;
  return kExitOk;
}

CLI::App* AddInterestCommand(CLI::App& app, InterestFlags& flags) {
  CLI::App* command = app.add_subcommand(
      "interest", "register (or withdraw) your agency's interest in persons by identifier");
  command
      ->add_option("--id", flags.identifiers,
                   "SCHEME:VALUE, scheme one of ndelius_crn, pnc_number, nhs_number, "
                   "local_authority, police_local (repeat for several)")
      ->required();
  command->add_flag("--withdraw", flags.withdraw, "withdraw the interest instead");
  return command;
}

int RunInterest(const ConnectionFlags& connection, const InterestFlags& flags) {
  v1::InterestRequest request;
  request.set_withdraw(flags.withdraw);
  for (const auto& text : flags.identifiers) {
    if (!ParseIdentifier(text, *request.add_identifiers())) {
      return Fail(kExitUsage,
                  "--id: give SCHEME:VALUE with scheme one of ndelius_crn, "
                  "pnc_number, nhs_number, local_authority, police_local");
    }
  }
  std::optional<client::Client> client = ConnectOrReport(connection);
  if (!client.has_value()) return kExitUsage;
  auto response = client->RegisterInterest(request);
  if (!response.ok()) return FailBroker("interest", response.status());
  std::cout << client::ToJsonLine(*response) << std::endl;
  return kExitOk;
}

}  // namespace safeshare::cli
