#pragma once

// A service::Executor for tests: jobs run in order on one thread of its own.
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace safeshare::unit {

class SerialExecutor {
 public:
  SerialExecutor() : thread_([this] { Run(); }) {}
  ~SerialExecutor() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    wake_.notify_one();
    thread_.join();
  }

  std::function<void(std::function<void()>)> AsExecutor() {
    return [this](std::function<void()> job) {
      {
        std::lock_guard lock(mu_);
        jobs_.push_back(std::move(job));
      }
      wake_.notify_one();
    };
  }

 private:
  void Run() {
    while (true) {
      std::function<void()> job;
      {
        std::unique_lock lock(mu_);
        wake_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
        if (jobs_.empty()) return;
        job = std::move(jobs_.front());
        jobs_.pop_front();
      }
      job();
    }
  }

  std::mutex mu_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> jobs_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace safeshare::unit
