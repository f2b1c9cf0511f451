#include "broker/store/store.h"

namespace safeshare::store {

absl::Status CheckContentHash(const StoredDelivery& d) {
  if (audit::ContentHash(d.body) == d.content_hash) return absl::OkStatus();
  return absl::DataLossError("notification " + d.id.value() + " at sequence " +
                             std::to_string(d.sequence.value()) +
                             " does not match its stored content hash: the store is damaged");
}

namespace errors {

absl::Status UnknownSubscription(const SubscriptionName& name) {
  return absl::NotFoundError("subscription '" + name.value() +
                             "' does not exist for your agency; open it with Subscribe first");
}

absl::Status NotDelivered(Sequence through, Sequence latest) {
  return absl::InvalidArgumentError("sequence: " + std::to_string(through.value()) +
                                    " has not been delivered to your agency (latest is " +
                                    std::to_string(latest.value()) +
                                    "); acknowledge a sequence you received");
}

absl::Status ReusedKey(const NotificationId& first) {
  return absl::AlreadyExistsError("notification.idempotency_key: already used for notification " +
                                  first.value() +
                                  " with different content; use a new key for new content");
}

absl::Status StoreFailed() {
  return absl::UnavailableError(
      "the broker's store has failed and the broker refuses writes until an operator restores "
      "it; nothing was stored; retrying against this broker will fail until then");
}

absl::Status ShuttingDown() {
  return absl::UnavailableError(
      "the broker is shutting down; nothing was stored; retry with the same idempotency key "
      "when it is back");
}

absl::Status DiskFull() {
  return absl::ResourceExhaustedError(
      "the broker's disk is full; nothing was stored; retry later with the same idempotency key");
}

absl::Status Busy() {
  return absl::UnavailableError(
      "the broker's store is busy; nothing was stored; retry with the same idempotency key");
}

}  // namespace errors

}  // namespace safeshare::store
