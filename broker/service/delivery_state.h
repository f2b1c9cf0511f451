#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "broker/audit/audit_entry.h"
#include "broker/core/strong_id.h"
#include "broker/store/action_records.h"

namespace safeshare::service {

// How far one recipient has come with a notification, furthest last.
enum class DeliveryStage { kRouted, kDelivered, kParked, kAcknowledged, kActioned };

// One recipient of a notification, as the audit log records it. Times are
// wall-clock microseconds since the Unix epoch; 0: not (yet) so.
struct RecipientDelivery {
  AgencyId agency;
  DeliveryStage stage = DeliveryStage::kRouted;
  std::string agreement;  // empty for an urgent disclosure
  std::string rule;
  bool urgent = false;
  int64_t routed_at_micros = 0;
  int64_t first_delivered_at_micros = 0;
  int64_t last_delivered_at_micros = 0;
  uint32_t deliveries = 0;             // times handed to a stream, redeliveries included
  int64_t acknowledged_at_micros = 0;  // the first acknowledgement
  std::string acknowledged_by;         // its subscription
  int64_t parked_at_micros = 0;        // stage kParked only
  int64_t actioned_at_micros = 0;      // the first action the recipient recorded
  // What it recorded, with the notes (read from the store, not the audit
  // log, which holds no note): AttachActions.
  std::vector<store::StoredAction> actions;
};

// What became of one notification, per recipient.
struct DeliveryState {
  NotificationId id;
  Sequence sequence;
  CaseRef case_ref;
  int64_t published_at_micros = 0;
  // When retention deleted its content (0: held; `content_deleted`).
  int64_t content_deleted_at_micros = 0;
  std::vector<RecipientDelivery> recipients;  // in routing order
};

// Folds the audit entries naming notification `id` (Store::QueryAudit by
// notification, in log order) into its state. NOT_FOUND, saying nothing of
// whether it exists, unless `publisher` published it: a publisher sees only
// its own notifications. Lines naming other notifications (an entry of a
// batch of deliveries names several) are passed over.
absl::StatusOr<DeliveryState> FoldDeliveryState(const NotificationId& id, const AgencyId& publisher,
                                                const std::vector<audit::Entry>& entries);

// Gives each recipient of `state` the actions it recorded (`actions`, from
// Store::ReadActions, in the order recorded).
void AttachActions(DeliveryState& state, std::vector<store::StoredAction> actions);

// NOT_FOUND for a notification that is not the caller's (or is unknown).
absl::Status NotYourNotification(const NotificationId& id);

}  // namespace safeshare::service
