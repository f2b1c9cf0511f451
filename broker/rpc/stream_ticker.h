#pragma once

#include <chrono>
#include <functional>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace safeshare::rpc {

// Calls `tick` on `pool` every `period` until Stop(), for the Subscribe
// streams' heartbeats (service::BrokerService::TickStreams). A tick that
// finds nothing due costs a comparison per stream. Stop before joining the
// pool: a pending timer keeps it busy (destroying the ticker also cancels
// its timer, whose handler then returns at once). Thread-safe.
class StreamTicker {
 public:
  StreamTicker(boost::asio::thread_pool& pool, std::chrono::milliseconds period,
               std::function<void()> tick);
  StreamTicker(const StreamTicker&) = delete;
  StreamTicker& operator=(const StreamTicker&) = delete;

  // Cancels the timer; `tick` is not called again once a running one returns. Idempotent.
  void Stop();

 private:
  void Arm() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::chrono::milliseconds period_;
  const std::function<void()> tick_;
  absl::Mutex mu_;
  boost::asio::steady_timer timer_ ABSL_GUARDED_BY(mu_);
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace safeshare::rpc
