#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "broker/core/clock.h"

namespace safeshare::service {

// When the caller stops waiting for a read: wall-clock microseconds since
// the Unix epoch, as the caller's deadline says (0: no deadline). Reads
// that take several steps (pages of the store, or a wait in a queue before
// the first) check it before each, against the service's Clock, so a
// caller that has given up no longer costs store reads.
inline absl::Status CheckDeadline(const Clock& clock, int64_t deadline_micros,
                                  std::string_view what) {
  if (deadline_micros == 0 || clock.WallMicros() < deadline_micros) return absl::OkStatus();
  return absl::DeadlineExceededError(
      "the call's deadline passed while the broker was reading " + std::string(what) +
      "; nothing more was read: ask again with a later deadline, or for less (a narrower filter "
      "or a smaller page)");
}

// A deadline with the clock it is read on, for a read that outlives the call
// that started it (an export read piece by piece).
struct ReadDeadline {
  const Clock* clock = &SystemClock();
  int64_t micros = 0;  // 0: none
};

}  // namespace safeshare::service
