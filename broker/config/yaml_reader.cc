#include "broker/config/yaml_reader.h"

#include <set>

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

void YamlReader::RejectDuplicateKeys() const {
  if (!node_.IsMap()) Fail("expected a mapping");
  std::set<std::string> seen;
  for (const auto& entry : node_) {
    const auto key = entry.first.as<std::string>();
    if (!seen.insert(key).second) {
      // yaml-cpp keeps both and answers lookups with the first: the later
      // value would be silently ignored (an over-share, for a withheld list).
      YamlReader(entry.first, ChildPath(key), file_)
          .Fail("duplicate key: give each key once (the second would be ignored)");
    }
  }
}

std::vector<std::pair<YamlReader, YamlReader>> YamlReader::Mapping() const {
  RejectDuplicateKeys();
  std::vector<std::pair<YamlReader, YamlReader>> entries;
  for (const auto& entry : node_) {
    const std::string path = ChildPath(YamlReader(entry.first, path_, file_).String());
    entries.emplace_back(YamlReader(entry.first, path, file_),
                         YamlReader(entry.second, path, file_));
  }
  return entries;
}

std::vector<std::string> YamlReader::Strings() const {
  std::vector<std::string> values;
  for (const auto& item : Sequence()) values.push_back(item.String());
  return values;
}

int YamlReader::Line() const {
  const auto mark = node_.Mark();
  return mark.line >= 0 ? mark.line + 1 : 0;
}

std::string YamlReader::String() const {
  if (!node_.IsScalar()) Fail("expected a single value");
  auto value = node_.as<std::string>();
  if (value.empty()) Fail("must not be empty");
  return value;
}

std::string YamlReader::OneOf(const std::vector<std::string_view>& names) const {
  auto value = String();
  if (std::find(names.begin(), names.end(), value) != names.end()) return value;
  std::string choices;
  for (auto name : names) choices += (choices.empty() ? "" : ", ") + std::string(name);
  Fail("unknown value '" + value + "'; expected one of " + choices);
}

bool YamlReader::Bool() const {
  const auto text = String();
  if (text == "true") return true;
  if (text == "false") return false;
  Fail("expected true or false, got '" + text + "'");
}

size_t YamlReader::InRange(size_t min, size_t max) const {
  const size_t value = Size();
  if (value < min || value > max) {
    Fail("must be from " + std::to_string(min) + " to " + std::to_string(max) + ", got " +
         std::to_string(value));
  }
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

std::chrono::seconds YamlReader::Duration() const {
  const auto text = String();
  const auto* unit = text.empty()
                         ? kPeriodUnits.end()
                         : std::find_if(kPeriodUnits.begin(), kPeriodUnits.end(),
                                        [&](const auto& u) { return u.first == text.back(); });
  const auto digits = std::string_view(text).substr(0, text.empty() ? 0 : text.size() - 1);
  if (unit == kPeriodUnits.end() || digits.empty() || digits.size() > 9 ||
      !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    Fail("expected a period such as 30d, 12h, 45m or 90s, got '" + text + "'");
  }
  constexpr int64_t kMaxSeconds = int64_t{100} * 366 * 86'400;
  const int64_t seconds = std::stoll(std::string(digits)) * unit->second;
  if (seconds == 0) Fail("must be longer than 0");
  if (seconds > kMaxSeconds) Fail("must be at most 100 years, got '" + text + "'");
  return std::chrono::seconds(seconds);
}

void YamlReader::RejectUnknownKeys(const std::vector<std::string>& known) const {
  RejectDuplicateKeys();
  for (const auto& entry : node_) {
    const auto key = entry.first.as<std::string>();
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      YamlReader(entry.first, ChildPath(key), file_).Fail("unknown key (check the spelling)");
    }
  }
}

std::string YamlReader::Where() const {
  const std::string line = Line() > 0 ? std::to_string(Line()) : "?";
  return file_.string() + ":" + line + ": " + (path_.empty() ? "(top)" : path_);
}

void YamlReader::Fail(const std::string& problem) const {
  throw ConfigError(Where() + ": " + problem);
}

absl::Status ReadYamlDocument(const std::string& text, const std::filesystem::path& file,
                              const std::function<void(const YamlReader& root)>& read) {
  try {
    read(YamlReader(YAML::Load(text), "", file));
    return absl::OkStatus();
  } catch (const ConfigError& e) {
    return absl::InvalidArgumentError(e.what());
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(file.string() + ":" + std::to_string(e.mark.line + 1) +
                                      ": not valid YAML: " + e.msg);
  }
}

}  // namespace safeshare::config
