#include "broker/service/actions.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"

namespace safeshare::service {
namespace {

// absl::string_view: not std::string_view in this Abseil build.
constexpr absl::string_view kPrefix = "ACTION_TAKEN_";
constexpr size_t kMaxNotificationId = 64;

// Characters, not bytes: a UTF-8 continuation byte does not start one.
size_t Characters(std::string_view text) {
  return static_cast<size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

std::string Names() {
  std::string names;
  const auto* values = v1::ActionTaken_descriptor();
  for (int i = 0; i < values->value_count(); ++i) {
    const auto action = static_cast<v1::ActionTaken>(values->value(i)->number());
    if (action == v1::ACTION_TAKEN_UNSPECIFIED) continue;
    names += (names.empty() ? "" : ", ") + values->value(i)->name();
  }
  return names;
}

}  // namespace

std::string ActionName(v1::ActionTaken action) {
  std::string name = v1::ActionTaken_Name(action);
  if (absl::StartsWith(name, kPrefix)) name.erase(0, kPrefix.size());
  absl::AsciiStrToLower(&name);
  return name;
}

v1::ActionTaken ActionFromName(std::string_view name) {
  v1::ActionTaken action = v1::ACTION_TAKEN_UNSPECIFIED;
  const std::string full =
      std::string(kPrefix) + absl::AsciiStrToUpper(absl::string_view(name.data(), name.size()));
  if (!v1::ActionTaken_Parse(full, &action)) return v1::ACTION_TAKEN_UNSPECIFIED;
  return action;
}

absl::Status CheckNotificationId(const std::string& id, const std::string& which) {
  if (!id.empty() && id.size() <= kMaxNotificationId) return absl::OkStatus();
  return absl::InvalidArgumentError("notification_id: give " + which + " (1 to " +
                                    std::to_string(kMaxNotificationId) + " characters)");
}

absl::Status CheckActionRequest(const v1::RecordActionRequest& request) {
  if (auto valid = CheckNotificationId(request.notification_id(), "the id the delivery carried");
      !valid.ok()) {
    return valid;
  }
  if (request.action() == v1::ACTION_TAKEN_UNSPECIFIED ||
      !v1::ActionTaken_IsValid(request.action())) {
    return absl::InvalidArgumentError("action: say what was done, one of " + Names());
  }
  if (Characters(request.note()) > kMaxNoteCharacters) {
    return absl::InvalidArgumentError("note: at most " + std::to_string(kMaxNoteCharacters) +
                                      " characters; keep the full account in your own record");
  }
  if (std::any_of(request.note().begin(), request.note().end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return (u < 0x20 && c != '\n' && c != '\t') || u == 0x7F;
      })) {
    return absl::InvalidArgumentError(
        "note: plain text only: no control characters (line breaks and tabs are fine)");
  }
  const bool needs_reason = request.action() == v1::ACTION_TAKEN_NO_FURTHER_ACTION_AT_THIS_TIME ||
                            request.action() == v1::ACTION_TAKEN_OTHER;
  if (needs_reason && absl::StripAsciiWhitespace(request.note()).empty()) {
    return absl::InvalidArgumentError(
        "note: action " + ActionName(request.action()) + " needs a note (--note) saying " +
        (request.action() == v1::ACTION_TAKEN_OTHER ? "what was done" : "why no action was taken"));
  }
  if (request.idempotency_key().size() > kMaxActionKey) {
    return absl::InvalidArgumentError("idempotency_key: at most " + std::to_string(kMaxActionKey) +
                                      " characters");
  }
  return absl::OkStatus();
}

}  // namespace safeshare::service
