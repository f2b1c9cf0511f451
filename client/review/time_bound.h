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

}  // namespace safeshare::review

#endif  // SAFESHARE_CLIENT_REVIEW_TIME_BOUND_H_
