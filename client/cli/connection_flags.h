#ifndef SAFESHARE_CLIENT_CLI_CONNECTION_FLAGS_H_
#define SAFESHARE_CLIENT_CLI_CONNECTION_FLAGS_H_

#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "absl/status/statusor.h"
#include "safeshare/client/client.h"

namespace safeshare::cli {

// Global flags: where the broker is and which certificate to present.
struct ConnectionFlags {
  std::string broker = "localhost:50051";
  std::string agency = "police";  // picks certs/out/<agency>.crt|key
  std::string cert;               // overrides the dev PKI certificate
  std::string key;                // overrides the dev PKI key
  std::string ca;                 // overrides certs/out/ca.crt
};

// Registers --broker, --agency, --cert, --key and --ca on `app`. `flags`
// must outlive parsing.
void AddConnectionFlags(CLI::App& app, ConnectionFlags& flags);

// The client options the flags describe: dev PKI paths for --agency, with
// --cert/--key/--ca taking precedence.
client::ClientOptions ToClientOptions(const ConnectionFlags& flags);

// Connects, or prints a one-line error and returns nothing.
std::optional<client::Client> ConnectOrReport(const ConnectionFlags& flags);

}  // namespace safeshare::cli

#endif  // SAFESHARE_CLIENT_CLI_CONNECTION_FLAGS_H_
