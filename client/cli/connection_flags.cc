#include "connection_flags.h"

#include <iostream>

#include "absl/strings/str_cat.h"

namespace safeshare::cli {
namespace {

// Agency names become file names, so keep them to a safe alphabet.
std::string CheckAgencyName(std::string& name) {
  if (name.empty() ||
      name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-") != std::string::npos) {
    return "agency must be lowercase letters, digits and '-' (e.g. police, cfs)";
  }
  return "";
}

}  // namespace

void AddConnectionFlags(CLI::App& app, ConnectionFlags& flags) {
  app.add_option("--broker", flags.broker, "broker address host:port")->capture_default_str();
  app.add_option("--agency", flags.agency,
                 "agency whose dev certificate to use (certs/out/AGENCY.crt|key)")
      ->capture_default_str()
      ->check(CLI::Validator(CheckAgencyName, "AGENCY"));
  app.add_option("--cert", flags.cert, "client certificate PEM (overrides --agency)");
  app.add_option("--key", flags.key, "client private key PEM (overrides --agency)");
  app.add_option("--ca", flags.ca, "partnership CA certificate PEM (default certs/out/ca.crt)");
}

client::ClientOptions ToClientOptions(const ConnectionFlags& flags) {
  client::ClientOptions options = client::DevPkiOptions(flags.agency);
  options.broker = flags.broker;
  if (!flags.cert.empty()) {
    options.cert = flags.cert;
  }
  if (!flags.key.empty()) {
    options.key = flags.key;
  }
  if (!flags.ca.empty()) {
    options.ca = flags.ca;
  }
  return options;
}

std::optional<client::Client> ConnectOrReport(const ConnectionFlags& flags) {
  absl::StatusOr<client::Client> client = client::Client::Connect(ToClientOptions(flags));
  if (client.ok()) {
    return *std::move(client);
  }
  std::string hint;
  const bool dev_pki = flags.cert.empty() || flags.key.empty() || flags.ca.empty();
  if (client.status().code() == absl::StatusCode::kNotFound && dev_pki) {
    hint = " (run certs/gen-dev-pki.sh from the repository root, or pass --cert/--key/--ca)";
  }
  std::cerr << client.status().message() << hint << '\n';
  return std::nullopt;
}

}  // namespace safeshare::cli
