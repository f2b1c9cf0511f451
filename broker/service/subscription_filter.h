#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "broker/store/records.h"

namespace safeshare::service {

// The most case references one subscription's filter may name.
inline constexpr size_t kMaxFilterCases = 100;

// A subscription filter as a caller gives it, checked and normalised for the
// store: each type the name of a payload field of v1::Notification, each case
// reference well formed and given once, at most kMaxFilterCases of them;
// both lists sorted and without repeats, so equal filters compare equal.
// INVALID_ARGUMENT names the field and what to give.
absl::StatusOr<store::DeliveryFilter> CheckFilter(const std::vector<std::string>& types,
                                                  const std::vector<std::string>& case_refs);

// INVALID_ARGUMENT unless `name` is a subscription name (1-64 letters,
// digits and - _ / .).
absl::Status CheckSubscriptionName(const std::string& name);

// A subscription's redelivery settings as CreateSubscription asks for them
// (0: the broker's default), in the store's form; INVALID_ARGUMENT naming
// the field and its bounds (config's kMaxAckWaitSeconds, kMaxDeliverLimit,
// kMaxInFlightLimit).
absl::StatusOr<store::DeliverySettings> CheckDeliverySettings(uint32_t ack_wait_seconds,
                                                              uint32_t max_deliver,
                                                              uint32_t max_in_flight);

// The payload field names of v1::Notification, in field order.
std::vector<std::string> NotificationTypes();

}  // namespace safeshare::service
