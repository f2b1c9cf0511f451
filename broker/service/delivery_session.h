#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "broker/core/clock.h"
#include "broker/service/delivery_hub.h"
#include "broker/service/in_flight.h"
#include "broker/service/subscription_feed.h"
#include "broker/store/store.h"

namespace safeshare::service {

// What a heartbeat tells the subscriber.
struct HeartbeatInfo {
  int64_t sent_at_micros = 0;  // wall clock
  bool standby = false;        // the stream waits behind the subscription's active one
};

// The stream a DeliverySession feeds: the rpc layer's Subscribe reactor.
// Every call must only schedule work (never block or call back inline).
class DeliverySink {
 public:
  virtual ~DeliverySink() = default;
  // Write `items` in order, then call DeliverySession::Sent(). The session
  // sends the next batch only after that, so one batch is open at a time.
  virtual void Send(std::vector<FeedItem> items) = 0;
  // Write a heartbeat. Called only when no batch is open.
  virtual void Heartbeat(const HeartbeatInfo& info) = 0;
  // End the stream with `status`; the session sends nothing more.
  virtual void End(absl::Status status) = 0;
};

// Runs `job` later on a thread that may block on a store read (never the
// store's completion thread, never a gRPC thread).
using Executor = std::function<void(std::function<void()>)>;

// How one stream heartbeats (after `heartbeat` without a write, by
// `clock`), and the redelivery limits of a subscription that leaves them
// to the broker (0 in its store::DeliverySettings).
struct StreamTiming {
  std::chrono::seconds heartbeat{30};
  const Clock* clock = &SystemClock();
  DeliveryLimits defaults;
};

// `settings` with each 0 replaced by the default.
DeliveryLimits Resolve(const store::DeliverySettings& settings, const DeliveryLimits& defaults);

// Delivery on one open subscription stream, fail closed: each batch of
// deliveries is recorded as "delivered" in the audit log, and only once
// that record is durable is the batch handed to the sink. A batch whose
// record cannot be written is never sent; the stream ends UNAVAILABLE and
// the subscriber resumes later after its last acknowledged delivery. Data
// that fails its integrity check ends the stream DATA_LOSS (the store marks
// itself failed).
//
// The session joins the DeliveryHub: as the subscription's active stream it
// delivers; as a standby it only heartbeats until promoted. Taking over
// (started active, or promoted) it reads the subscription's position (it
// may have moved while it waited) and its delivery_attempts rows, and
// delivers from there: a delivery an earlier stream was handed but did not
// acknowledge is handed again (attempt counted on), never lost; one settled
// or parked is not. Tick() heartbeats a stream that wrote nothing for its
// interval (a standby or promoted stream heartbeats at once) and hands
// again what was not acknowledged within the subscription's ack wait, or
// parks it (Store::Park) once it has had max_deliver attempts. At most
// max_in_flight deliveries are handed and unacknowledged at once
// (InFlightWindow); acknowledgements (DeliveryHub::Notify) make room.
//
// At most one batch is being audited and one being written at a time: the
// audit log paces delivery, so the writer's queue and memory stay bounded
// while a backlog drains. Thread-safe; the sink is held weakly, so the
// session may outlive the stream.
class DeliverySession : public std::enable_shared_from_this<DeliverySession> {
 public:
  static constexpr size_t kBatch = 128;

  // Joins the hub (FAILED_PRECONDITION for a second stream on an exclusive
  // subscription) and starts delivering or waiting.
  static absl::StatusOr<std::shared_ptr<DeliverySession>> Start(
      store::Store& store, DeliveryHub& hub, std::unique_ptr<SubscriptionFeed> feed,
      StreamTiming timing, Executor executor, std::weak_ptr<DeliverySink> sink);
  DeliverySession(store::Store& store, DeliveryHub& hub, std::unique_ptr<SubscriptionFeed> feed,
                  StreamTiming timing, Executor executor, std::weak_ptr<DeliverySink> sink);
  ~DeliverySession();

  // The sink has written everything of the last Send().
  void Sent();
  // The stream is gone: leave the hub (promoting a standby), stop polling
  // and calling the sink. Idempotent.
  void Stop();
  // Ends the stream with `why` (its subscription was reset or deleted): stops,
  // then asks the sink to end. Only schedules work.
  void End(const absl::Status& why);
  // Heartbeats when the interval has passed without a write, and hands
  // again (or parks) what its ack wait passed for. Call often (the broker:
  // every 200 ms); does nothing otherwise.
  void Tick();
  // The subscription's deliveries were acknowledged, or parked ones
  // released (DeliveryHub::Notify). Only schedules work.
  void OnEvent(const DeliveryHub::SubscriptionEvent& event);
  bool standby() const;

 private:
  // What one Pump decided, acted on after the lock is released.
  struct Actions {
    std::optional<HeartbeatInfo> heartbeat;
    std::optional<std::vector<FeedItem>> send;
    std::vector<store::DeliveredEvent> audit;
    std::vector<store::DeliveredEvent> park;
    bool read_store = false;
    std::optional<absl::Status> end;
  };

  void Pump(bool may_read_store);
  void Poll(bool may_read_store, Actions& actions) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool HeartbeatDue() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Act(Actions actions);
  void Audited(const absl::Status& status);
  void Parked(const absl::Status& status, const std::vector<store::DeliveredEvent>& parked);
  void Post(bool may_read_store);
  // On the executor: the standby became active.
  void Promote();
  // Reads the subscription's position and rows (the stream takes over);
  // an error ends the stream.
  absl::Status TakeOver() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // On the executor: hands released deliveries again.
  void ReadReleased();
  // Reads back what its ack wait passed for (InFlightWindow::TakeDue): into
  // `again` to hand again, or into actions.park.
  absl::Status Due(std::vector<FeedItem>& again, Actions& actions)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Of deliveries polled from the feed, those an earlier stream was handed
  // (up to recover_through_) counted on or parked; settled ones dropped.
  void Recovering(std::vector<FeedItem>& items, Actions& actions)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  store::Store& store_;
  DeliveryHub& hub_;
  const StreamTiming timing_;
  const Executor executor_;
  const std::weak_ptr<DeliverySink> sink_;
  mutable absl::Mutex mu_;
  std::unique_ptr<SubscriptionFeed> feed_ ABSL_GUARDED_BY(mu_);
  uint64_t hub_token_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
  bool standby_ ABSL_GUARDED_BY(mu_) = false;
  bool heartbeat_now_ ABSL_GUARDED_BY(mu_) = false;  // started as standby, or promoted
  std::chrono::steady_clock::time_point last_write_ ABSL_GUARDED_BY(mu_);
  bool sending_ ABSL_GUARDED_BY(mu_) = false;  // the sink is writing a batch
  // Waiting for its "delivered" record.
  std::optional<std::vector<FeedItem>> auditing_ ABSL_GUARDED_BY(mu_);
  std::optional<std::vector<FeedItem>> ready_
      ABSL_GUARDED_BY(mu_);                       // recorded, waiting for the sink
  bool taken_over_ ABSL_GUARDED_BY(mu_) = false;  // TakeOver() read the subscription
  InFlightWindow window_ ABSL_GUARDED_BY(mu_);
  // At take-over: what an earlier stream was handed, and the rows above the
  // position.
  Sequence recover_through_ ABSL_GUARDED_BY(mu_);
  std::map<uint64_t, store::DeliveryAttempt> rows_ ABSL_GUARDED_BY(mu_);
};

}  // namespace safeshare::service
