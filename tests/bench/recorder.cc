#include "tests/bench/recorder.h"

#include <thread>

namespace safeshare::bench {

void PhaseRecorder::Reset() {
  publish_latency_.Reset();
  delivery_latency_.Reset();
}

uint64_t DeliveryTally::WaitComplete(std::chrono::steady_clock::time_point deadline) const {
  while (delivered() < expected() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return delivered() >= expected() ? 0 : expected() - delivered();
}

void ErrorLog::Record(const std::string& what) {
  if (count_.fetch_add(1, std::memory_order_relaxed) > 0) return;
  absl::MutexLock lock(&mu_);
  first_ = what;
}

std::string ErrorLog::first() const {
  absl::MutexLock lock(&mu_);
  return first_;
}

}  // namespace safeshare::bench
