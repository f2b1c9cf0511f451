#include "tests/bench/report.h"

#include <cmath>
#include <cstdio>

namespace safeshare::bench {
namespace {

std::string Number(std::optional<double> value) {
  if (!value || !std::isfinite(*value)) return "null";
  char text[32];
  std::snprintf(text, sizeof(text), std::fabs(*value) >= 1000 ? "%.0f" : "%.4g", *value);
  return text;
}

std::string Quoted(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out + "\"";
}

double PerSecond(uint64_t count, double seconds) {
  return seconds > 0 ? static_cast<double>(count) / seconds : 0;
}

std::optional<double> Ratio(const BenchReport& r) {
  if (!r.throughput || !r.ceiling || r.ceiling->calls == 0) return std::nullopt;
  return PerSecond(r.throughput->publishes, r.throughput->window_s) /
         PerSecond(r.ceiling->calls, r.ceiling->window_s);
}

// Builds one line of JSON, in the order fields are added.
class JsonLine {
 public:
  void Add(const std::string& key, std::optional<double> value) { Raw(key, Number(value)); }
  void Add(const std::string& key, uint64_t value) { Raw(key, std::to_string(value)); }
  void Add(const std::string& key, const std::string& value) { Raw(key, Quoted(value)); }
  void Raw(const std::string& key, const std::string& json) {
    text_ += (text_.empty() ? "{" : ",") + Quoted(key) + ":" + json;
  }
  std::string str() const { return text_ + "}"; }

