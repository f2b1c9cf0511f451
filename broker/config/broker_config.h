#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "broker/core/logging.h"
#include "broker/core/strong_id.h"

namespace safeshare::config {

struct TlsConfig {
  std::filesystem::path certificate;  // broker's server certificate chain (PEM)
  std::filesystem::path private_key;
  std::filesystem::path client_ca;  // CA that signs agency client certificates
};

struct Agency {
  AgencyId id;
  std::string role;             // one of kAgencyRoles
  std::string certificate_uri;  // SAN URI in the agency's client certificate
};

// One row of the sharing table: agencies with a role in `publishers` may
// publish `type`; it is delivered to every other agency whose role is in
// `recipients`. Anything not listed is denied.
struct SharingRule {
  std::string id;    // the rule named in the audit log, e.g. "ISA-03"
  std::string type;  // one of kNotificationTypes
  std::vector<std::string> publishers;
  std::vector<std::string> recipients;
  std::string lawful_basis;  // one of kLawfulBases
};

struct BrokerConfig {
  std::string listen = "127.0.0.1:50051";
  TlsConfig tls;
  std::filesystem::path store_path;
  LogFormat log_format = LogFormat::kText;
  std::string log_level = "info";
  size_t max_message_bytes = 1 << 20;
  std::vector<Agency> agencies;
  std::vector<SharingRule> sharing;
};

// Reads and validates a broker configuration. Relative paths are resolved
// against the directory of `file`. Errors read "FILE:LINE: KEY: problem".
absl::StatusOr<BrokerConfig> LoadBrokerConfig(const std::filesystem::path& file);

// As LoadBrokerConfig, from text; `file` names the source in errors and
// anchors relative paths.
absl::StatusOr<BrokerConfig> ParseBrokerConfig(const std::string& yaml,
                                               const std::filesystem::path& file);

}  // namespace safeshare::config
