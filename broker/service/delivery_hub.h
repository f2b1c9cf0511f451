#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "broker/core/strong_id.h"

namespace safeshare::service {

// ABORTED `message`, marked as ending a stream whose subscription was reset
// or deleted (the client reconnects), so the rpc layer tells it apart from
// the store's ABORTED (a constraint error, internal).
absl::Status StreamEnded(const std::string& message);
bool IsStreamEnded(const absl::Status& status);

// The open subscription streams: tells them that their agency has new
// deliveries, counts them per subscription, and ends those of a subscription
// that was reset or deleted. Listeners must only schedule work: Wake runs
// them on the store's completion thread under the hub's lock. Thread-safe.
class DeliveryHub {
 public:
  using Listener = std::function<void()>;
  using EndListener = std::function<void(const absl::Status&)>;

  uint64_t Add(const AgencyId& agency, const SubscriptionName& name, Listener wake,
               EndListener end);
  void Remove(uint64_t token);
  // Called after a commit with the agencies that have new deliveries.
  void Wake(const std::set<AgencyId>& agencies);
  // Ends every open stream of the subscription with `why` (outside the lock).
  void EndAll(const AgencyId& agency, const SubscriptionName& name, const absl::Status& why);
  // The open streams of the subscription.
  uint32_t Consumers(const AgencyId& agency, const SubscriptionName& name) const;

 private:
  struct Stream {
    uint64_t token = 0;
    SubscriptionName name;
    Listener wake;
    EndListener end;
  };

  mutable absl::Mutex mu_;
  uint64_t next_token_ ABSL_GUARDED_BY(mu_) = 1;
  std::multimap<AgencyId, Stream> streams_ ABSL_GUARDED_BY(mu_);
};

}  // namespace safeshare::service
