#pragma once

#include <algorithm>
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
// acknowledged, by sequence: the attempt each was handed as and when it is
// due to be handed again (ack_wait after it was handed). It keeps no copy of
// a delivery: one that is due is read back from the store (a path off the
// common one). A delivery taken to be handed again or parked is busy until
// Handed() or Forget(). Not thread-safe: one DeliverySession uses it under
// its lock.
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
  // A delivery to hand again as soon as possible, `made` attempts so far:
  // released from parking (0) or found unacknowledged when the stream took
  // over.
  void Add(Sequence seq, uint32_t made, TimePoint now);
  // Forgets what the subscription acknowledged: everything up to `through`
  // (0: nothing) and each of `sequences`.
  void Settle(Sequence through, const std::vector<Sequence>& sequences);
  // Forgets deliveries the store parked.
  void Forget(const std::vector<store::DeliveredEvent>& parked);

  // A delivery whose ack wait passed: its sequence and the attempts made.
  struct Due {
    Sequence sequence;
    uint32_t made = 0;
  };
  // The deliveries whose ack wait has passed at `now`, in sequence order, at
  // most `max` of them, each marked busy: to hand again when made <
  // max_deliver, else to park.
  std::vector<Due> TakeDue(TimePoint now, size_t max);
  bool AnyDue(TimePoint now) const;
  bool Contains(Sequence seq) const { return entries_.contains(seq.value()); }

 private:
  struct Entry {
    uint32_t attempt = 0;
    TimePoint due;
    bool busy = false;
  };
  // The earliest due time of a delivery that is not busy, or earlier (it
  // is not raised when deliveries leave): AnyDue() at any time before it is
  // false without a look at the entries, as it is called for every batch.
  void Recompute() const;

  DeliveryLimits limits_;
  std::map<uint64_t, Entry> entries_;  // by sequence
  mutable TimePoint next_due_ = TimePoint::max();
};

}  // namespace safeshare::service
