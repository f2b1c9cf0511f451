#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace safeshare {

// A small Prometheus-style metric registry: counters, gauges and histograms,
// each in a family of series told apart by label values, written out in the
// text exposition format 0.0.4 (prometheus_text.h). Debian 12's
// prometheus-cpp-dev was considered and not used: its development package
// brings civetweb, libcurl and zlib development packages for the pull and
// push servers the broker does not use (the admin listener is Boost.Beast),
// and scrape-time gauges would still need a hand-written collector.
//
// Thread-safety: everything here is. Recording is an atomic add; a family
// finds a series under a reader lock (a writer lock only the first time a
// label combination is seen). Hot paths may keep the Counter& they looked
// up: series are never removed, so references stay valid for the
// registry's lifetime.

class Counter {
 public:
  void Add(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

class Gauge {
 public:
  void Add(int64_t n) { value_.fetch_add(n, std::memory_order_relaxed); }
  void Set(int64_t n) { value_.store(n, std::memory_order_relaxed); }
  int64_t Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> value_{0};
};

// Observations counted in buckets of upper bounds `bounds` (ascending; the
// +Inf bucket is implicit), with their sum.
class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds);
  void Observe(double value);

  const std::vector<double>& bounds() const { return bounds_; }
  // Per bucket, not cumulative; one more than bounds() (the last is +Inf).
  std::vector<uint64_t> BucketCounts() const;
  double Sum() const { return sum_.load(std::memory_order_relaxed); }

 private:
  const std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> counts_;
  std::atomic<double> sum_{0};
};

enum class MetricType { kCounter, kGauge, kHistogram };

// One sample line's worth, for collectors that compute values at scrape.
struct Sample {
  std::vector<std::string> label_values;
  double value = 0;
};

// What a family or a collector hands to the text writer.
struct MetricSnapshot {
  std::string name;
  std::string help;
  MetricType type = MetricType::kGauge;
  std::vector<std::string> label_names;
  std::vector<Sample> samples;  // counters and gauges
  // Histograms: label values, then the histogram itself.
  std::vector<std::pair<std::vector<std::string>, const Histogram*>> histograms;
};

// The series of one metric name. `M` is Counter, Gauge or Histogram. At
// most `kMaxSeries` label combinations are kept; beyond them every new one
// is recorded in a single series whose labels all read "(overflow)", so a
// flood of distinct values cannot grow memory without bound.
template <typename M>
class Family {
 public:
  static constexpr size_t kMaxSeries = 10'000;

  Family(std::string name, std::string help, std::vector<std::string> label_names,
         std::function<std::unique_ptr<M>()> make)
      : name_(std::move(name)),
        help_(std::move(help)),
        label_names_(std::move(label_names)),
        make_(std::move(make)) {}

  // The series of these label values (as many as the family has names).
  M& With(std::initializer_list<std::string_view> values) {
    return With(std::span<const std::string_view>(values.begin(), values.size()));
  }
  M& With(std::span<const std::string_view> values);

  const std::string& name() const { return name_; }
  const std::string& help() const { return help_; }
  const std::vector<std::string>& label_names() const { return label_names_; }
  // Calls `visit(label_values, metric)` for each series, in label order.
  void ForEach(const std::function<void(const std::vector<std::string>&, const M&)>& visit) const;

 private:
  // Orders stored keys and looked-up spans alike, so a lookup copies nothing.
  struct KeyLess {
    using is_transparent = void;
    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const {
      return std::lexicographical_compare(
          a.begin(), a.end(), b.begin(), b.end(),
          [](std::string_view x, std::string_view y) { return x < y; });
    }
  };
  using Series = std::map<std::vector<std::string>, std::unique_ptr<M>, KeyLess>;

  const std::string name_, help_;
  const std::vector<std::string> label_names_;
  const std::function<std::unique_ptr<M>()> make_;
  mutable absl::Mutex mu_;
  Series series_ ABSL_GUARDED_BY(mu_);
};

using CounterFamily = Family<Counter>;
using GaugeFamily = Family<Gauge>;
using HistogramFamily = Family<Histogram>;

// The families of a process, and collectors that compute series at scrape
// time (e.g. backlogs read from the store). Families live as long as the
// registry; register them before recording starts.
class MetricRegistry {
 public:
  using Collector = std::function<void(std::vector<MetricSnapshot>&)>;

  CounterFamily& AddCounter(std::string name, std::string help,
                            std::vector<std::string> label_names = {});
  GaugeFamily& AddGauge(std::string name, std::string help,
                        std::vector<std::string> label_names = {});
  HistogramFamily& AddHistogram(std::string name, std::string help, std::vector<double> bounds,
                                std::vector<std::string> label_names = {});
  // `collect` appends whole metrics; it runs on the scraping thread, once
  // per scrape, and may block briefly (it is never on a request path).
  void AddCollector(Collector collect);

  // Every family's series (counters, gauges, histograms, each in the order
  // registered), then what each collector appends.
  std::vector<MetricSnapshot> Collect() const;

 private:
  mutable absl::Mutex mu_;
  std::vector<std::unique_ptr<CounterFamily>> counters_ ABSL_GUARDED_BY(mu_);
  std::vector<std::unique_ptr<GaugeFamily>> gauges_ ABSL_GUARDED_BY(mu_);
  std::vector<std::unique_ptr<HistogramFamily>> histograms_ ABSL_GUARDED_BY(mu_);
  std::vector<Collector> collectors_ ABSL_GUARDED_BY(mu_);
};

template <typename M>
M& Family<M>::With(std::span<const std::string_view> values) {
  {
    absl::ReaderMutexLock lock(&mu_);
    if (auto it = series_.find(values); it != series_.end()) return *it->second;
  }
  absl::MutexLock lock(&mu_);
  if (auto it = series_.find(values); it != series_.end()) return *it->second;
  std::vector<std::string> key(values.begin(), values.end());
  key.resize(label_names_.size());
  if (series_.size() >= kMaxSeries) key.assign(label_names_.size(), "(overflow)");
  auto& slot = series_[std::move(key)];
  if (slot == nullptr) slot = make_();
  return *slot;
}

template <typename M>
void Family<M>::ForEach(
    const std::function<void(const std::vector<std::string>&, const M&)>& visit) const {
  absl::ReaderMutexLock lock(&mu_);
  for (const auto& [labels, metric] : series_) visit(labels, *metric);
}

}  // namespace safeshare
