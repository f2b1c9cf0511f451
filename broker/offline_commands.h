#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "broker/config/broker_config.h"
#include "broker/core/data_keys.h"

namespace safeshare {

// The data keys the config names (data_keys.directory, data_keys.current).
absl::StatusOr<std::shared_ptr<const DataKeys>> LoadDataKeys(const config::BrokerConfig& config);

// safeshare-broker's subcommands on the store file (the broker may be
// running): each prints what it found and returns the process exit code.

// `audit`: prints the audit trail, verifies its hash chain and every
// notification body. 0 when both are intact.
int PrintAudit(const config::BrokerConfig& config);
// `backup --to FILE [--force]`: a checked, consistent copy.
int Backup(const config::BrokerConfig& config, const std::string& to, bool force);
// `rekey`: reseals every body not under data_keys.current.
int Rekey(const config::BrokerConfig& config);

}  // namespace safeshare
