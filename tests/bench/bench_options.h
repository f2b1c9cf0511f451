#pragma once

#include <cstdint>
#include <string>

namespace safeshare::bench {

// Everything the command line controls. Durations are in seconds.
struct BenchOptions {
  int fanout = 3;     // recipients per published type (1-3), own broker only
  int inflight = 64;  // publish calls in flight in total (closed loop)
  double warmup_s = 2;
  double seconds = 10;
  double paced_rate = 1000;  // publishes per second in the paced phase
  double paced_seconds = 5;
  double delivery_wait_s = 30;   // bound on waiting for the last deliveries
  int64_t backlog = 0;           // > 0: run only the backlog scenario
  double backlog_seconds = 600;  // bound on each backlog step
  bool skip_ceiling = false;
  bool skip_paced = false;
  bool json_only = false;
  std::string broker;  // host:port of a running broker; empty = start our own
  std::string pki;     // PKI directory for `broker` (and the ceiling's server cert)
  int broker_pid = 0;  // pid of the external broker, to read its CPU and memory
  // Own broker only: the directory for its config, log and store, kept
  // afterwards; a store already there is used as it is (e.g. a prefilled
  // one, see prefill-store.sh). Empty: a fresh temporary directory.
  std::string store_dir;
  // Own broker only: its store, "sqlite" (a file in its directory) or
  // "postgres" (a fresh database on the server of postgres_dsn, or on a
  // throwaway server the bench starts when that is empty).
  std::string store = "sqlite";
  std::string postgres_dsn;            // libpq key=value string, no password
  std::string postgres_password_file;  // its password (mode 600)
};

// The hidden mode in which safeshare-bench is the no-op server of the
// transport ceiling.
struct NoopServerOptions {
  std::string pki;
  std::string port_file;
  double max_seconds = 3600;  // exits by itself after this long
};

}  // namespace safeshare::bench
