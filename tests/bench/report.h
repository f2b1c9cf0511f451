#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tests/bench/histogram.h"

namespace safeshare::bench {

// Closed loop against the broker, over the measured window.
struct ThroughputFigures {
  double window_s = 0;
  uint64_t publishes = 0;   // successful publishes completed in the window
  uint64_t deliveries = 0;  // deliveries of this run received in the window
  LatencySummary publish;   // publish call latency
  LatencySummary delivery;  // publish-to-delivery (created_at to arrival)
  double catch_up_s = 0;    // from the loop's end until the last delivery arrived
  std::optional<double> broker_cpu_us_per_notification;
  std::optional<double> bench_cpu_us_per_notification;  // this process: clients + subscribers
  // PostgreSQL's processes (store postgres, server on this machine)
  std::optional<double> database_cpu_us_per_notification;
};

struct PacedFigures {
  double target_rate = 0;
  double seconds = 0;
  uint64_t publishes = 0;
  double achieved_rate = 0;
  LatencySummary publish;
  LatencySummary delivery;
};

// Same publishers against the no-op server.
struct CeilingFigures {
  double window_s = 0;
  uint64_t calls = 0;
  LatencySummary call;
  std::optional<double> server_cpu_us_per_call;
};

struct BacklogFigures {
  uint64_t requested = 0;
  uint64_t published = 0;
  double publish_s = 0;
  std::optional<double> peak_rss_after_publish_mib;
  double drain_s = 0;  // from subscribing until every delivery arrived
  std::optional<double> peak_rss_after_drain_mib;
};

struct BenchReport {
  std::string mode;    // "own_broker" or "external_broker"
  std::string target;  // broker address
  std::string store;   // own broker: "sqlite" or "postgres"; empty for a running broker
  std::string postgres_database;
  std::vector<std::pair<std::string, std::string>> postgres_settings;  // SHOW name, value
  int fanout = 0;  // 0: a running broker's own sharing table decides
  int inflight = 0;
  double warmup_s = 0;
  std::vector<std::pair<std::string, size_t>> message_bytes;  // type, serialized size
  std::optional<ThroughputFigures> throughput;
  std::optional<PacedFigures> paced;
  std::optional<CeilingFigures> ceiling;
  std::optional<BacklogFigures> backlog;
  std::optional<double> broker_peak_rss_mib;
  uint64_t publishes_total = 0;  // successful, every phase against the broker
  uint64_t publish_errors = 0;
  uint64_t deliveries_expected = 0;
  uint64_t deliveries_received = 0;
  uint64_t deliveries_missing = 0;
  std::optional<double> deliveries_per_publish;  // observed fan-out
  std::optional<double> deliveries_per_message;  // how the broker packs stream messages
  uint64_t duplicates = 0;
  uint64_t errors = 0;  // every failure: publish, acknowledge, stream, set-up
  std::string first_error;

  bool ok() const { return errors == 0 && deliveries_missing == 0; }
};

// The human table, for a terminal.
std::string FormatTable(const BenchReport& report);
// The same figures as one line of JSON with snake_case keys (no newline);
// absent figures are null.
std::string FormatJson(const BenchReport& report);

}  // namespace safeshare::bench
