#pragma once

#include <functional>
#include <memory>

#include <atomic>
#include "absl/status/statusor.h"
#include "broker/identity/agency_directory.h"

#include "broker/routing/policy_snapshot.h"
#include "broker/service/delivery_hub.h"
#include "broker/service/delivery_session.h"
#include "broker/service/recent_log.h"
#include "broker/service/subscription_feed.h"
#include "broker/store/store.h"
#include "safeshare/v1/broker.pb.h"

namespace safeshare::service {

// The broker's use cases, with no gRPC in sight: publish, open a
// subscription, acknowledge. Every callback runs once, on the store's
// completion thread, after what it reports is durable; callbacks must not block.
// Thread-safe; the referenced objects must outlive it.
class BrokerService {
 public:
  template <typename T>
  using Done = std::function<void(absl::StatusOr<T>)>;

  // `recent_log_bytes` bounds the in-memory tail used for fan-out. Each
  // publish is decided under the policy snapshot current when it arrives.
  BrokerService(const routing::PolicyHolder& policy, store::Store& store,
                size_t recent_log_bytes = 64 << 20);

  // Validate, authorize, route, persist with audit, then answer. A refused
  // publish is audited before the refusal is answered; so is a key reused
  // for different content (ALREADY_EXISTS naming the first notification).
  void Publish(const identity::Caller& caller, const v1::Notification& notification,
               Done<store::PublishResult> done);

  // Refuses a Publish whose request bytes are not a PublishRequest, with
  // INVALID_ARGUMENT, audited like any refused publish (the caller's agency,
  // nothing of the bytes).
  void RefuseUndecodable(const identity::Caller& caller, Done<store::PublishResult> done);

  // Opens (creating on first use) the caller's durable subscription and
  // returns a feed positioned after its last acknowledged delivery.
  void Subscribe(const identity::Caller& caller, const std::string& subscription,
                 Done<std::unique_ptr<SubscriptionFeed>> done);

  void Acknowledge(const identity::Caller& caller, const std::string& subscription,
                   uint64_t sequence, Done<store::AckResult> done);

  // Delivers what `feed` has to `sink`, fail closed (see DeliverySession).
  std::shared_ptr<DeliverySession> StartDelivery(std::unique_ptr<SubscriptionFeed> feed,
                                                 Executor executor,
                                                 std::weak_ptr<DeliverySink> sink);

  // From now on every call is answered UNAVAILABLE "shutting down" (nothing
  // is stored); calls already accepted complete. For a clean shutdown.
  void StopAccepting() { accepting_ = false; }

  DeliveryHub& hub() { return hub_; }

 private:
  void Refuse(const identity::Caller& caller, const v1::Notification& n, absl::Status why,
              Done<store::PublishResult> done);
  // Logs and audits `refusal` (its reason is `why`), then answers `why`.
  void AuditRefusal(store::Refusal refusal, absl::Status why, Done<store::PublishResult> done);
  store::NewNotification Prepare(const identity::Caller& caller, const v1::Notification& n,
                                 std::string_view type,
                                 const routing::PolicySnapshot& policy) const;
  // Makes `done` also put a newly stored notification on the recent log.
  Done<store::PublishResult> Logging(const store::NewNotification& record,
                                     Done<store::PublishResult> done);

  const routing::PolicyHolder& policy_;
  store::Store& store_;
  std::atomic<bool> accepting_{true};
  DeliveryHub hub_;
  RecentLog recent_;
};

}  // namespace safeshare::service
