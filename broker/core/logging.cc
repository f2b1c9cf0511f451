#include "broker/core/logging.h"

#include <mutex>
#include <string>

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace safeshare {
namespace {

constexpr const char* kTextPattern = "%Y-%m-%dT%H:%M:%S.%fZ %^%-5l%$ [%n] %v";
// One JSON object per line; the message is expected not to contain quotes
// from user input (we only log identifiers we validated).
constexpr const char* kJsonPattern =
    R"({"time":"%Y-%m-%dT%H:%M:%S.%fZ","level":"%l","module":"%n","msg":"%v"})";

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
  logger.set_pattern(settings.format == LogFormat::kJson ? kJsonPattern : kTextPattern,
                     spdlog::pattern_time_type::utc);
  logger.set_level(settings.level);
}

}  // namespace

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
