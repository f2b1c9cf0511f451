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
  std::string mode = "standby";     // --mode: standby or exclusive
  uint32_t ack_wait_seconds = 0;    // create --ack-wait (0: the broker's default)
  uint32_t max_deliver = 0;         // create --max-deliver
  uint32_t max_in_flight = 0;       // create --max-in-flight
  uint64_t after = 0;               // parked --after
  std::vector<uint64_t> sequences;  // release --sequence
  bool json = false;
};

// "beginning", "now" or a sequence number (start after it); false otherwise.
bool ParsePosition(const std::string& text, v1::StartFrom& from, uint64_t& after);

// One table row per subscription: NAME MODE ACKED DELIVERED IN-FLIGHT BACKLOG
// PARKED OLDEST CONSUMERS FILTER, the oldest unacknowledged delivery as an age ("3m",
// "-" for none) measured from `now_seconds`, the consumers as active+standby
// ("1+2").
std::string SubscriptionTable(const v1::ListSubscriptionsResponse& listed, int64_t now_seconds);

// Registers `subscriptions list [--name N] [--json]`, `create --name N
// [--from beginning|now|SEQ] [--type T]... [--case REF]... [--mode
// standby|exclusive] [--ack-wait S] [--max-deliver N] [--max-in-flight N]`,
// `reset --name N --to beginning|now|SEQ`, `delete --name N`, `parked --name
// N [--after SEQ] [--json]` and `release --name N [--sequence S]...`;
// returns the command.
CLI::App* AddSubscriptionCommands(CLI::App& app, SubscriptionFlags& flags);
int RunSubscriptions(const ConnectionFlags& connection, const CLI::App& command,
                     const SubscriptionFlags& flags);

// `subscriptions parked` (a table: SEQUENCE ATTEMPTS PARKED PUBLISHER TYPE
// CASE NOTIFICATION) and `subscriptions release` (parked_commands.cc).
int RunParked(client::Client& client, const SubscriptionFlags& flags);
int RunRelease(client::Client& client, const SubscriptionFlags& flags);

}  // namespace safeshare::cli

#endif  // SAFESHARE_CLIENT_CLI_SUBSCRIPTION_COMMANDS_H_
