#ifndef SAFESHARE_CLIENT_CLI_SUBSCRIPTION_COMMANDS_H_
#define SAFESHARE_CLIENT_CLI_SUBSCRIPTION_COMMANDS_H_

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "connection_flags.h"
#include "safeshare/v1/broker.pb.h"

namespace safeshare::cli {

struct SubscriptionFlags {
  std::string name;
  std::string position = "beginning";  // --from / --to: beginning, now or a sequence
  std::vector<std::string> types;
  std::vector<std::string> case_refs;
  std::string mode = "standby";  // --mode: standby or exclusive
  bool json = false;
};

// "beginning", "now" or a sequence number (start after it); false otherwise.
bool ParsePosition(const std::string& text, v1::StartFrom& from, uint64_t& after);

// One table row per subscription: NAME MODE ACKED DELIVERED BACKLOG OLDEST
// CONSUMERS FILTER, the oldest unacknowledged delivery as an age ("3m",
// "-" for none) measured from `now_seconds`, the consumers as active+standby
// ("1+2").
std::string SubscriptionTable(const v1::ListSubscriptionsResponse& listed, int64_t now_seconds);

// Registers `subscriptions list [--name N] [--json]`, `create --name N
// [--from beginning|now|SEQ] [--type T]... [--case REF]... [--mode
// standby|exclusive]`, `reset --name
// N --to beginning|now|SEQ` and `delete --name N`; returns the command.
CLI::App* AddSubscriptionCommands(CLI::App& app, SubscriptionFlags& flags);
int RunSubscriptions(const ConnectionFlags& connection, const CLI::App& command,
                     const SubscriptionFlags& flags);

}  // namespace safeshare::cli

#endif  // SAFESHARE_CLIENT_CLI_SUBSCRIPTION_COMMANDS_H_
