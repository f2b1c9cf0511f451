#ifndef SAFESHARE_CLIENT_CLI_ACK_COMMAND_H_
#define SAFESHARE_CLIENT_CLI_ACK_COMMAND_H_

#include <cstdint>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "connection_flags.h"
#include "safeshare/v1/delivery.pb.h"

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

// `action NOTIFICATION_ID --did ACTION [--note TEXT | --note-file FILE]
// [--key KEY]`: records what the agency did about a delivery it
// acknowledged.
struct ActionFlags {
  std::string notification_id;
  std::string did;        // ActionTaken without its prefix, any case: "referred"
  std::string note;       // --note
  std::string note_file;  // --note-file ("-": standard input)
  std::string key;        // --key: the idempotency key (default: a fresh one)
};
CLI::App* AddActionCommand(CLI::App& app, ActionFlags& flags);
// An action as --did takes it and `status` shows it: "referred".
std::string ActionText(v1::ActionTaken action);
// Records it and prints the RecordActionResponse as one JSON line.
int RunAction(const ConnectionFlags& connection, const ActionFlags& flags);

}  // namespace safeshare::cli

#endif  // SAFESHARE_CLIENT_CLI_ACK_COMMAND_H_
