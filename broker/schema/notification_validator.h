#pragma once

#include <string_view>

#include "absl/status/status.h"
#include "safeshare/v1/broker.pb.h"

namespace safeshare::schema {

// The notification type: the name of the `payload` oneof field that is set
// (one of kNotificationTypes), or "" when no payload is set.
std::string_view TypeOf(const v1::Notification& notification);

// At most this many entries in any repeated field of a notification
// (children, persons, identifiers, decisions, actions, ...), so a message
// within the size limit cannot hold a hundred thousand small entries that
// each cost the broker far more memory than their bytes on the wire.
inline constexpr int kMaxRepeated = 200;

// Checks a notification as published: only fields and enum values the
// contract defines (anywhere in it) and no repeated field longer than
// kMaxRepeated, then envelope, vocabulary and the rules
// of its typed payload. An escalation (raised by the broker only) is
// PERMISSION_DENIED. Otherwise returns INVALID_ARGUMENT whose message starts with the
// field path ("notification.investigation_outcome.rationale: ...") and says
// what to do; it never repeats a value the publisher sent (numbers of enums
// and fields aside). Pure function; thread-safe.
absl::Status ValidateForPublish(const v1::Notification& notification);

// True when `value` is a well-formed reference (case, child, person,
// subscription): 1-64 characters of letters, digits and - _ / .
bool IsReference(std::string_view value);

}  // namespace safeshare::schema
