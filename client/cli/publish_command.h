#ifndef SAFESHARE_CLIENT_CLI_PUBLISH_COMMAND_H_
#define SAFESHARE_CLIENT_CLI_PUBLISH_COMMAND_H_

#include <string>

#include <CLI/CLI.hpp>

#include "connection_flags.h"

namespace safeshare::cli {

struct PublishFlags {
  std::string file;           // notification as proto JSON
  std::string urgent_to;      // agency id of an urgent disclosure outside every agreement
  std::string urgent_reason;  // why it cannot wait
};

// Registers `publish --file FILE [--urgent-to AGENCY --urgent-reason TEXT]`;
// `flags` must outlive parsing.
CLI::App* AddPublishCommand(CLI::App& app, PublishFlags& flags);

// Parses the file (before connecting, so bad JSON is reported without a
// broker), publishes it and prints the PublishResponse as one JSON line.
int RunPublish(const ConnectionFlags& connection, const PublishFlags& flags);

}  // namespace safeshare::cli

#endif  // SAFESHARE_CLIENT_CLI_PUBLISH_COMMAND_H_
