#ifndef SAFESHARE_CLIENT_NOTIFICATION_JSON_H_
#define SAFESHARE_CLIENT_NOTIFICATION_JSON_H_

#include <string>

#include <google/protobuf/message.h>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "safeshare/v1/broker.pb.h"

namespace safeshare::client {

// Parses proto JSON (field names as in the .proto or lowerCamelCase, enum
// values by name, dates as {"year","month","day"}, timestamps RFC 3339) into
// a Notification. Unknown fields are errors, so a misspelt field is not
// silently dropped. On failure returns INVALID_ARGUMENT with the message
// "SOURCE: invalid notification JSON: [line L, column C: ]DETAIL"; the
// position is given for syntax errors, field errors name the field path.
absl::StatusOr<v1::Notification> ParseNotificationJson(absl::string_view json,
                                                       absl::string_view source);

// Reads `path` and parses it as above, with `path` as SOURCE. A file that
// cannot be read gives "cannot read PATH: REASON" (NOT_FOUND if missing).
absl::StatusOr<v1::Notification> ReadNotificationFile(const std::string& path);

// `message` as one line of JSON with proto field names and without default
// values, e.g. {"notification_id":"n-1","sequence":"7"} (64-bit integers
// are strings, as proto JSON requires).
// `with_defaults`: print fields at their default (0, false, "") too, for an
// answer whose every field matters (e.g. a position that is 0).
std::string ToJsonLine(const google::protobuf::Message& message, bool with_defaults = false);

}  // namespace safeshare::client

#endif  // SAFESHARE_CLIENT_NOTIFICATION_JSON_H_
