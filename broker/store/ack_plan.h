#pragma once

#include <functional>
#include <map>
#include <vector>

#include "absl/status/statusor.h"
#include "broker/store/records.h"

// What an acknowledgement changes, decided the same way by both stores.
namespace safeshare::store {

// A subscription's state as an acknowledgement finds it.
struct AckState {
  Sequence acked_through;
  Sequence delivered_through;
  std::map<uint64_t, DeliveryAttempt> attempts;  // its delivery_attempts rows, by sequence
};

// The subscription's matching deliveries in (after, through], in order.
using MatchingDeliveries =
    std::function<absl::StatusOr<std::vector<DeliveryFacts>>(Sequence after, Sequence through)>;

struct AckPlan {
  std::vector<DeliveryFacts> settled;  // newly acknowledged, in sequence order
  std::vector<Sequence> acked_ahead;   // settled above the new position: a kAcked row each
  std::vector<Sequence> drop;          // rows to delete
  Sequence acked_through;              // the new position
};

// Plans `request` on `state`:
// - `through` above the position settles every matching delivery up to it
//   that is not parked or already settled, and every one handed again
//   (released or redelivered) at or below it; above delivered_through it is
//   INVALID_ARGUMENT (errors::NotDelivered).
// - each of `sequences` is settled on its own: a delivery handed to a stream
//   of the subscription and not yet settled (a parked one too: its
//   recipient processed it after all). One already settled is passed over
//   (a retry); one never handed to the subscription is INVALID_ARGUMENT
//   (errors::NotADelivery).
// - the position then moves over every following delivery that is settled
//   or parked, so it stays "everything up to here is done with".
absl::StatusOr<AckPlan> PlanAck(const AckRequest& request, const AckState& state,
                                const MatchingDeliveries& matching);

}  // namespace safeshare::store
