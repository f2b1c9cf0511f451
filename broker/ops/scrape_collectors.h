#pragma once

#include <functional>
#include <string>
#include <vector>

#include "broker/core/clock.h"
#include "broker/core/metric_registry.h"
#include "broker/core/strong_id.h"
#include "broker/store/store.h"

namespace safeshare::ops {

// What the metrics computed at scrape time read. Each must outlive the
// registry's use (the admin listener stops before the store closes).
struct ScrapeSources {
  const store::Store& store;
  std::vector<AgencyId> agencies;  // the configured ones
  // The agreements' version in force.
  std::function<std::string()> policy_version;
  const Clock& clock;
  int64_t started_micros = 0;  // when the process started (wall clock)
};

// At most this many subscriptions get backlog series per scrape (agencies
// in config order, subscriptions by name); the rest are counted in
// safeshare_subscriptions_not_reported.
inline constexpr size_t kMaxSubscriptionSeries = 1000;

// Adds collectors for safeshare_process_start_time_seconds,
// safeshare_policy_info{version}, and per subscription
// safeshare_subscription_backlog and
// safeshare_subscription_oldest_unacknowledged_seconds (agency,
// subscription; read with Store::ReadSubscriptions at each scrape).
void AddScrapeCollectors(MetricRegistry& registry, ScrapeSources sources);

}  // namespace safeshare::ops
