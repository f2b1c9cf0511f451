#pragma once

// Turns one asynchronous completion callback into a result the test can wait
// for, so tests synchronise on the operation itself and never sleep.
#include <chrono>
#include <functional>
#include <future>
#include <memory>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace safeshare::unit {

template <typename T>
class Completion {
 public:
  // The callback to hand to the store or service. The callee promises to run
  // it exactly once; a second run would throw std::future_error.
  std::function<void(absl::StatusOr<T>)> Callback() {
    return
        [promise = promise_](absl::StatusOr<T> result) { promise->set_value(std::move(result)); };
  }

  // The result, or DEADLINE_EXCEEDED if the callback never ran.
  absl::StatusOr<T> Get() {
    if (future_.wait_for(std::chrono::seconds(30)) != std::future_status::ready) {
      return absl::DeadlineExceededError("the operation never completed");
    }
    return future_.get();
  }

 private:
  std::shared_ptr<std::promise<absl::StatusOr<T>>> promise_ =
      std::make_shared<std::promise<absl::StatusOr<T>>>();
  std::future<absl::StatusOr<T>> future_ = promise_->get_future();
};

// Completion for a callback of a bare status (the store's StatusDone).
class StatusCompletion {
 public:
  std::function<void(absl::Status)> Callback() {
    return [done = done_.Callback()](const absl::Status& status) {
      done(status.ok() ? absl::StatusOr<bool>(true) : absl::StatusOr<bool>(status));
    };
  }
  absl::Status Get() { return done_.Get().status(); }

 private:
  Completion<bool> done_;
};

}  // namespace safeshare::unit
