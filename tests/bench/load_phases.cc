#include "tests/bench/load_phases.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "tests/bench/bench_clock.h"

namespace safeshare::bench {
namespace {

void SleepSeconds(double seconds) {
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
}

double SecondsSince(int64_t start_ns) { return static_cast<double>(SteadyNs() - start_ns) / 1e9; }

// Starts `inflight` chains in total, as evenly as possible over the publishers.
void StartLoops(Publishers& publishers, int inflight, std::atomic<int64_t>* budget) {
  const int n = static_cast<int>(publishers.size());
  for (int i = 0; i < n; ++i) {
    publishers[i]->StartClosedLoop(inflight / n + (i < inflight % n ? 1 : 0), budget);
  }
}

void StopLoops(Publishers& publishers) {
  for (auto& p : publishers) p->StopLoop();
}

}  // namespace

bool WaitAllIdle(const Publishers& publishers) {
  const auto deadline =
      std::chrono::steady_clock::now() + LoadPublisher::kCallDeadline + std::chrono::seconds(5);
  bool idle = true;
  for (const auto& p : publishers) idle = p->WaitIdle(deadline) && idle;
  return idle;
}

WindowResult RunClosedLoop(Publishers& publishers, PhaseRecorder& recorder, int inflight,
                           double warmup_s, double seconds, pid_t server_pid,
                           const CpuReader& database_cpu) {
  std::atomic<int64_t> budget{kMaxCallsPerPhase};
  recorder.Stop();
  recorder.Reset();
  StartLoops(publishers, inflight, &budget);
  SleepSeconds(warmup_s);
  WindowResult result;
  result.server_before = SampleProcess(server_pid);
  result.self_before = SampleProcess(::getpid());
  if (database_cpu) result.database_cpu_before = database_cpu();
  const int64_t start = SteadyNs();
  recorder.Start();
  SleepSeconds(seconds);
  recorder.Stop();
  result.window_s = SecondsSince(start);
  result.server_after = SampleProcess(server_pid);
  result.self_after = SampleProcess(::getpid());
  if (database_cpu) result.database_cpu_after = database_cpu();
  StopLoops(publishers);
  result.drained = WaitAllIdle(publishers);
  return result;
}

PacedResult RunPaced(Publishers& publishers, PhaseRecorder& recorder, double rate, double seconds) {
  recorder.Stop();
  recorder.Reset();
  recorder.Start();
  const auto total = static_cast<uint64_t>(rate * seconds);
  const auto start = std::chrono::steady_clock::now();
  const auto give_up = SteadyAfter(seconds + 5);
  const std::chrono::duration<double> interval(1.0 / rate);
  PacedResult result;
  for (; result.issued < total; ++result.issued) {
    const auto due = start + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                 interval * static_cast<double>(result.issued));
    if (due > give_up || std::chrono::steady_clock::now() > give_up) break;
    std::this_thread::sleep_until(due);
    publishers[result.issued % publishers.size()]->PublishOnce();
  }
  result.issue_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  result.drained = WaitAllIdle(publishers);
  return result;
}

double RunCountedLoop(Publishers& publishers, int inflight, int64_t count, double max_seconds) {
  std::atomic<int64_t> budget{std::min(count, kMaxCallsPerPhase)};
  const int64_t start = SteadyNs();
  const auto give_up = SteadyAfter(max_seconds);
  StartLoops(publishers, inflight, &budget);
  while (budget.load() > 0 && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  StopLoops(publishers);  // on time-out; a spent budget has stopped them already
  WaitAllIdle(publishers);
  return SecondsSince(start);
}

}  // namespace safeshare::bench
