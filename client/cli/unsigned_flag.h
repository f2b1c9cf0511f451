#ifndef SAFESHARE_CLIENT_CLI_UNSIGNED_FLAG_H_
#define SAFESHARE_CLIENT_CLI_UNSIGNED_FLAG_H_

#include <charconv>
#include <cstdint>
#include <string>
#include <system_error>

#include <CLI/CLI.hpp>

namespace safeshare::cli {

// CLI11 2.1 parses "-1" (and 2^64) into an unsigned option as 2^64-1;
// reject them instead.
inline CLI::Validator UnsignedInteger() {
  return CLI::Validator(
      [](std::string& value) -> std::string {
        uint64_t parsed = 0;
        const char* end = value.data() + value.size();
        const auto [ptr, error] = std::from_chars(value.data(), end, parsed);
        if (value.empty() || value[0] == '-' || error != std::errc() || ptr != end) {
          return "must be an integer from 0 to 18446744073709551615";
        }
        return "";
      },
      "UINT");
}

}  // namespace safeshare::cli

#endif  // SAFESHARE_CLIENT_CLI_UNSIGNED_FLAG_H_
