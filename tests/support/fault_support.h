#pragma once

// Shared by the fault tests: a bounded publish load, receiving everything
// back, and checks on the store a crashed or damaged broker leaves behind.
#include <atomic>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

#include "tests/integration/scenario.h"

namespace safeshare::testing {

using Acked = std::map<std::string, std::string>;  // idempotency key -> notification id

// Publishes ABE records from `threads` police connections until `stop`, at
// most `limit` in all; records every acknowledged publish. A thread ends at
// its first refused publish unless `keep_going` (then it counts the refusal,
// waits 50 ms and goes on with the next key).
class PublishLoad {
 public:
  PublishLoad(const BrokerProcess& broker, int threads, int limit, bool keep_going = false) {
    for (int t = 0; t < threads; ++t) {
      workers_.emplace_back(
          [this, &broker, t, limit, keep_going] { Run(broker, t, limit, keep_going); });
    }
  }
  ~PublishLoad() { Stop(); }

  void Stop() {
    stop_ = true;
    for (auto& w : workers_) {
      if (w.joinable()) w.join();
    }
  }
  size_t acked() {
    absl::MutexLock lock(&mu_);
    return acked_.size();
  }
  Acked Snapshot() {
    absl::MutexLock lock(&mu_);
    return acked_;
  }
  // How many publishes were refused, by status code.
  std::map<absl::StatusCode, int> refused() {
    absl::MutexLock lock(&mu_);
    return refused_;
  }

 private:
  void Run(const BrokerProcess& broker, int thread, int limit, bool keep_going) {
    auto police = Connect(broker, "police");
    for (int i = 0; !stop_ && issued_++ < limit; ++i) {
      const auto key = "load-" + std::to_string(thread) + "-" + std::to_string(i);
      auto published = police.Publish(Example("abe_interview_record", key));
      if (!published.ok()) {
        if (!keep_going) return;  // the broker is gone
        {
          absl::MutexLock lock(&mu_);
          ++refused_[published.status().code()];
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        continue;
      }
      absl::MutexLock lock(&mu_);
      acked_[key] = published->notification_id();
    }
  }

  std::atomic<bool> stop_{false};
  std::atomic<int> issued_{0};
  absl::Mutex mu_;
  Acked acked_ ABSL_GUARDED_BY(mu_);
  std::map<absl::StatusCode, int> refused_ ABSL_GUARDED_BY(mu_);
  std::vector<std::thread> workers_;
};

// Receives `expected` deliveries as `agency`, checking order and uniqueness.
inline std::set<std::string> ReceiveAllIds(const BrokerProcess& broker, const std::string& agency,
                                           int64_t expected) {
  auto client = Connect(broker, agency);
  auto got = Receive(client, "fault-check", static_cast<uint64_t>(expected));
  std::set<std::string> ids;
  uint64_t previous = 0;
  for (const auto& d : got) {
    EXPECT_GT(d.sequence(), previous) << "out of order or repeated";
    previous = d.sequence();
    ids.insert(d.notification().notification_id());
  }
  EXPECT_EQ(ids.size(), got.size());
  return ids;
}

inline void WaitFor(const std::function<bool()>& done, std::chrono::seconds limit) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (!done() && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

// Publishes from 4 threads (at most `limit`) and kill -9s `broker` once 300
// were acknowledged, with publishes in flight; returns what was acknowledged.
inline Acked KillUnderLoad(BrokerProcess& broker, int limit) {
  PublishLoad load(broker, /*threads=*/4, limit);
  WaitFor([&] { return load.acked() >= 300; }, std::chrono::seconds(60));
  broker.Kill();
  load.Stop();
  auto acked = load.Snapshot();
  EXPECT_GE(acked.size(), 300u);
  return acked;
}

// A publisher retrying an acknowledged key (the first of `acked`) after a
// crash gets the original notification.
inline void ExpectRetryGetsTheOriginal(const BrokerProcess& broker, const Acked& acked) {
  ASSERT_FALSE(acked.empty());
  auto police = Connect(broker, "police");
  const auto& [key, id] = *acked.begin();
  auto retry = police.Publish(Example("abe_interview_record", key));
  ASSERT_TRUE(retry.ok()) << retry.status();
  EXPECT_TRUE(retry->duplicate());
  EXPECT_EQ(retry->notification_id(), id);
}

// Writes `chunks` chunks of `chunk` bytes to `path`, or until the disk is full.
inline void Fill(const std::string& path, size_t chunk, int chunks) {
  std::ofstream out(path, std::ios::binary);
  const std::string bytes(chunk, 'f');
  for (int i = 0; i < chunks && out.write(bytes.data(), static_cast<std::streamsize>(chunk)); ++i) {
    out.flush();
  }
}

// Publishes ABE records "fill-N" as `police` until one is refused (at most
// `limit`), adding each acknowledged one to `acked`; returns the refusal.
inline absl::Status PublishUntilRefused(client::Client& police, int limit, Acked& acked) {
  absl::Status refused;
  for (int i = 0; i < limit && refused.ok(); ++i) {
    const auto key = "fill-" + std::to_string(i);
    auto published = police.Publish(Example("abe_interview_record", key));
    if (published.ok()) acked[key] = published->notification_id();
    refused = published.status();
  }
  return refused;
}

inline bool AuditChainIntact(const BrokerProcess& broker) {
  return RunBrokerCommand(broker, "--store " + broker.store_path() + " audit").exit_code == 0;
}

}  // namespace safeshare::testing
