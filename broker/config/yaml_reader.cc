#include "broker/config/yaml_reader.h"

#include <algorithm>
#include <utility>

namespace safeshare::config {

YamlReader::YamlReader(const YAML::Node& node, std::string path, std::filesystem::path file)
    : node_(node), path_(std::move(path)), file_(std::move(file)) {}

std::string YamlReader::ChildPath(const std::string& key) const {
  return path_.empty() ? key : path_ + "." + key;
}

bool YamlReader::Has(const std::string& key) const {
  return node_.IsMap() && node_[key].IsDefined() && !node_[key].IsNull();
}

YamlReader YamlReader::Required(const std::string& key) const {
  if (!node_.IsMap()) Fail("expected a mapping");
  if (!Has(key)) {
    YamlReader(node_, ChildPath(key), file_).Fail("required key is missing");
  }
  return YamlReader(node_[key], ChildPath(key), file_);
}

std::vector<YamlReader> YamlReader::Sequence() const {
  if (!node_.IsSequence()) Fail("expected a list");
  std::vector<YamlReader> items;
  for (size_t i = 0; i < node_.size(); ++i) {
    items.emplace_back(node_[i], path_ + "[" + std::to_string(i) + "]", file_);
  }
  return items;
}

std::string YamlReader::String() const {
  if (!node_.IsScalar()) Fail("expected a single value");
  auto value = node_.as<std::string>();
  if (value.empty()) Fail("must not be empty");
  return value;
}

size_t YamlReader::Size() const {
  const auto text = String();
  if (!std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    Fail("expected a positive whole number, got '" + text + "'");
  }
  size_t value = 0;
  try {
    value = std::stoull(text);
  } catch (const std::out_of_range&) {
    Fail("number is too large");
  }
  if (value == 0) Fail("must be greater than 0");
  return value;
}

void YamlReader::RejectUnknownKeys(const std::vector<std::string>& known) const {
  if (!node_.IsMap()) Fail("expected a mapping");
  for (const auto& entry : node_) {
    const auto key = entry.first.as<std::string>();
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      YamlReader(entry.first, ChildPath(key), file_).Fail("unknown key (check the spelling)");
    }
  }
}

void YamlReader::Fail(const std::string& problem) const {
  const auto mark = node_.Mark();
  const std::string line = mark.line >= 0 ? std::to_string(mark.line + 1) : "?";
  throw ConfigError(file_.string() + ":" + line + ": " + (path_.empty() ? "(top)" : path_) + ": " +
                    problem);
}

}  // namespace safeshare::config
