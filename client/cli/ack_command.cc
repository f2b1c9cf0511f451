#include "ack_command.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/strip.h"

#include "exit_code.h"
#include "safeshare/client/notification_json.h"
#include "unsigned_flag.h"

namespace safeshare::cli {

CLI::App* AddAckCommand(CLI::App& app, AckFlags& flags) {
  CLI::App* command = app.add_subcommand(
      "ack", "acknowledge deliveries up to and including a sequence, or one by one");
  command->add_option("--name", flags.name, "subscription name")->required();
  command->add_option("--sequence", flags.sequence, "last sequence to acknowledge")
      ->check(UnsignedInteger());
  command->add_option("--only", flags.only,
                      "acknowledge only this delivery (repeat for more), e.g. each one processed "
                      "out of order");
  return command;
}

int RunAck(const ConnectionFlags& connection, const AckFlags& flags) {
  if (flags.sequence == 0 && flags.only.empty()) {
    return Fail(kExitUsage, "ack: give --sequence S (everything up to S) or --only S (that one)");
  }
  std::optional<client::Client> client = ConnectOrReport(connection);
  if (!client.has_value()) {
    return kExitUsage;
  }
  absl::StatusOr<v1::AcknowledgeResponse> response =
      client->Acknowledge(flags.name, flags.sequence, flags.only);
  if (!response.ok()) {
    return FailBroker("ack failed", response.status());
  }
  std::cout << client::ToJsonLine(*response) << std::endl;
  return kExitOk;
}

namespace {

// Every ActionTaken a recipient may record, as --did takes them.
std::vector<std::string> ActionChoices() {
  std::vector<std::string> names;
  const auto* values = v1::ActionTaken_descriptor();
  for (int i = 0; i < values->value_count(); ++i) {
    const auto action = static_cast<v1::ActionTaken>(values->value(i)->number());
    if (action != v1::ACTION_TAKEN_UNSPECIFIED) names.push_back(ActionText(action));
  }
  return names;
}

}  // namespace

std::string ActionText(v1::ActionTaken action) {
  return absl::AsciiStrToLower(absl::StripPrefix(v1::ActionTaken_Name(action), "ACTION_TAKEN_"));
}

CLI::App* AddActionCommand(CLI::App& app, ActionFlags& flags) {
  CLI::App* command = app.add_subcommand(
      "action",
      "record what your agency did about a notification it received and acknowledged; the "
      "publisher sees it (safeshare status), the audit log records the action but never the note");
  command->add_option("notification_id", flags.notification_id, "the id the delivery carried")
      ->required();
  command->add_option("--did", flags.did, "what was done")
      ->required()
      ->transform(CLI::IsMember(ActionChoices(), CLI::ignore_case));
  auto* note =
      command->add_option("--note", flags.note,
                          "what was done, for the publisher (at most 2000 characters; needed for "
                          "no_further_action_at_this_time and other)");
  command->add_option("--note-file", flags.note_file, "read the note from this file (- : stdin)")
      ->excludes(note);
  command->add_option("--key", flags.key,
                      "idempotency key: the same key again records nothing new (default: a new "
                      "one)");
  return command;
}

int RunAction(const ConnectionFlags& connection, const ActionFlags& flags) {
  v1::RecordActionRequest request;
  request.set_notification_id(flags.notification_id);
  v1::ActionTaken action = v1::ACTION_TAKEN_UNSPECIFIED;
  v1::ActionTaken_Parse("ACTION_TAKEN_" + absl::AsciiStrToUpper(flags.did), &action);
  request.set_action(action);
  request.set_idempotency_key(flags.key);
  if (!flags.note_file.empty()) {
    std::ostringstream text;
    if (flags.note_file == "-") {
      text << std::cin.rdbuf();
    } else {
      std::ifstream in(flags.note_file, std::ios::binary);
      if (!in) {
        return Fail(kExitUsage, "action: cannot read --note-file " + flags.note_file + ": " +
                                    std::strerror(errno));
      }
      text << in.rdbuf();
    }
    std::string note = text.str();
    while (!note.empty() && (note.back() == '\n' || note.back() == '\r')) note.pop_back();
    request.set_note(std::move(note));
  } else {
    request.set_note(flags.note);
  }
  std::optional<client::Client> client = ConnectOrReport(connection);
  if (!client.has_value()) return kExitUsage;
  auto response = client->RecordAction(std::move(request));
  if (!response.ok()) return FailBroker("action", response.status());
  std::cout << client::ToJsonLine(*response) << std::endl;
  return kExitOk;
}

}  // namespace safeshare::cli
