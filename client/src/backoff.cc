#include "backoff.h"

#include <algorithm>

namespace safeshare::client {

std::chrono::milliseconds BackoffDelay(const Backoff& policy, uint32_t attempt, double uniform01) {
  // Doubling stops at the cap; 2^attempt would overflow long before.
  int64_t ceiling = std::max<int64_t>(policy.base.count(), 0);
  for (uint32_t i = 0; i < attempt && ceiling > 0 && ceiling < policy.cap.count(); ++i) {
    ceiling *= 2;
  }
  ceiling = std::min<int64_t>(ceiling, policy.cap.count());
  const double draw = std::clamp(uniform01, 0.0, 1.0);
  return std::chrono::milliseconds(static_cast<int64_t>(draw * static_cast<double>(ceiling)));
}

bool ReconnectAfter(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kCancelled:
    case absl::StatusCode::kAborted:
    case absl::StatusCode::kInternal:
    case absl::StatusCode::kResourceExhausted:
      return true;
    default:
      return false;
  }
}

}  // namespace safeshare::client
