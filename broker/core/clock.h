#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace safeshare {

// Where time comes from, wherever time decides something (audit timestamps,
// how long a write may linger, later deadlines and escalations), so tests
// can set it. Thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time, UTC microseconds since the Unix epoch. May step back
  // when the system clock is corrected.
  virtual int64_t WallMicros() const = 0;
  // Monotonic time for measuring intervals; never steps back.
  virtual std::chrono::steady_clock::time_point Steady() const = 0;
};

// The system's clocks.
class RealClock final : public Clock {
 public:
  int64_t WallMicros() const override {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  std::chrono::steady_clock::time_point Steady() const override {
    return std::chrono::steady_clock::now();
  }
};

// The process-wide real clock, for components given no other.
inline Clock& SystemClock() {
  static RealClock clock;
  return clock;
}

// A clock the test sets. Starts at `wall_micros`; Advance moves both the
// wall and the monotonic time, SetWall moves only the wall (forwards or back).
class ManualClock final : public Clock {
 public:
  explicit ManualClock(int64_t wall_micros = 1'700'000'000'000'000) : wall_(wall_micros) {}

  int64_t WallMicros() const override { return wall_.load(); }
  std::chrono::steady_clock::time_point Steady() const override {
    return std::chrono::steady_clock::time_point(std::chrono::microseconds(steady_.load()));
  }

  void Advance(std::chrono::microseconds by) {
    wall_ += by.count();
    steady_ += by.count();
  }
  void SetWall(int64_t wall_micros) { wall_ = wall_micros; }

 private:
  std::atomic<int64_t> wall_;
  std::atomic<int64_t> steady_{0};
};

}  // namespace safeshare
