#include "health_command.h"

#include <iostream>

#include "exit_code.h"

namespace safeshare::cli {

CLI::App* AddHealthCommand(CLI::App& app, HealthFlags& flags) {
  CLI::App* command = app.add_subcommand(
      "health", "ask the broker whether it is serving (grpc.health.v1, over mutual TLS)");
  command
      ->add_option("--service", flags.service,
                   "service to ask about; \"\" for the server as a whole")
      ->capture_default_str();
  return command;
}

int RunHealth(const ConnectionFlags& connection, const HealthFlags& flags) {
  std::optional<client::Client> client = ConnectOrReport(connection);
  if (!client.has_value()) {
    return kExitUsage;
  }
  absl::StatusOr<client::ServingStatus> serving = client->Health(flags.service);
  if (!serving.ok()) {
    FailBroker("health check failed", serving.status());
    return kExitUsage;  // no answer: distinct from an answer other than SERVING
  }
  std::cout << client::ServingStatusName(*serving) << std::endl;
  return *serving == client::ServingStatus::kServing ? kExitOk : kExitBrokerError;
}

}  // namespace safeshare::cli
