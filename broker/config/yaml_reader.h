#pragma once

#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

namespace safeshare::config {

// Raised while reading; converted to absl::Status at the module boundary and
// never thrown out of this module.
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A YAML node together with its key path ("agencies[2].role") and source file,
// so every error can name file, line and key.
class YamlReader {
 public:
  YamlReader(const YAML::Node& node, std::string path, std::filesystem::path file);

  // Child accessors. Required() fails when the key is missing.
  YamlReader Required(const std::string& key) const;
  bool Has(const std::string& key) const;
  std::vector<YamlReader> Sequence() const;  // a YAML sequence

  std::string String() const;
  size_t Size() const;  // a positive integer
  void RejectUnknownKeys(const std::vector<std::string>& known) const;

  [[noreturn]] void Fail(const std::string& problem) const;
  const std::string& path() const { return path_; }

 private:
  std::string ChildPath(const std::string& key) const;

  YAML::Node node_;
  std::string path_;
  std::filesystem::path file_;
};

}  // namespace safeshare::config
