#ifndef SAFESHARE_CLIENT_CLI_HEALTH_COMMAND_H_
#define SAFESHARE_CLIENT_CLI_HEALTH_COMMAND_H_

#include <string>

#include <CLI/CLI.hpp>

#include "connection_flags.h"
#include "safeshare/client/health.h"

namespace safeshare::cli {

struct HealthFlags {
  std::string service{client::kBrokerServiceName};  // "" asks about the server as a whole
};

// Registers `health [--service NAME]`; `flags` must outlive parsing.
CLI::App* AddHealthCommand(CLI::App& app, HealthFlags& flags);

// Asks grpc.health.v1.Health/Check over the same mutual-TLS channel as every
// other call and prints the answer (SERVING, NOT_SERVING, UNKNOWN,
// SERVICE_UNKNOWN). Exit 0 only for SERVING, 1 for any other answer, 2 when
// there is no answer (the gRPC error is printed) or the flags are wrong, so
// a probe script tells "not serving" from "cannot ask".
int RunHealth(const ConnectionFlags& connection, const HealthFlags& flags);

}  // namespace safeshare::cli

#endif  // SAFESHARE_CLIENT_CLI_HEALTH_COMMAND_H_
