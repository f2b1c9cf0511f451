#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "tests/bench/histogram.h"

namespace safeshare::bench {

// What one phase measures, shared by every publisher and subscriber of the
// run. Samples are taken only while recording() is on, so warm-up and
// drain are not counted. Thread-safe; Reset() only between phases, when
// nothing is in flight.
class PhaseRecorder {
 public:
  void Start() { on_.store(true, std::memory_order_release); }
  void Stop() { on_.store(false, std::memory_order_release); }
  bool recording() const { return on_.load(std::memory_order_acquire); }
  void Reset();

  Histogram& publish_latency() { return publish_latency_; }
  Histogram& delivery_latency() { return delivery_latency_; }

 private:
  std::atomic<bool> on_{false};
  Histogram publish_latency_;   // call start to response, per successful publish
  Histogram delivery_latency_;  // created_at to arrival, per delivery of this run
};

// Whether every published notification reached every recipient the bench
// watches: `expected` grows as publish responses name their recipients,
// `delivered` as subscribers receive this run's notifications. Either may
// run ahead of the other while calls are in flight. Thread-safe.
class DeliveryTally {
 public:
  void AddExpected(uint64_t n) { expected_.fetch_add(n, std::memory_order_relaxed); }
  void AddDelivered() { delivered_.fetch_add(1, std::memory_order_relaxed); }
  // One Subscribe stream message carrying `deliveries` (of any run).
  void AddMessage(uint64_t deliveries) {
    messages_.fetch_add(1, std::memory_order_relaxed);
    in_messages_.fetch_add(deliveries, std::memory_order_relaxed);
  }
  uint64_t expected() const { return expected_.load(std::memory_order_relaxed); }
  uint64_t delivered() const { return delivered_.load(std::memory_order_relaxed); }
  uint64_t messages() const { return messages_.load(std::memory_order_relaxed); }
  uint64_t in_messages() const { return in_messages_.load(std::memory_order_relaxed); }

  // Waits (polling every 10 ms) until delivered >= expected, or `deadline`.
  // Returns the number still missing.
  uint64_t WaitComplete(std::chrono::steady_clock::time_point deadline) const;

 private:
  std::atomic<uint64_t> expected_{0};
  std::atomic<uint64_t> delivered_{0};
  std::atomic<uint64_t> messages_{0};
  std::atomic<uint64_t> in_messages_{0};
};

// The first error of the run (for the report) and how many there were.
// Thread-safe.
class ErrorLog {
 public:
  void Record(const std::string& what);
  uint64_t count() const { return count_.load(std::memory_order_relaxed); }
  std::string first() const;

 private:
  std::atomic<uint64_t> count_{0};
  mutable absl::Mutex mu_;
  std::string first_ ABSL_GUARDED_BY(mu_);
};

}  // namespace safeshare::bench
