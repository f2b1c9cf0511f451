#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <vector>

#include "broker/service/subscription_feed.h"
#include "broker/store/records.h"

namespace safeshare::service {

// A subscription's redelivery and flow control as a stream applies them
// (store::DeliverySettings with the broker's defaults filled in).
struct DeliveryLimits {
  std::chrono::milliseconds ack_wait{std::chrono::minutes(5)};
  uint32_t max_deliver = 5;
  uint32_t max_in_flight = 1000;
};

// The deliveries one stream was handed that its subscription has not
// acknowledged: when each is due to be handed again (ack_wait after it was
// handed), and which have had their max_deliver attempts and are to be
// parked instead. A delivery taken to be handed again or parked is busy
// until Handed() or Forget(). Not thread-safe: one DeliverySession uses it
// under its lock.
class InFlightWindow {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  explicit InFlightWindow(DeliveryLimits limits = {}) : limits_(limits) {}

  const DeliveryLimits& limits() const { return limits_; }
  size_t size() const { return entries_.size(); }
  // How many more deliveries may be handed before some are acknowledged.
  size_t Room() const;
  // `items` were handed to the stream at `now` (their event.attempt as
  // handed): due again at now + ack_wait.
  void Handed(const std::vector<FeedItem>& items, TimePoint now);
  // A delivery to hand again as soon as possible: released from parking
  // (`made` 0) or found unacknowledged when the stream took over.
  void Add(FeedItem item, uint32_t made, TimePoint now);
  // Forgets what the subscription acknowledged: everything up to `through`
  // (0: nothing) and each of `sequences`.
  void Settle(Sequence through, const std::vector<Sequence>& sequences);
  // Forgets deliveries the store parked.
  void Forget(const std::vector<store::DeliveredEvent>& parked);

  struct Due {
    std::vector<FeedItem> again;              // event.attempt counted on, event.again set
    std::vector<store::DeliveredEvent> park;  // event.attempt: the attempts made
  };
  // The deliveries whose ack wait has passed at `now`, in sequence order, at
  // most `max` of them, each marked busy.
  Due TakeDue(TimePoint now, size_t max);
  bool AnyDue(TimePoint now) const;
  bool Contains(Sequence seq) const { return entries_.contains(seq.value()); }

 private:
  struct Entry {
    FeedItem item;
    TimePoint due;
    bool busy = false;
  };
  DeliveryLimits limits_;
  std::map<uint64_t, Entry> entries_;  // by sequence
};

}  // namespace safeshare::service
