#ifndef SAFESHARE_CLIENT_CLI_SUBSCRIBE_COMMAND_H_
#define SAFESHARE_CLIENT_CLI_SUBSCRIBE_COMMAND_H_

#include <cstdint>
#include <string>

#include <CLI/CLI.hpp>

#include "connection_flags.h"

namespace safeshare::cli {

struct SubscribeFlags {
  std::string name;        // durable subscription name
  uint64_t max = 0;        // 0 = until the broker ends the stream
  bool no_ack = false;     // print only; leave deliveries unacknowledged
  bool once = false;       // end with the first stream instead of reconnecting
  uint32_t heartbeat = 0;  // seconds; 0: the broker's default
};

// Registers `subscribe --name NAME [--max N] [--no-ack] [--once]
// [--heartbeat S]`; `flags` must outlive parsing.
CLI::App* AddSubscribeCommand(CLI::App& app, SubscribeFlags& flags);

// Prints each Delivery as one JSON line on stdout, flushed, and only then
// acknowledges (cumulatively, once per stream message), so a delivery is
// never acknowledged before it was written. Reconnects (with backoff) when
// the stream breaks unless --once; status lines ("standby", "active",
// "reconnecting") go to stderr.
int RunSubscribe(const ConnectionFlags& connection, const SubscribeFlags& flags);

}  // namespace safeshare::cli

#endif  // SAFESHARE_CLIENT_CLI_SUBSCRIBE_COMMAND_H_
