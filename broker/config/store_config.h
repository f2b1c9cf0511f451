#pragma once

#include "broker/config/broker_config.h"
#include "broker/config/path_resolver.h"
#include "broker/config/yaml_reader.h"

namespace safeshare::config {

// `store:`: an SQLite file (`path:`, the default) or a PostgreSQL database
// (`kind: postgres`, `dsn:` without a password, `password_file:`,
// `state_directory:`); see StoreConfig. Refusals name file, line and key.
StoreConfig ReadStore(const YamlReader& node, const PathResolver& path);

}  // namespace safeshare::config
