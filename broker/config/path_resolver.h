#pragma once

#include <filesystem>
#include <utility>
#include <vector>

#include "broker/config/broker_config.h"
#include "broker/config/yaml_reader.h"

namespace safeshare::config {

// Resolves the paths the file names against its directory, to absolute
// paths, and keeps those written relative to it (for errors about them).
class PathResolver {
 public:
  PathResolver(std::filesystem::path dir, std::vector<RelativePath>& relative)
      : dir_(std::move(dir)), relative_(relative) {}

  std::filesystem::path operator()(const YamlReader& node) const {
    std::filesystem::path written = node.String();
    if (written.is_absolute()) return written;
    std::filesystem::path resolved = (dir_ / written).lexically_normal();
    relative_.push_back({node.Where(), written.string(), dir_, resolved});
    return resolved;
  }

 private:
  std::filesystem::path dir_;  // absolute
  std::vector<RelativePath>& relative_;
};

}  // namespace safeshare::config
