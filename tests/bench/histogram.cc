#include "tests/bench/histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace safeshare::bench {

size_t Histogram::IndexOf(uint64_t value) {
  constexpr uint64_t kExact = uint64_t{2} << kSubBits;  // 128: recorded exactly
  if (value < kExact) return static_cast<size_t>(value);
  const int exponent = static_cast<int>(std::bit_width(value)) - 1;  // >= kSubBits + 1
  if (exponent > kMaxExponent) return kBuckets - 1;
  const int shift = exponent - kSubBits;
  const uint64_t mantissa = value >> shift;  // in [64, 128)
  return (static_cast<size_t>(shift) << kSubBits) + static_cast<size_t>(mantissa);
}

double Histogram::MidpointOf(size_t index) {
  constexpr size_t kExact = size_t{2} << kSubBits;
  if (index < kExact) return static_cast<double>(index);
  const int shift = static_cast<int>(index >> kSubBits) - 1;
  const uint64_t mantissa = (index & ((size_t{1} << kSubBits) - 1)) + (uint64_t{1} << kSubBits);
  const double low = static_cast<double>(mantissa << shift);
  return low + static_cast<double>(uint64_t{1} << shift) / 2;
}

void Histogram::Record(int64_t nanos) {
  const uint64_t value = nanos < 0 ? 0 : static_cast<uint64_t>(nanos);
  buckets_[IndexOf(value)].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  int64_t seen = max_.load(std::memory_order_relaxed);
  while (nanos > seen && !max_.compare_exchange_weak(seen, nanos, std::memory_order_relaxed)) {
  }
}

void Histogram::Reset() {
  for (auto& bucket : buckets_) bucket.store(0, std::memory_order_relaxed);
  count_.store(0, std::memory_order_relaxed);
  max_.store(0, std::memory_order_relaxed);
}

double Histogram::Percentile(double fraction) const {
  const uint64_t total = count();
  if (total == 0) return 0;
  // The smallest value with at least `fraction` of the samples at or below it.
  const auto rank = std::max<uint64_t>(
      1, static_cast<uint64_t>(std::ceil(fraction * static_cast<double>(total))));
  uint64_t seen = 0;
  for (size_t i = 0; i < kBuckets; ++i) {
    seen += buckets_[i].load(std::memory_order_relaxed);
    if (seen >= rank) return std::min(MidpointOf(i), static_cast<double>(max_.load()));
  }
  return static_cast<double>(max_.load());
}

LatencySummary Histogram::Summary() const {
  constexpr double kMs = 1e6;
  return LatencySummary{count(), Percentile(0.50) / kMs, Percentile(0.99) / kMs,
                        Percentile(0.999) / kMs, static_cast<double>(max_.load()) / kMs};
}

}  // namespace safeshare::bench
