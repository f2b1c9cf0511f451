#pragma once

#include <memory>
#include <string_view>

#include <spdlog/formatter.h>
#include <spdlog/logger.h>

namespace safeshare {

enum class LogFormat { kText, kJson };

// Sets the sink format and level for every module logger, existing and future.
// Call once at start-up, before other threads log.
void ConfigureLogging(LogFormat format, spdlog::level::level_enum level);

// The formatter of a log line in `format`, times in UTC. A JSON line is one
// object {"time","level","module","msg"} whose message is escaped as RFC 8259
// requires (quotes, backslash, control characters), so no message can break
// the line or add fields. Bytes from 0x80 up pass through (UTF-8 expected).
std::unique_ptr<spdlog::formatter> MakeFormatter(LogFormat format);

// The named logger of one module ("store", "rpc", ...). Thread-safe; loggers
// live for the whole process. Never log payload content, personal identifiers
// or keys: agency, case reference and notification id only.
std::shared_ptr<spdlog::logger> ModuleLogger(std::string_view module);

}  // namespace safeshare
