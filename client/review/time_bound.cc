#include "time_bound.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"

namespace safeshare::review {

absl::StatusOr<google::protobuf::Timestamp> ParseTimeBound(absl::string_view text, bool end) {
  absl::Time at;
  std::string error;
  if (absl::ParseTime("%Y-%m-%d", std::string(text), absl::UTCTimeZone(), &at, &error)) {
    if (end) at += absl::Hours(24);
  } else if (!absl::ParseTime(absl::RFC3339_full, std::string(text), &at, &error)) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", text,
                     "' is neither a date (2026-11-30) nor an RFC 3339 time "
                     "(2026-11-30T09:00:00Z)"));
  }
  google::protobuf::Timestamp timestamp;
  timestamp.set_seconds(absl::ToUnixSeconds(at));
  timestamp.set_nanos(static_cast<int32_t>((at - absl::FromUnixSeconds(timestamp.seconds())) /
                                           absl::Nanoseconds(1)));
  return timestamp;
}

absl::Status CheckTimeRange(const TimeBound& from, const TimeBound& to) {
  const auto set = [](const google::protobuf::Timestamp& at) {
    return at.seconds() != 0 || at.nanos() != 0;
  };
  if (!set(from.at) || !set(to.at)) return absl::OkStatus();
  if (std::make_pair(to.at.seconds(), to.at.nanos()) >
      std::make_pair(from.at.seconds(), from.at.nanos())) {
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(
      absl::StrCat(to.name, " ", to.text, " is not later than ", from.name, " ", from.text,
                   ": give ", from.name, " before ", to.name, " (", from.name, " is inclusive, ",
                   to.name, " exclusive; a date as ", to.name, " means the end of that day)"));
}

}  // namespace safeshare::review
