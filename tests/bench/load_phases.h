#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "tests/bench/load_publisher.h"
#include "tests/bench/process_stats.h"
#include "tests/bench/recorder.h"

namespace safeshare::bench {

using Publishers = std::vector<std::unique_ptr<LoadPublisher>>;

// The measured window of a closed loop, with process samples at its edges.
struct WindowResult {
  double window_s = 0;
  std::optional<ProcessSample> server_before, server_after;       // server_pid
  std::optional<ProcessSample> self_before, self_after;           // this process
  std::optional<double> database_cpu_before, database_cpu_after;  // seconds, database_cpu
  bool drained = true;  // every call completed after the loop stopped
};

// Upper bound on the calls of any one phase, so no loop is unbounded in count.
constexpr int64_t kMaxCallsPerPhase = 50'000'000;

// Closed loop: `inflight` calls in flight in total, split over `publishers`,
// for warmup_s (not recorded) then seconds (recorded in `recorder`, which
// is reset first); then stops the loop and waits for the calls in flight.
// `database_cpu`, when given, reads the CPU seconds of the broker's database
// server at the window's edges.
using CpuReader = std::function<std::optional<double>()>;
WindowResult RunClosedLoop(Publishers& publishers, PhaseRecorder& recorder, int inflight,
                           double warmup_s, double seconds, pid_t server_pid,
                           const CpuReader& database_cpu = {});

// Paced: `rate` publishes per second for `seconds`, round robin over
// `publishers`, whatever the responses (an open loop); stops early if it
// falls 5 s behind schedule. Leaves the recorder on (deliveries still
// arrive); the caller stops it. Returns the time spent issuing and the
// number of calls issued.
struct PacedResult {
  double issue_s = 0;
  uint64_t issued = 0;
  bool drained = true;
};
PacedResult RunPaced(Publishers& publishers, PhaseRecorder& recorder, double rate, double seconds);

// Backlog: a closed loop of `inflight` calls that stops after `count`
// calls or `max_seconds`, whichever first. Returns the seconds it took.
double RunCountedLoop(Publishers& publishers, int inflight, int64_t count, double max_seconds);

// Waits for every publisher's calls in flight (each bounded by its deadline).
bool WaitAllIdle(const Publishers& publishers);

}  // namespace safeshare::bench
