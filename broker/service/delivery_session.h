#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

#include "absl/status/status.h"
#include "broker/service/delivery_hub.h"
#include "broker/service/subscription_feed.h"
#include "broker/store/store.h"

namespace safeshare::service {

// The stream a DeliverySession feeds: the rpc layer's Subscribe reactor.
// Both calls must only schedule work (never block or call back inline).
class DeliverySink {
 public:
  virtual ~DeliverySink() = default;
  // Write `items` in order, then call DeliverySession::Sent(). The session
  // sends the next batch only after that, so one batch is open at a time.
  virtual void Send(std::vector<FeedItem> items) = 0;
  // End the stream with `status`; the session sends nothing more.
  virtual void End(absl::Status status) = 0;
};

// Runs `job` later on a thread that may block on a store read (never the
// store's completion thread, never a gRPC thread).
using Executor = std::function<void(std::function<void()>)>;

// Delivery on one open subscription stream, fail closed: each batch of
// deliveries is recorded as "delivered" in the audit log, and only once
// that record is durable is the batch handed to the sink. A batch whose
// record cannot be written is never sent; the stream ends UNAVAILABLE and
// the subscriber resumes later after its last acknowledged delivery. Data
// that fails its integrity check ends the stream DATA_LOSS (the store marks
// itself failed).
//
// At most one batch is being audited and one being written at a time: the
// audit log paces delivery, so the writer's queue and memory stay bounded
// while a backlog drains. Thread-safe; the sink is held weakly, so the
// session may outlive the stream.
class DeliverySession : public std::enable_shared_from_this<DeliverySession> {
 public:
  static constexpr size_t kBatch = 128;

  static std::shared_ptr<DeliverySession> Start(store::Store& store, DeliveryHub& hub,
                                                std::unique_ptr<SubscriptionFeed> feed,
                                                Executor executor,
                                                std::weak_ptr<DeliverySink> sink);
  DeliverySession(store::Store& store, DeliveryHub& hub, std::unique_ptr<SubscriptionFeed> feed,
                  Executor executor, std::weak_ptr<DeliverySink> sink);
  ~DeliverySession();

  // The sink has written everything of the last Send().
  void Sent();
  // The stream is gone: stop polling and calling the sink. Idempotent.
  void Stop();
  // Ends the stream with `why` (its subscription was reset or deleted): stops,
  // then asks the sink to end. Only schedules work.
  void End(const absl::Status& why);

 private:
  // What one Pump decided, acted on after the lock is released.
  struct Actions {
    std::optional<std::vector<FeedItem>> send;
    std::vector<store::DeliveredEvent> audit;
    bool read_store = false;
    std::optional<absl::Status> end;
  };

  void Pump(bool may_read_store);
  void Poll(bool may_read_store, Actions& actions) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Act(Actions actions);
  void Audited(const absl::Status& status);
  void Post(bool may_read_store);

  store::Store& store_;
  DeliveryHub& hub_;
  const Executor executor_;
  const std::weak_ptr<DeliverySink> sink_;
  absl::Mutex mu_;
  std::unique_ptr<SubscriptionFeed> feed_ ABSL_GUARDED_BY(mu_);
  uint64_t hub_token_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
  bool sending_ ABSL_GUARDED_BY(mu_) = false;  // the sink is writing a batch
  // Waiting for its "delivered" record.
  std::optional<std::vector<FeedItem>> auditing_ ABSL_GUARDED_BY(mu_);
  std::optional<std::vector<FeedItem>> ready_
      ABSL_GUARDED_BY(mu_);  // recorded, waiting for the sink
};

}  // namespace safeshare::service
