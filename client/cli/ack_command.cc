#include "ack_command.h"

#include <iostream>

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

}  // namespace safeshare::cli
