#ifndef SAFESHARE_CLIENT_CLI_ACK_COMMAND_H_
#define SAFESHARE_CLIENT_CLI_ACK_COMMAND_H_

#include <cstdint>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "connection_flags.h"

namespace safeshare::cli {

struct AckFlags {
  std::string name;            // subscription name
  uint64_t sequence = 0;       // acknowledge everything up to and including this (0: none)
  std::vector<uint64_t> only;  // and these deliveries, one by one
};

// Registers `ack --name NAME [--sequence S] [--only S]...` (at least one
// of them); `flags` must outlive parsing.
CLI::App* AddAckCommand(CLI::App& app, AckFlags& flags);

// Acknowledges and prints the AcknowledgeResponse as one JSON line.
int RunAck(const ConnectionFlags& connection, const AckFlags& flags);

}  // namespace safeshare::cli

#endif  // SAFESHARE_CLIENT_CLI_ACK_COMMAND_H_
