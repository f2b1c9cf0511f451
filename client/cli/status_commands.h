#ifndef SAFESHARE_CLIENT_CLI_STATUS_COMMANDS_H_
#define SAFESHARE_CLIENT_CLI_STATUS_COMMANDS_H_

#include <cstdint>
#include <string>

#include <CLI/CLI.hpp>

#include "connection_flags.h"
#include "safeshare/v1/broker.pb.h"

namespace safeshare::cli {

// `status NOTIFICATION_ID` and `pending`: what became of the calling
// agency's own notifications.
struct StatusFlags {
  std::string notification_id;
  std::string case_ref;   // pending --case
  std::string recipient;  // pending --recipient
  uint64_t after = 0;     // pending --after
  uint32_t limit = 0;     // pending --limit (0: the broker's page)
  bool json = false;
};

// One row per recipient: AGENCY STAGE DELIVERIES LAST-DELIVERED ACKNOWLEDGED
// BY RULE, times as ages from `now_seconds` ("-" for not yet).
std::string DeliveryStateTable(const v1::DeliveryState& state, int64_t now_seconds);
// One row per unacknowledged delivery: SEQUENCE AGE RECIPIENT TYPE CASE
// NOTIFICATION, and a last line saying how to ask for the next page.
std::string PendingTable(const v1::ListPendingDeliveriesResponse& page, int64_t now_seconds);

struct StatusCommands {
  CLI::App* status = nullptr;
  CLI::App* pending = nullptr;
};
StatusCommands AddStatusCommands(CLI::App& app, StatusFlags& flags);
int RunStatus(const ConnectionFlags& connection, const StatusFlags& flags);
int RunPending(const ConnectionFlags& connection, const StatusFlags& flags);

}  // namespace safeshare::cli

#endif  // SAFESHARE_CLIENT_CLI_STATUS_COMMANDS_H_
