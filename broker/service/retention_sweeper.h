#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "broker/config/broker_config.h"
#include "broker/core/clock.h"
#include "broker/routing/policy_snapshot.h"
#include "broker/store/store.h"

namespace safeshare::service {

// Whether `held`'s content is due for deletion at `now_micros` under `rule`
// (policy::Policy::RetentionFor): acknowledged by every recipient (or
// routed to none) and the acknowledged period has passed since the last
// acknowledgement (since it was stored, when none was needed); or still
// unacknowledged by some and the unacknowledged period has passed since it
// was stored. The deletion's detail says which, with the dates, the period
// and where it comes from; agencies by id, never content.
std::optional<store::ContentDeletion> DueForDeletion(const store::HeldNotification& held,
                                                     const policy::RetentionRule& rule,
                                                     int64_t now_micros);

// Deletes the content of notifications whose retention period has passed
// (Store::DeleteContent, audited `content_deleted`), with the periods of
// the agreements in force at each sweep (the policy may be reloaded) and
// `retention:` of the broker config for types no agreement sets. A sweep
// runs at Start and every `sweep_every`; it reads the held notifications in
// sequence order (Store::ReadHeld) and stops at the first one stored too
// recently for any period to have passed, so it reads what is due, what
// waits on an unacknowledged period, and one page more. At most
// kMaxPerSweep deletions per sweep; when more are due the next sweep comes
// after a second. A failed sweep is logged and tried at the next. Of brokers
// sharing a database, only the one holding the retention duty sweeps. Its timer
// runs on a thread of its own (Boost.Asio). Thread-safe; the store, policy
// and clock must outlive it.
class RetentionSweeper {
 public:
  // Called with the highest sequence about to be deleted, before the
  // deletion (BrokerService::ForgetThrough).
  using BeforeDelete = std::function<void(Sequence)>;

  RetentionSweeper(store::Store& store, const routing::PolicyHolder& policy,
                   config::RetentionConfig config, const Clock& clock = SystemClock(),
                   BeforeDelete before_delete = nullptr);
  ~RetentionSweeper();  // Stop()s
  RetentionSweeper(const RetentionSweeper&) = delete;
  RetentionSweeper& operator=(const RetentionSweeper&) = delete;

  void Start();
  // Cancels the timer and waits for a sweep in progress. Idempotent.
  void Stop();

  // One sweep now, on the caller's thread (what the timer runs): how many
  // notifications' content it deleted.
  absl::StatusOr<uint32_t> SweepOnce();

  static constexpr size_t kPage = 500;
  static constexpr uint32_t kMaxPerSweep = 10'000;

 private:
  void Arm(std::chrono::steady_clock::duration after);
  void Run();
  // The types some period applies to, with it.
  std::map<std::string, policy::RetentionRule> Rules() const;
  absl::StatusOr<uint32_t> Delete(std::vector<store::ContentDeletion> batch);

  store::Store& store_;
  const routing::PolicyHolder& policy_;
  const config::RetentionConfig config_;
  const Clock& clock_;
  const BeforeDelete before_delete_;
  bool more_due_ = false;    // only touched by the sweeping thread
  bool holds_duty_ = false;  // likewise: whether the last run held the duty
  boost::asio::thread_pool thread_{1};
  boost::asio::steady_timer timer_{thread_};
  absl::Mutex mu_;
  bool started_ ABSL_GUARDED_BY(mu_) = false;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace safeshare::service
