#include "subscribe_command.h"

#include <iostream>

#include "absl/strings/str_cat.h"
#include "exit_code.h"
#include "safeshare/client/notification_json.h"
#include "unsigned_flag.h"

namespace safeshare::cli {
namespace {

absl::Status PrintDelivery(const v1::Delivery& delivery) {
  std::cout << client::ToJsonLine(delivery) << std::endl;
  if (!std::cout) {
    return absl::AbortedError(absl::StrCat("cannot write to stdout; delivery ", delivery.sequence(),
                                           " left unacknowledged"));
  }
  return absl::OkStatus();
}

}  // namespace

CLI::App* AddSubscribeCommand(CLI::App& app, SubscribeFlags& flags) {
  CLI::App* command =
      app.add_subcommand("subscribe", "print deliveries of a durable subscription as JSON lines");
  command->add_option("--name", flags.name, "subscription name (created on first use)")->required();
  command->add_option("--max", flags.max, "stop after N deliveries (0 = no limit)")
      ->capture_default_str()
      ->check(UnsignedInteger());
  command->add_flag("--no-ack", flags.no_ack, "do not acknowledge what was printed");
  return command;
}

int RunSubscribe(const ConnectionFlags& connection, const SubscribeFlags& flags) {
  std::optional<client::Client> client = ConnectOrReport(connection);
  if (!client.has_value()) {
    return kExitUsage;
  }
  client::SubscribeOptions options;
  options.max_deliveries = flags.max;
  options.acknowledge = !flags.no_ack;
  absl::Status status = client->Subscribe(flags.name, PrintDelivery, options);
  if (!status.ok()) {
    return FailBroker("subscribe failed", status);
  }
  return kExitOk;
}

}  // namespace safeshare::cli
