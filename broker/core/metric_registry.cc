#include "broker/core/metric_registry.h"

#include <algorithm>

namespace safeshare {

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)),
      counts_(std::make_unique<std::atomic<uint64_t>[]>(bounds_.size() + 1)) {}

void Histogram::Observe(double value) {
  // The first bucket whose upper bound is at least `value` (bounds are
  // inclusive, as Prometheus' `le` says); past the last: +Inf.
  const size_t bucket = std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin();
  counts_[bucket].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
}

std::vector<uint64_t> Histogram::BucketCounts() const {
  std::vector<uint64_t> counts(bounds_.size() + 1);
  for (size_t i = 0; i < counts.size(); ++i) counts[i] = counts_[i].load(std::memory_order_relaxed);
  return counts;
}

CounterFamily& MetricRegistry::AddCounter(std::string name, std::string help,
                                          std::vector<std::string> label_names) {
  absl::MutexLock lock(&mu_);
  return *counters_.emplace_back(
      std::make_unique<CounterFamily>(std::move(name), std::move(help), std::move(label_names),
                                      [] { return std::make_unique<Counter>(); }));
}

GaugeFamily& MetricRegistry::AddGauge(std::string name, std::string help,
                                      std::vector<std::string> label_names) {
  absl::MutexLock lock(&mu_);
  return *gauges_.emplace_back(
      std::make_unique<GaugeFamily>(std::move(name), std::move(help), std::move(label_names),
                                    [] { return std::make_unique<Gauge>(); }));
}

HistogramFamily& MetricRegistry::AddHistogram(std::string name, std::string help,
                                              std::vector<double> bounds,
                                              std::vector<std::string> label_names) {
  std::sort(bounds.begin(), bounds.end());
  absl::MutexLock lock(&mu_);
  return *histograms_.emplace_back(std::make_unique<HistogramFamily>(
      std::move(name), std::move(help), std::move(label_names),
      [bounds = std::move(bounds)] { return std::make_unique<Histogram>(bounds); }));
}

void MetricRegistry::AddCollector(Collector collect) {
  absl::MutexLock lock(&mu_);
  collectors_.push_back(std::move(collect));
}

namespace {

template <typename M>
MetricSnapshot Header(const Family<M>& family, MetricType type) {
  return {family.name(), family.help(), type, family.label_names(), {}, {}};
}

}  // namespace

std::vector<MetricSnapshot> MetricRegistry::Collect() const {
  std::vector<MetricSnapshot> out;
  std::vector<Collector> collectors;
  {
    absl::MutexLock lock(&mu_);
    for (const auto& family : counters_) {
      auto& metric = out.emplace_back(Header(*family, MetricType::kCounter));
      family->ForEach([&](const std::vector<std::string>& labels, const Counter& counter) {
        metric.samples.push_back({labels, static_cast<double>(counter.Value())});
      });
    }
    for (const auto& family : gauges_) {
      auto& metric = out.emplace_back(Header(*family, MetricType::kGauge));
      family->ForEach([&](const std::vector<std::string>& labels, const Gauge& gauge) {
        metric.samples.push_back({labels, static_cast<double>(gauge.Value())});
      });
    }
    for (const auto& family : histograms_) {
      auto& metric = out.emplace_back(Header(*family, MetricType::kHistogram));
      family->ForEach([&](const std::vector<std::string>& labels, const Histogram& histogram) {
        metric.histograms.emplace_back(labels, &histogram);
      });
    }
    collectors = collectors_;
  }
  // Outside the lock: collectors may read the store.
  for (const auto& collect : collectors) collect(out);
  return out;
}

}  // namespace safeshare
