#pragma once

#include <cstddef>
#include <string>

#include "absl/status/status.h"
#include "broker/core/strong_id.h"

namespace safeshare::store {

// The refusals every store gives in the same words.
namespace errors {
absl::Status UnknownSubscription(const SubscriptionName& name);
// `field` ("filter", "consumer_mode") differs from the stored one.
absl::Status SubscriptionExists(const SubscriptionName& name, const std::string& field);
absl::Status MustCreateFirst(const SubscriptionName& name);
// RESOURCE_EXHAUSTED, but refused on its own: the rest of a write batch
// commits (IsRefusedAlone).
absl::Status TooManySubscriptions(const AgencyId& agency, size_t count, size_t limit);
absl::Status BeyondLatest(Sequence after, Sequence latest);
// Whether `status` refuses one operation only, whatever its code: it stored
// nothing and the rest of its batch is unaffected.
bool IsRefusedAlone(const absl::Status& status);
// An acknowledgement beyond what the subscription's streams were handed.
// `field`: the request field that named it ("sequence" or "sequences").
absl::Status NotDelivered(Sequence through, Sequence delivered, const SubscriptionName& name,
                          const char* field = "sequence");
// INVALID_ARGUMENT: `seq` is not a delivery of the subscription (not the
// agency's, or its filter does not match it).
absl::Status NotADelivery(Sequence seq, const SubscriptionName& name);
// FAILED_PRECONDITION: `seq` is not parked on the subscription.
absl::Status NotParked(Sequence seq, const SubscriptionName& name);
absl::Status ReusedKey(const NotificationId& first);
// RecordAction: NOT_FOUND, saying nothing of whether `id` exists.
absl::Status NotDeliveredTo(const NotificationId& id, const AgencyId& recipient);
// RecordAction: FAILED_PRECONDITION, naming the sequence to acknowledge.
absl::Status NotAcknowledged(const NotificationId& id, Sequence seq);
absl::Status NoteAfterDeletion(const NotificationId& id);
// NOT_FOUND: no checkpoint at `tree_size` (0: none at all).
absl::Status NoCheckpoint(uint64_t tree_size);
// Once the store has failed: not "retry", which cannot work until an
// operator has restored the store.
absl::Status StoreFailed();
absl::Status ShuttingDown();
absl::Status DiskFull();
absl::Status Overloaded(size_t queued);
absl::Status Busy();
}  // namespace errors

}  // namespace safeshare::store
