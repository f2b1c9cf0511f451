#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "absl/status/status.h"

namespace safeshare::config {

// The units a period is written in (YamlReader::Duration, PeriodText),
// largest first, with their length in seconds.
inline constexpr std::array<std::pair<char, int64_t>, 4> kPeriodUnits = {
    {{'d', 86'400}, {'h', 3'600}, {'m', 60}, {'s', 1}}};

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
  // A YAML mapping's entries in file order: (key, value) readers, both with
  // the path "parent.KEY"; the key reader fails at the key's line.
  std::vector<std::pair<YamlReader, YamlReader>> Mapping() const;

  std::string String() const;
  std::vector<std::string> Strings() const;  // a list of String()s; may be empty
  // String() that must be one of `names`.
  template <size_t N>
  std::string OneOf(const std::array<std::string_view, N>& names) const {
    return OneOf(std::vector<std::string_view>(names.begin(), names.end()));
  }
  std::string OneOf(const std::vector<std::string_view>& names) const;
  // A non-empty list of OneOf(names).
  template <size_t N>
  std::vector<std::string> ListOf(const std::array<std::string_view, N>& names) const {
    std::vector<std::string> values;
    for (const auto& item : Sequence()) values.push_back(item.OneOf(names));
    if (values.empty()) Fail("list must not be empty");
    return values;
  }
  size_t Size() const;                           // a positive integer
  size_t InRange(size_t min, size_t max) const;  // Size() within [min, max]
  bool Bool() const;                             // true or false
  // A positive period written as a whole number and a unit: "30d" (days),
  // "12h", "45m" or "90s", at most 100 years.
  std::chrono::seconds Duration() const;
  // Fails on a key not in `known`, and on a key given twice.
  void RejectUnknownKeys(const std::vector<std::string>& known) const;

  [[noreturn]] void Fail(const std::string& problem) const;
  // "FILE:LINE: key.path", as errors begin.
  std::string Where() const;
  const std::string& path() const { return path_; }
  int Line() const;  // 1-based line of the node in its file; 0 when unknown

 private:
  std::string ChildPath(const std::string& key) const;
  // Fails unless this is a mapping with each key once.
  void RejectDuplicateKeys() const;

  YAML::Node node_;
  std::string path_;
  std::filesystem::path file_;
};

// Parses `text` as one YAML document named `file` and hands its root to
// `read`. A ConfigError from `read`, or YAML that does not parse, becomes
// INVALID_ARGUMENT "FILE:LINE: ...": nothing is thrown out of the call.
absl::Status ReadYamlDocument(const std::string& text, const std::filesystem::path& file,
                              const std::function<void(const YamlReader& root)>& read);

}  // namespace safeshare::config
