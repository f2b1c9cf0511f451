// The phases of BenchRun; set-up and tear-down are in bench_run.cc.
#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "tests/bench/agency_channel.h"
#include "tests/bench/bench_clock.h"
#include "tests/bench/bench_run.h"
#include "tests/bench/noop_process.h"
#include "tests/bench/payloads.h"

namespace safeshare::bench {
namespace {

std::string Seconds(double s) {
  char text[32];
  std::snprintf(text, sizeof(text), "%g s", s);
  return text;
}

}  // namespace

void BenchRun::RunThroughput() {
  Progress("closed loop: " + std::to_string(options_.inflight) + " in flight, warm-up " +
           Seconds(options_.warmup_s) + ", measuring " + Seconds(options_.seconds));
  CpuReader database_cpu;
  if (postgres_ != nullptr) database_cpu = [this] { return postgres_->ServerCpuSeconds(); };
  const auto w = RunClosedLoop(publishers_, recorder_, options_.inflight, options_.warmup_s,
                               options_.seconds, broker_pid_, database_cpu);
  if (!w.drained) errors_.Record("publish calls did not complete by their deadline");
  ThroughputFigures t;
  t.window_s = w.window_s;
  t.publishes = recorder_.publish_latency().count();
  t.deliveries = recorder_.delivery_latency().count();
  t.publish = recorder_.publish_latency().Summary();
  t.delivery = recorder_.delivery_latency().Summary();
  t.broker_cpu_us_per_notification = CpuMicrosPer(w.server_before, w.server_after, t.publishes);
  t.bench_cpu_us_per_notification = CpuMicrosPer(w.self_before, w.self_after, t.publishes);
  if (w.database_cpu_before && w.database_cpu_after && t.publishes > 0) {
    t.database_cpu_us_per_notification =
        (*w.database_cpu_after - *w.database_cpu_before) * 1e6 / static_cast<double>(t.publishes);
  }
  report_.throughput = t;
  report_.throughput->catch_up_s = WaitDeliveries("closed loop", options_.delivery_wait_s);
}

void BenchRun::RunPacedPhase() {
  Progress("paced: " + std::to_string(static_cast<int>(options_.paced_rate)) + "/s for " +
           Seconds(options_.paced_seconds));
  const auto r = RunPaced(publishers_, recorder_, options_.paced_rate, options_.paced_seconds);
  if (!r.drained) errors_.Record("paced publish calls did not complete by their deadline");
  WaitDeliveries("paced", options_.delivery_wait_s);
  recorder_.Stop();
  PacedFigures p;
  p.target_rate = options_.paced_rate;
  p.seconds = options_.paced_seconds;
  p.publishes = recorder_.publish_latency().count();
  p.achieved_rate = static_cast<double>(p.publishes) / std::max(r.issue_s, options_.paced_seconds);
  p.publish = recorder_.publish_latency().Summary();
  p.delivery = recorder_.delivery_latency().Summary();
  report_.paced = p;
}

void BenchRun::RunBacklog() {
  Progress("backlog: publishing " + std::to_string(options_.backlog) +
           " notifications with no subscriber connected");
  recorder_.Reset();
  BacklogFigures b;
  b.requested = static_cast<uint64_t>(options_.backlog);
  b.publish_s =
      RunCountedLoop(publishers_, options_.inflight, options_.backlog, options_.backlog_seconds);
  for (const auto& p : publishers_) b.published += p->succeeded();
  if (auto sample = SampleProcess(broker_pid_)) {
    b.peak_rss_after_publish_mib = KibToMib(sample->peak_rss_kib);
  }
  Progress("backlog: subscribing and draining");
  const int64_t drain_start = SteadyNs();
  StartSubscribers();
  WaitDeliveries("backlog drain", options_.backlog_seconds);
  b.drain_s = static_cast<double>(SteadyNs() - drain_start) / 1e9;
  if (auto sample = SampleProcess(broker_pid_)) {
    b.peak_rss_after_drain_mib = KibToMib(sample->peak_rss_kib);
  }
  CloseSubscribers();
  report_.backlog = b;
}

void BenchRun::RunCeiling() {
  if (!std::filesystem::exists(pki_dir_ + "/broker.key")) {
    Progress("transport ceiling skipped: no broker.crt/key in " + pki_dir_);
    return;
  }
  Progress("transport ceiling: no-op server, same mTLS, " + Seconds(options_.seconds));
  auto server = NoopServerProcess::Start(pki_dir_);
  if (!server.ok()) return errors_.Record("ceiling: " + std::string(server.status().message()));
  const std::string target = "localhost:" + std::to_string((*server)->port());
  PublishShared shared{&recorder_, nullptr, {}, 0, &errors_, run_prefix_};
  Publishers publishers;
  for (const auto& flow : flows_) {
    auto channel = ConnectAgency(target, pki_dir_, flow.publisher);
    if (!channel.ok()) return errors_.Record("ceiling: " + std::string(channel.status().message()));
    publishers.push_back(std::make_unique<LoadPublisher>(
        *channel, flow.publisher, PayloadTemplate(flow.type, run_prefix_), shared));
  }
  const auto w = RunClosedLoop(publishers, recorder_, options_.inflight, options_.warmup_s,
                               options_.seconds, (*server)->pid());
  CeilingFigures c;
  c.window_s = w.window_s;
  c.calls = recorder_.publish_latency().count();
  c.call = recorder_.publish_latency().Summary();
  c.server_cpu_us_per_call = CpuMicrosPer(w.server_before, w.server_after, c.calls);
  report_.ceiling = c;
  RetirePublishers(publishers, false);
}

}  // namespace safeshare::bench
