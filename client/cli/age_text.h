#ifndef SAFESHARE_CLIENT_CLI_AGE_TEXT_H_
#define SAFESHARE_CLIENT_CLI_AGE_TEXT_H_

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"

namespace safeshare::cli {

// Now, as Unix seconds, for the ages of a table.
inline int64_t NowSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// An age for a table column: "45s", "12m", "5h", "3d" (negative: "0s").
inline std::string AgeText(int64_t seconds) {
  if (seconds < 120) return absl::StrCat(std::max<int64_t>(seconds, 0), "s");
  if (seconds < 7200) return absl::StrCat(seconds / 60, "m");
  if (seconds < 172800) return absl::StrCat(seconds / 3600, "h");
  return absl::StrCat(seconds / 86400, "d");
}

}  // namespace safeshare::cli

#endif  // SAFESHARE_CLIENT_CLI_AGE_TEXT_H_
