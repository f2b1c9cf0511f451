#include "broker/ops/termination_signal.h"

#include <csignal>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

namespace safeshare::ops {

int WaitForTerminationSignal(const std::function<void()>& on_hangup) {
  boost::asio::io_context io;
  boost::asio::signal_set signals(io, SIGTERM, SIGINT, SIGHUP);
  int received = 0;
  std::function<void(const boost::system::error_code&, int)> handle =
      [&](const boost::system::error_code& error, int signal) {
        if (error) return;
        if (signal != SIGHUP) {
          received = signal;
          return;
        }
        if (on_hangup) on_hangup();
        signals.async_wait(handle);
      };
  signals.async_wait(handle);
  io.run();
  return received;
}

}  // namespace safeshare::ops
