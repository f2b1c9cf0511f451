#include "broker/core/logging.h"

#include <mutex>
#include <string>

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace safeshare {
namespace {

constexpr const char* kTextPattern = "%Y-%m-%dT%H:%M:%S.%fZ %^%-5l%$ [%n] %v";
// One JSON object per line. %* is the message escaped for a JSON string; the
// level and module names are ours and need no escaping.
constexpr const char* kJsonPattern =
    R"({"time":"%Y-%m-%dT%H:%M:%S.%fZ","level":"%l","module":"%n","msg":"%*"})";

// The two-character escape RFC 8259 gives `c`, or nullptr.
const char* ShortEscape(char c) {
  switch (c) {
    case '"':
      return "\\\"";
    case '\\':
      return "\\\\";
    case '\n':
      return "\\n";
    case '\r':
      return "\\r";
    case '\t':
      return "\\t";
    case '\b':
      return "\\b";
    case '\f':
      return "\\f";
    default:
      return nullptr;
  }
}

void AppendJsonEscaped(std::string_view text, spdlog::memory_buf_t& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (const char* escape = ShortEscape(c)) {
      out.append(escape, escape + 2);
    } else if (byte < 0x20) {  // other control characters: \u00XX
      const char unicode[] = {'\\', 'u', '0', '0', kHex[byte >> 4], kHex[byte & 0xf]};
      out.append(unicode, unicode + sizeof unicode);
    } else {
      out.push_back(c);
    }
  }
}

class JsonEscapedMessage final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm& /*time*/,
              spdlog::memory_buf_t& dest) override {
    AppendJsonEscaped(std::string_view(msg.payload.data(), msg.payload.size()), dest);
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<JsonEscapedMessage>();
  }
};

std::mutex& RegistryMutex() {
  static std::mutex mu;
  return mu;
}

struct Settings {
  LogFormat format = LogFormat::kText;
  spdlog::level::level_enum level = spdlog::level::info;
};

Settings& CurrentSettings() {
  static Settings settings;
  return settings;
}

void Apply(spdlog::logger& logger, const Settings& settings) {
  logger.set_formatter(MakeFormatter(settings.format));
  logger.set_level(settings.level);
}

}  // namespace

std::unique_ptr<spdlog::formatter> MakeFormatter(LogFormat format) {
  auto formatter = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
  if (format == LogFormat::kJson) {
    formatter->add_flag<JsonEscapedMessage>('*').set_pattern(kJsonPattern);
  } else {
    formatter->set_pattern(kTextPattern);
  }
  return formatter;
}

void ConfigureLogging(LogFormat format, spdlog::level::level_enum level) {
  std::lock_guard lock(RegistryMutex());
  CurrentSettings() = Settings{format, level};
  spdlog::apply_all([](const std::shared_ptr<spdlog::logger>& l) { Apply(*l, CurrentSettings()); });
}

std::shared_ptr<spdlog::logger> ModuleLogger(std::string_view module) {
  std::lock_guard lock(RegistryMutex());
  std::string name(module);
  if (auto existing = spdlog::get(name)) return existing;
  auto logger = spdlog::stderr_logger_mt(name);
  Apply(*logger, CurrentSettings());
  return logger;
}

}  // namespace safeshare
