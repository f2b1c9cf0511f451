#pragma once

#include <functional>

namespace safeshare::ops {

// Blocks the calling thread until SIGTERM or SIGINT arrives and returns its
// number. Each SIGHUP meanwhile runs `on_hangup` (on this thread) and keeps
// waiting: the broker reloads its agreements on SIGHUP. The signals are
// handled through Boost.Asio, not a raw handler.
int WaitForTerminationSignal(const std::function<void()>& on_hangup = {});

}  // namespace safeshare::ops
