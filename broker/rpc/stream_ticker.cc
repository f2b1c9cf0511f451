#include "broker/rpc/stream_ticker.h"

#include <utility>

namespace safeshare::rpc {

StreamTicker::StreamTicker(boost::asio::thread_pool& pool, std::chrono::milliseconds period,
                           std::function<void()> tick)
    : period_(period), tick_(std::move(tick)), timer_(pool) {
  absl::MutexLock lock(&mu_);
  Arm();
}

void StreamTicker::Stop() {
  absl::MutexLock lock(&mu_);
  stopped_ = true;
  timer_.cancel();
}

void StreamTicker::Arm() {
  timer_.expires_after(period_);
  timer_.async_wait([this](const boost::system::error_code& error) {
    if (error) return;  // cancelled by Stop
    {
      absl::MutexLock lock(&mu_);
      if (stopped_) return;
    }
    tick_();
    absl::MutexLock lock(&mu_);
    if (!stopped_) Arm();
  });
}

}  // namespace safeshare::rpc
