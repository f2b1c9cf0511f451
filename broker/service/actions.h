#pragma once

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "safeshare/v1/delivery.pb.h"

namespace safeshare::service {

// What recipients record they did (Broker.RecordAction). The store and the
// audit log keep an action by its lower-case name: ACTION_TAKEN_REFERRED is
// "referred".
std::string ActionName(v1::ActionTaken action);
// The inverse; ACTION_TAKEN_UNSPECIFIED for a name no action has.
v1::ActionTaken ActionFromName(std::string_view name);

// INVALID_ARGUMENT unless `id` could be a notification id (1 to 64
// characters): "notification_id: give <which id> (1 to 64 characters)".
// GetDeliveryState and RecordAction check it before reading or writing.
absl::Status CheckNotificationId(const std::string& id, const std::string& which);

inline constexpr size_t kMaxNoteCharacters = 2000;
inline constexpr size_t kMaxActionKey = 128;

// OK when `request` may be recorded; otherwise INVALID_ARGUMENT naming the
// field and what to do: notification_id empty or over 64 characters; no or
// an unknown action; a note over kMaxNoteCharacters characters, or missing
// where the action needs its reason (NO_FURTHER_ACTION_AT_THIS_TIME,
// OTHER); an idempotency key over kMaxActionKey characters.
absl::Status CheckActionRequest(const v1::RecordActionRequest& request);

}  // namespace safeshare::service