 private:
  std::string text_;
};

void AddThroughput(JsonLine& j, const std::optional<ThroughputFigures>& t) {
  const auto get = [&](auto f) { return t ? std::optional<double>(f(*t)) : std::nullopt; };
  j.Add("seconds", get([](auto& x) { return x.window_s; }));
  j.Add("publishes", get([](auto& x) { return static_cast<double>(x.publishes); }));
  j.Add("publishes_per_s", get([](auto& x) { return PerSecond(x.publishes, x.window_s); }));
  j.Add("deliveries", get([](auto& x) { return static_cast<double>(x.deliveries); }));
  j.Add("deliveries_per_s", get([](auto& x) { return PerSecond(x.deliveries, x.window_s); }));
  j.Add("publish_p50_ms", get([](auto& x) { return x.publish.p50_ms; }));
  j.Add("publish_p99_ms", get([](auto& x) { return x.publish.p99_ms; }));
  j.Add("publish_p999_ms", get([](auto& x) { return x.publish.p999_ms; }));
  j.Add("publish_max_ms", get([](auto& x) { return x.publish.max_ms; }));
  j.Add("delivery_p50_ms", get([](auto& x) { return x.delivery.p50_ms; }));
  j.Add("delivery_p99_ms", get([](auto& x) { return x.delivery.p99_ms; }));
  j.Add("delivery_p999_ms", get([](auto& x) { return x.delivery.p999_ms; }));
  j.Add("delivery_catch_up_s", get([](auto& x) { return x.catch_up_s; }));
  j.Add("broker_cpu_us_per_notification", t ? t->broker_cpu_us_per_notification : std::nullopt);
  j.Add("bench_cpu_us_per_notification", t ? t->bench_cpu_us_per_notification : std::nullopt);
  j.Add("database_cpu_us_per_notification", t ? t->database_cpu_us_per_notification : std::nullopt);
}

void AddPaced(JsonLine& j, const std::optional<PacedFigures>& p) {
  const auto get = [&](auto f) { return p ? std::optional<double>(f(*p)) : std::nullopt; };
  j.Add("paced_rate", get([](auto& x) { return x.target_rate; }));
  j.Add("paced_seconds", get([](auto& x) { return x.seconds; }));
  j.Add("paced_publishes", get([](auto& x) { return static_cast<double>(x.publishes); }));
  j.Add("paced_achieved_per_s", get([](auto& x) { return x.achieved_rate; }));
  j.Add("paced_publish_p50_ms", get([](auto& x) { return x.publish.p50_ms; }));
  j.Add("paced_publish_p99_ms", get([](auto& x) { return x.publish.p99_ms; }));
  j.Add("paced_delivery_p50_ms", get([](auto& x) { return x.delivery.p50_ms; }));
  j.Add("paced_delivery_p99_ms", get([](auto& x) { return x.delivery.p99_ms; }));
}

void AddCeiling(JsonLine& j, const BenchReport& r) {
  const auto& c = r.ceiling;
  const auto get = [&](auto f) { return c ? std::optional<double>(f(*c)) : std::nullopt; };
  j.Add("ceiling_seconds", get([](auto& x) { return x.window_s; }));
  j.Add("ceiling_calls", get([](auto& x) { return static_cast<double>(x.calls); }));
  j.Add("ceiling_calls_per_s", get([](auto& x) { return PerSecond(x.calls, x.window_s); }));
  j.Add("ceiling_call_p50_ms", get([](auto& x) { return x.call.p50_ms; }));
  j.Add("ceiling_call_p99_ms", get([](auto& x) { return x.call.p99_ms; }));
  j.Add("ceiling_server_cpu_us_per_call", c ? c->server_cpu_us_per_call : std::nullopt);
  j.Add("ratio_broker_to_ceiling", Ratio(r));
}

void AddBacklog(JsonLine& j, const std::optional<BacklogFigures>& b) {
  const auto get = [&](auto f) { return b ? std::optional<double>(f(*b)) : std::nullopt; };
  j.Add("backlog_requested", get([](auto& x) { return static_cast<double>(x.requested); }));
  j.Add("backlog_published", get([](auto& x) { return static_cast<double>(x.published); }));
  j.Add("backlog_publish_s", get([](auto& x) { return x.publish_s; }));
  j.Add("backlog_publishes_per_s",
        get([](auto& x) { return PerSecond(x.published, x.publish_s); }));
  j.Add("backlog_peak_rss_after_publish_mib", b ? b->peak_rss_after_publish_mib : std::nullopt);
  j.Add("backlog_drain_s", get([](auto& x) { return x.drain_s; }));
  j.Add("backlog_peak_rss_after_drain_mib", b ? b->peak_rss_after_drain_mib : std::nullopt);
}

void AddRun(JsonLine& j, const BenchReport& r) {
  j.Add("mode", r.mode);
  j.Add("target", r.target);
  j.Raw("store", r.store.empty() ? "null" : Quoted(r.store));
  std::string settings;
  for (const auto& [name, value] : r.postgres_settings) {
    settings += (settings.empty() ? "{" : ",") + Quoted(name) + ":" + Quoted(value);
  }
  j.Raw("postgres", settings.empty() ? "null" : settings + "}");
  j.Add("fanout", r.fanout > 0 ? std::optional<double>(r.fanout) : std::nullopt);
  j.Add("inflight", static_cast<uint64_t>(r.inflight));
  j.Add("warmup_s", std::optional<double>(r.warmup_s));
  std::string sizes;
  for (const auto& [type, bytes] : r.message_bytes) {
    sizes += (sizes.empty() ? "{" : ",") + Quoted(type) + ":" + std::to_string(bytes);
  }
  j.Raw("message_bytes", sizes.empty() ? "{}" : sizes + "}");
}

void AddOutcome(JsonLine& j, const BenchReport& r) {
  j.Add("broker_peak_rss_mib", r.broker_peak_rss_mib);
  j.Add("publishes_total", r.publishes_total);
  j.Add("publish_errors", r.publish_errors);
  j.Add("deliveries_expected", r.deliveries_expected);
  j.Add("deliveries_received", r.deliveries_received);
  j.Add("deliveries_missing", r.deliveries_missing);
  j.Add("deliveries_per_publish", r.deliveries_per_publish);
  j.Add("deliveries_per_message", r.deliveries_per_message);
  j.Add("duplicates", r.duplicates);
  j.Add("errors", r.errors);
  j.Add("first_error", r.first_error);
  j.Raw("ok", r.ok() ? "true" : "false");
}

}  // namespace

std::string FormatJson(const BenchReport& report) {
  JsonLine j;
  AddRun(j, report);
  AddThroughput(j, report.throughput);
  AddPaced(j, report.paced);
  AddCeiling(j, report);
  AddBacklog(j, report.backlog);
  AddOutcome(j, report);
  return j.str();
}

}  // namespace safeshare::bench
