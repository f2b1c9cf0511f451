#pragma once

#include "tests/bench/bench_options.h"

namespace safeshare::bench {

// The transport ceiling's server (safeshare-bench --noop-server): the
// Broker service over the broker's own mutual TLS (broker.crt/key from
// options.pki, client certificates required and verified against ca.crt),
// whose Publish answers at once with an empty PublishResponse; Subscribe
// and Acknowledge stay unimplemented. Listens on 127.0.0.1 and a free port,
// writes the port to options.port_file (atomically), and serves until
// SIGTERM or SIGINT, until its parent dies, or for options.max_seconds.
// Returns the process exit code.
int RunNoopServer(const NoopServerOptions& options);

}  // namespace safeshare::bench
