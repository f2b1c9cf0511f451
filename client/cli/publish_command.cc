#include "publish_command.h"

#include <iostream>

#include "exit_code.h"
#include "safeshare/client/notification_json.h"

namespace safeshare::cli {

CLI::App* AddPublishCommand(CLI::App& app, PublishFlags& flags) {
  CLI::App* command = app.add_subcommand("publish", "publish one notification from a JSON file");
  command->add_option("--file", flags.file, "notification JSON (see config/examples/)")->required();
  auto* to = command->add_option(
      "--urgent-to", flags.urgent_to,
      "also disclose it to this agency, which no agreement covers, because a child is at risk of "
      "significant harm (audited as an urgent disclosure and reviewed by IG)");
  auto* reason = command->add_option("--urgent-reason", flags.urgent_reason,
                                     "why the urgent disclosure cannot wait (no personal data)");
  to->needs(reason);
  reason->needs(to);
  return command;
}

int RunPublish(const ConnectionFlags& connection, const PublishFlags& flags) {
  absl::StatusOr<v1::Notification> notification = client::ReadNotificationFile(flags.file);
  if (!notification.ok()) {
    return Fail(kExitUsage, notification.status().message());
  }
  std::optional<client::Client> client = ConnectOrReport(connection);
  if (!client.has_value()) {
    return kExitUsage;
  }
  absl::StatusOr<v1::PublishResponse> response;
  if (flags.urgent_to.empty()) {
    response = client->Publish(*std::move(notification));
  } else {
    v1::UrgentDisclosure urgent;
    urgent.set_recipient(flags.urgent_to);
    urgent.set_reason(flags.urgent_reason);
    response = client->Publish(*std::move(notification), urgent);
  }
  if (absl::IsAlreadyExists(response.status())) {  // not retried: the content differs
    return FailBroker("publish refused: the idempotency_key in " + flags.file +
                          " was used before for other content; change it, or remove it to have "
                          "a new one generated",
                      response.status());
  }
  if (!response.ok()) {
    return FailBroker("publish refused", response.status());
  }
  std::cout << client::ToJsonLine(*response) << std::endl;
  return kExitOk;
}

}  // namespace safeshare::cli
