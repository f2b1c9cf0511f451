#include <algorithm>
#include <cstdio>
#include <string>

#include "tests/bench/report.h"

namespace safeshare::bench {
namespace {

std::string Fmt(const char* format, double value) {
  char text[64];
  std::snprintf(text, sizeof(text), format, value);
  return text;
}

std::string Optional(const char* format, std::optional<double> value) {
  return value ? Fmt(format, *value) : "n/a";
}

std::string Line(const std::string& label, const std::string& value) {
  std::string out = "  " + label;
  out.resize(std::max<size_t>(out.size() + 1, 42), ' ');
  return out + value + "\n";
}

std::string Ms(double a, double b) { return Fmt("%.2f", a) + " / " + Fmt("%.2f", b) + " ms"; }

std::string Rate(uint64_t count, double seconds) {
  return seconds > 0 ? Fmt("%.0f", static_cast<double>(count) / seconds) : "n/a";
}

std::string Header(const BenchReport& r) {
  const std::string fanout = r.fanout > 0 ? std::to_string(r.fanout) : "per broker config";
  std::string out = "safeshare-bench: " + r.mode + " " + r.target + ", fanout " + fanout +
                    ", in flight " + std::to_string(r.inflight) + ", warm-up " +
                    Fmt("%g", r.warmup_s) + " s\n  message bytes:";
  for (const auto& [type, bytes] : r.message_bytes) {
    out += " " + type + " " + std::to_string(bytes);
  }
  if (!r.store.empty()) out += "\n  store: " + r.store;
  if (!r.postgres_database.empty()) out += ", database " + r.postgres_database;
  std::string settings;
  for (const auto& [name, value] : r.postgres_settings) {
    settings += settings.empty() ? "\n  PostgreSQL: " : ", ";
    settings.append(name).append(" ").append(value);
  }
  return out + settings + "\n";
}

std::string Throughput(const BenchReport& r) {
  const auto& t = *r.throughput;
  return "closed loop against the broker (" + Fmt("%.1f", t.window_s) + " s measured)\n" +
         Line("publishes/s", Rate(t.publishes, t.window_s)) +
         Line("deliveries/s", Rate(t.deliveries, t.window_s)) +
         Line("publish p50 / p99 / p99.9",
              Fmt("%.2f", t.publish.p50_ms) + " / " + Ms(t.publish.p99_ms, t.publish.p999_ms)) +
         Line("publish-to-delivery p50 / p99", Ms(t.delivery.p50_ms, t.delivery.p99_ms)) +
         Line("deliveries caught up after the loop", Fmt("%.2f s", t.catch_up_s)) +
         Line("broker CPU per notification",
              Optional("%.0f us", t.broker_cpu_us_per_notification)) +
         Line("bench CPU per notification", Optional("%.0f us", t.bench_cpu_us_per_notification)) +
         (t.database_cpu_us_per_notification
              ? Line("PostgreSQL CPU per notification",
                     Optional("%.0f us", t.database_cpu_us_per_notification))
              : "");
}

std::string Paced(const PacedFigures& p) {
  return "paced (" + Fmt("%.0f", p.target_rate) + "/s for " + Fmt("%g", p.seconds) + " s)\n" +
         Line("achieved publishes/s", Fmt("%.0f", p.achieved_rate)) +
         Line("publish p50 / p99", Ms(p.publish.p50_ms, p.publish.p99_ms)) +
         Line("publish-to-delivery p50 / p99", Ms(p.delivery.p50_ms, p.delivery.p99_ms));
}

std::string Ceiling(const BenchReport& r) {
  const auto& c = *r.ceiling;
  std::string ratio = "n/a";
  if (r.throughput && c.calls > 0 && c.window_s > 0 && r.throughput->window_s > 0) {
    const double broker = static_cast<double>(r.throughput->publishes) / r.throughput->window_s;
    ratio = Fmt("%.3f", broker / (static_cast<double>(c.calls) / c.window_s));
  }
  return "transport ceiling (no-op Publish, same mTLS, " + Fmt("%.1f", c.window_s) +
         " s measured)\n" + Line("calls/s", Rate(c.calls, c.window_s)) +
         Line("call p50 / p99", Ms(c.call.p50_ms, c.call.p99_ms)) +
         Line("server CPU per call", Optional("%.0f us", c.server_cpu_us_per_call)) +
         Line("broker publishes/s / ceiling calls/s", ratio);
}

std::string Backlog(const BacklogFigures& b) {
  return "backlog (no subscribers while publishing)\n" +
         Line("published", std::to_string(b.published) + " of " + std::to_string(b.requested)) +
         Line("publish time",
              Fmt("%.2f s", b.publish_s) + " (" + Rate(b.published, b.publish_s) + "/s)") +
         Line("broker peak RSS after publishing",
              Optional("%.1f MiB", b.peak_rss_after_publish_mib)) +
         Line("drain time (subscribe to last delivery)", Fmt("%.2f s", b.drain_s)) +
         Line("broker peak RSS after draining", Optional("%.1f MiB", b.peak_rss_after_drain_mib));
}

std::string Outcome(const BenchReport& r) {
  std::string out =
      "outcome: " + std::string(r.ok() ? "OK" : "FAILED") + "\n" +
      Line("broker peak RSS", Optional("%.1f MiB", r.broker_peak_rss_mib)) +
      Line("publishes (all phases), failed",
           std::to_string(r.publishes_total) + ", " + std::to_string(r.publish_errors)) +
      Line("deliveries expected, received, missing",
           std::to_string(r.deliveries_expected) + ", " + std::to_string(r.deliveries_received) +
               ", " + std::to_string(r.deliveries_missing)) +
      Line("deliveries per publish", Optional("%.2f", r.deliveries_per_publish)) +
      Line("deliveries per stream message", Optional("%.2f", r.deliveries_per_message));
  if (r.duplicates > 0) out += Line("duplicate deliveries", std::to_string(r.duplicates));
  if (r.errors > 0) out += Line("errors", std::to_string(r.errors) + "; first: " + r.first_error);
  return out;
}

}  // namespace

std::string FormatTable(const BenchReport& report) {
  std::string out = Header(report);
  if (report.throughput) out += Throughput(report);
  if (report.paced) out += Paced(*report.paced);
  if (report.ceiling) out += Ceiling(report);
  if (report.backlog) out += Backlog(*report.backlog);
  return out + Outcome(report);
}

}  // namespace safeshare::bench
