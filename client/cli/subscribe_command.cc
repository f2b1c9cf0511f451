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

// One line on stderr per change, so stdout stays JSON lines.
void PrintStatus(const client::SubscribeEvent& event) {
  switch (event.kind) {
    case client::SubscribeEvent::Kind::kStandby:
      std::cerr << "subscribe: standby (another stream is active; this one takes over when it "
                   "ends)"
                << std::endl;
      break;
    case client::SubscribeEvent::Kind::kActive:
      std::cerr << "subscribe: active" << std::endl;
      break;
    case client::SubscribeEvent::Kind::kReconnecting:
      std::cerr << "subscribe: stream ended (" << absl::StatusCodeToString(event.why.code()) << ": "
                << event.why.message() << "); reconnecting in " << event.delay.count() << " ms"
                << std::endl;
      break;
  }
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
  command->add_flag("--once", flags.once,
                    "end when the stream ends (without it, subscribe reconnects and resumes)");
  command
      ->add_option("--heartbeat", flags.heartbeat,
                   "seconds between heartbeats on a quiet stream (0 = the broker's default)")
      ->capture_default_str()
      ->check(UnsignedInteger())
      ->check(CLI::Range(0, 3600));
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
  options.heartbeat = flags.heartbeat;
  options.reconnect = !flags.once;
  options.on_event = PrintStatus;
  absl::Status status = client->Subscribe(flags.name, PrintDelivery, options);
  if (!status.ok()) {
    return FailBroker("subscribe failed", status);
  }
  return kExitOk;
}

}  // namespace safeshare::cli
