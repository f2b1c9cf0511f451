#include "broker/store/body_seal.h"

#include "broker/store/action_records.h"
#include "broker/store/records.h"

namespace safeshare::store {

SealedBodies SealBodies(const DataKeys& keys, const NewNotification& n) {
  const std::string id = n.id.value();
  SealedBodies out{keys.current(), keys.Seal(n.body ? *n.body : "", BodyContext(id, 0)), {}};
  out.views.reserve(n.views.size());
  for (size_t k = 0; k < n.views.size(); ++k) {
    const auto& body = n.views[k].body;
    out.views.push_back(keys.Seal(body ? *body : "", BodyContext(id, static_cast<int64_t>(k + 1))));
  }
  return out;
}

std::string BodyContext(std::string_view notification_id, int64_t view) {
  std::string context(notification_id);
  if (view != 0) context.append("#").append(std::to_string(view));
  return context;
}

SealedNote SealNote(const DataKeys& keys, const NewAction& a) {
  if (a.note.empty()) return SealedNote{};
  return SealedNote{keys.current(),
                    keys.Seal(a.note, NoteContext(a.notification.value(), a.recipient.value()))};
}

std::string NoteContext(std::string_view notification_id, std::string_view recipient) {
  return std::string(notification_id).append("@").append(recipient);
}

absl::StatusOr<std::string> OpenBody(const DataKeys& keys, std::string_view key_id,
                                     std::string_view stored, std::string_view notification_id,
                                     int64_t view, uint64_t sequence) {
  if (key_id.empty()) return std::string(stored);  // written before encryption; rekey seals it
  auto opened = keys.Open(key_id, stored, BodyContext(notification_id, view));
  if (opened.ok()) return opened;
  std::string where =
      "notification " + std::string(notification_id) + " at sequence " + std::to_string(sequence);
  if (view != 0) where += " (view " + std::to_string(view) + ")";
  std::string why(opened.status().message());
  if (absl::IsDataLoss(opened.status())) why += ": the store is damaged";
  return absl::Status(opened.status().code(), where + ": " + why);
}

}  // namespace safeshare::store
