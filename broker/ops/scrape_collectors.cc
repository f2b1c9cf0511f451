#include "broker/ops/scrape_collectors.h"

#include <algorithm>
#include <memory>

#include "broker/core/logging.h"

namespace safeshare::ops {
namespace {

MetricSnapshot Gauge(std::string name, std::string help, std::vector<std::string> labels = {}) {
  return {std::move(name), std::move(help), MetricType::kGauge, std::move(labels), {}, {}};
}

// The backlog gauges of every configured agency's subscriptions, bounded.
void CollectBacklogs(const ScrapeSources& sources, std::vector<MetricSnapshot>& out) {
  auto backlog = Gauge("safeshare_subscription_backlog",
                       "Deliveries matching the subscription above its acknowledged position.",
                       {"agency", "subscription"});
  auto oldest = Gauge("safeshare_subscription_oldest_unacknowledged_seconds",
                      "Age of the oldest unacknowledged delivery of the subscription (0: none).",
                      {"agency", "subscription"});
  auto omitted = Gauge("safeshare_subscriptions_not_reported",
                       "Subscriptions left out of the backlog series: over the bound, or their "
                       "agency's listing could not be read.");
  const double now_seconds = static_cast<double>(sources.clock.WallMicros()) / 1e6;
  size_t reported = 0, not_reported = 0;
  for (const auto& agency : sources.agencies) {
    auto listed = sources.store.ReadSubscriptions(agency, SubscriptionName(""));
    if (!listed.ok()) {
      ModuleLogger("ops")->warn("metrics: cannot list {}'s subscriptions: {}", agency.value(),
                                listed.status().ToString());
      ++not_reported;
      continue;
    }
    for (const auto& stats : *listed) {
      if (reported == kMaxSubscriptionSeries) {
        ++not_reported;
        continue;
      }
      ++reported;
      std::vector<std::string> labels = {agency.value(), stats.record.name.value()};
      backlog.samples.push_back({labels, static_cast<double>(stats.backlog)});
      const double age =
          stats.oldest_unacked_micros == 0
              ? 0.0
              : std::max(0.0, now_seconds - static_cast<double>(stats.oldest_unacked_micros) / 1e6);
      oldest.samples.push_back({std::move(labels), age});
    }
  }
  omitted.samples.push_back({{}, static_cast<double>(not_reported)});
  out.push_back(std::move(backlog));
  out.push_back(std::move(oldest));
  out.push_back(std::move(omitted));
}

}  // namespace

void AddScrapeCollectors(MetricRegistry& registry, ScrapeSources sources) {
  auto shared = std::make_shared<const ScrapeSources>(std::move(sources));
  registry.AddCollector([shared](std::vector<MetricSnapshot>& out) {
    auto start = Gauge("safeshare_process_start_time_seconds",
                       "When the broker process started, seconds since the Unix epoch.");
    start.samples.push_back({{}, static_cast<double>(shared->started_micros) / 1e6});
    out.push_back(std::move(start));
    auto policy = Gauge("safeshare_policy_info",
                        "The information-sharing agreements in force: always 1, with their "
                        "version as a label.",
                        {"version"});
    policy.samples.push_back({{shared->policy_version ? shared->policy_version() : ""}, 1});
    out.push_back(std::move(policy));
    CollectBacklogs(*shared, out);
  });
}

}  // namespace safeshare::ops
