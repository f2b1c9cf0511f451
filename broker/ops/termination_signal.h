#pragma once

namespace safeshare::ops {

// Blocks the calling thread until SIGTERM or SIGINT arrives and returns its
// number. Install before starting other threads' work is not required: the
// signals are handled through Boost.Asio, not a raw handler.
int WaitForTerminationSignal();

}  // namespace safeshare::ops
