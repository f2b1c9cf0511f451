#include "broker/ops/termination_signal.h"

#include <csignal>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

namespace safeshare::ops {

int WaitForTerminationSignal() {
  boost::asio::io_context io;
  boost::asio::signal_set signals(io, SIGTERM, SIGINT);
  int received = 0;
  signals.async_wait([&](const boost::system::error_code& error, int signal) {
    if (!error) received = signal;
  });
  io.run();
  return received;
}

}  // namespace safeshare::ops
