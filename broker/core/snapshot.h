#pragma once

#include <atomic>
#include <memory>

namespace safeshare {

// An immutable value replaced whole: readers take the current snapshot and
// use it for the whole of one decision, however often it is replaced
// meanwhile (a configuration reload swaps in a new one). Thread-safe.
template <typename T>
class SnapshotHolder {
 public:
  explicit SnapshotHolder(std::shared_ptr<const T> initial) : current_(std::move(initial)) {}

  std::shared_ptr<const T> Current() const { return current_.load(std::memory_order_acquire); }
  void Replace(std::shared_ptr<const T> next) {
    current_.store(std::move(next), std::memory_order_release);
  }

 private:
  std::atomic<std::shared_ptr<const T>> current_;
};

}  // namespace safeshare
