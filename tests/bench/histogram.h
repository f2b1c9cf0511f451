#pragma once

#include <array>
#include <atomic>
#include <cstdint>

namespace safeshare::bench {

// Percentiles of a latency histogram, in milliseconds.
struct LatencySummary {
  uint64_t count = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  double p999_ms = 0;
  double max_ms = 0;
};

// A log-linear histogram of non-negative nanosecond values: exact below 128,
// then 64 buckets per power of two (relative error under 1.6%), up to about
// 18 minutes; larger values land in the last bucket. Record() is lock-free
// and may be called from any thread; Summary() and Reset() are meant for
// quiet moments (no concurrent Record), when they see a consistent state.
class Histogram {
 public:
  void Record(int64_t nanos);
  void Reset();
  uint64_t count() const { return count_.load(std::memory_order_relaxed); }
  LatencySummary Summary() const;

 private:
  static constexpr int kSubBits = 6;
  static constexpr int kMaxExponent = 40;
  static constexpr size_t kBuckets = (kMaxExponent - kSubBits + 2) << kSubBits;

  static size_t IndexOf(uint64_t value);
  static double MidpointOf(size_t index);
  double Percentile(double fraction) const;

  std::array<std::atomic<uint64_t>, kBuckets> buckets_{};
  std::atomic<uint64_t> count_{0};
  std::atomic<int64_t> max_{0};
};

}  // namespace safeshare::bench
