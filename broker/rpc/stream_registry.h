#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace safeshare::rpc {

// The open Subscribe streams, so shutdown can end them promptly (a stream
// never ends by itself) instead of waiting for the server's deadline.
// Thread-safe.
class StreamRegistry {
 public:
  using Stop = std::function<void()>;  // must only schedule work, not block

  uint64_t Add(Stop stop) {
    {
      absl::MutexLock lock(&mu_);
      if (!stopping_) {
        streams_.emplace(next_, std::move(stop));
        return next_++;
      }
    }
    stop();
    return 0;
  }

  void Remove(uint64_t token) {
    absl::MutexLock lock(&mu_);
    streams_.erase(token);
  }

  // Asks every open stream to finish; streams added later finish at once.
  // The stops run without the lock: a stream may leave (Remove) meanwhile.
  void StopAll() {
    std::vector<Stop> stops;
    {
      absl::MutexLock lock(&mu_);
      stopping_ = true;
      for (auto& [token, stop] : streams_) stops.push_back(stop);
    }
    for (auto& stop : stops) stop();
  }

 private:
  absl::Mutex mu_;
  uint64_t next_ ABSL_GUARDED_BY(mu_) = 1;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::map<uint64_t, Stop> streams_ ABSL_GUARDED_BY(mu_);
};

}  // namespace safeshare::rpc
