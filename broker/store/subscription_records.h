#pragma once

// What the store keeps of subscriptions: their filters, start positions,
// consumer modes and delivery settings, the per-delivery attempt rows, and
// the records and statistics the subscription calls answer with. The rest
// of the store's records are in records.h, which includes this.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "broker/core/strong_id.h"

namespace safeshare::store {

// Which of an agency's deliveries a subscription receives. An empty list
// matches everything; every non-empty list must match. Kept sorted and
// without repeats (the service normalises it), so equal filters compare
// equal. Stored comma-joined: no type name or case reference has a comma.
struct DeliveryFilter {
  std::vector<std::string> types;  // schema::TypeOf names, e.g. "investigation_outcome"
  std::vector<CaseRef> case_refs;

  bool empty() const { return types.empty() && case_refs.empty(); }
  bool Matches(std::string_view type, const CaseRef& case_ref) const;
  bool operator==(const DeliveryFilter&) const = default;
};

// Where a new subscription starts, or where a reset puts it: the position is
// the sequence after which deliveries are received.
enum class StartFrom {
  kBeginning,  // position 0: every delivery the agency has had
  kNow,        // the latest committed sequence, read under the append lock
  kAfter,      // `after`, at most the latest committed sequence
};
struct StartPosition {
  StartFrom from = StartFrom::kBeginning;
  Sequence after;  // kAfter only
};

// What a second stream on a subscription with an active one gets: it waits
// as a standby (promoted when the active one ends), or it is refused.
// Stored as 0 and 1 (subscriptions.consumer_mode).
enum class ConsumerMode { kStandby = 0, kExclusive = 1 };

// How a subscription's deliveries are redelivered and parked; 0 in a field
// means the broker's configured default (resolved when a stream opens).
struct DeliverySettings {
  uint32_t ack_wait_ms = 0;    // redelivered when not acknowledged this long after handed
  uint32_t max_deliver = 0;    // parked after this many unacknowledged attempts
  uint32_t max_in_flight = 0;  // deliveries handed and not yet acknowledged, at most
  bool operator==(const DeliverySettings&) const = default;
};

// What the store keeps of one delivery of a subscription beside its
// position (table delivery_attempts; stored as these numbers). A delivery
// with no row above the position and at most delivered_through was handed
// once and is not acknowledged.
enum class AttemptState {
  kAcked = 1,        // acknowledged on its own, above the position
  kParked = 2,       // not redelivered until released or acknowledged
  kReleased = 3,     // released from parking, to be delivered again
  kRedelivered = 4,  // handed more than once (or again after release); `attempts` counts
};
struct DeliveryAttempt {
  Sequence sequence;
  AttemptState state = AttemptState::kRedelivered;
  uint32_t attempts = 0;
  int64_t at_micros = 0;  // when it entered the state
};

// A parked delivery as listed to its recipient.
struct ParkedDelivery {
  Sequence sequence;
  NotificationId id;
  CaseRef case_ref;
  std::string type;
  AgencyId publisher;
  uint32_t attempts = 0;
  int64_t parked_at_micros = 0;
};

struct SubscriptionSpec {
  AgencyId agency;
  SubscriptionName name;
  StartPosition start;
  DeliveryFilter filter;
  size_t max_per_agency = 100;  // the agency's limit of subscriptions
  ConsumerMode consumer_mode = ConsumerMode::kStandby;
  DeliverySettings settings;
};

// A subscription as stored. acked_through: every matching delivery up to it
// is settled; delivered_through: the highest sequence handed to a stream of
// it (never below acked_through).
struct SubscriptionRecord {
  AgencyId agency;
  SubscriptionName name;
  int64_t created_at_micros = 0;
  DeliveryFilter filter;
  Sequence acked_through;
  Sequence delivered_through;
  ConsumerMode consumer_mode = ConsumerMode::kStandby;
  DeliverySettings settings;
};

// A subscription with its backlog, as listed.
struct SubscriptionStats {
  SubscriptionRecord record;
  Sequence latest;                    // the latest committed sequence when read
  uint64_t backlog = 0;               // matching deliveries above acked_through
  int64_t oldest_unacked_micros = 0;  // stored time of the first of them; 0: none
  uint64_t in_flight = 0;             // handed to a stream and not yet acknowledged
  uint64_t parked = 0;
};

}  // namespace safeshare::store
