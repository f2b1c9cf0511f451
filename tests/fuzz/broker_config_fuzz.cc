// Fuzzes config::ParseBrokerConfig, the broker's YAML configuration, and the
// error explanation the broker prints for a config that names a bad path.
#include <cstddef>
#include <cstdint>
#include <string>

#include "broker/config/broker_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string yaml(reinterpret_cast<const char*>(data), size);
  // A fixed, absolute name: relative paths resolve against /fuzz/conf, and no
  // file is read.
  auto config = safeshare::config::ParseBrokerConfig(yaml, "/fuzz/conf/broker.yaml");
  if (!config.ok()) return 0;
  // As the broker explains a file it cannot read: each path the config
  // wrote relative to its directory, in turn.
  for (const auto& path : config->relative_paths) {
    (void)safeshare::config::ExplainConfigPaths(*config, "cannot read " + path.resolved.string());
  }
  return 0;
}
