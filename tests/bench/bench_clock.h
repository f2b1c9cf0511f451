#pragma once

#include <chrono>
#include <cstdint>

namespace safeshare::bench {

// Monotonic nanoseconds, for durations measured inside one process.
inline int64_t SteadyNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Wall-clock nanoseconds since the Unix epoch. Publish-to-delivery latency
// compares the publisher's created_at with the subscriber's clock, which is
// the same clock because both run in this process.
inline int64_t WallNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

inline std::chrono::steady_clock::time_point SteadyAfter(double seconds) {
  return std::chrono::steady_clock::now() +
         std::chrono::duration_cast<std::chrono::steady_clock::duration>(
             std::chrono::duration<double>(seconds));
}

}  // namespace safeshare::bench
