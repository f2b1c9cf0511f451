#ifndef SAFESHARE_CLIENT_REVIEW_TIME_BOUND_H_
#define SAFESHARE_CLIENT_REVIEW_TIME_BOUND_H_

#include <google/protobuf/timestamp.pb.h>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace safeshare::review {

// A time filter's bound from an RFC 3339 time ("2026-11-30T09:00:00Z",
// "2026-11-30T10:00:00+01:00") or a date ("2026-11-30", UTC). A date as the
// `end` (exclusive) bound means the end of that day, so "--from D --to D"
// is the whole day D. INVALID_ARGUMENT saying what is accepted otherwise.
absl::StatusOr<google::protobuf::Timestamp> ParseTimeBound(absl::string_view text, bool end);

// A time range's bound: what the user called it ("--from", or a field of
// the page), the text they gave and its parsed time (unset: not given).
struct TimeBound {
  absl::string_view name;
  absl::string_view text;
  const google::protobuf::Timestamp& at;
};

// OK unless both bounds are given and `to` is not later than `from`: then
// INVALID_ARGUMENT naming both as the user called them (the broker would
// name its own fields, filter.from and filter.to).
absl::Status CheckTimeRange(const TimeBound& from, const TimeBound& to);

}  // namespace safeshare::review

#endif  // SAFESHARE_CLIENT_REVIEW_TIME_BOUND_H_
