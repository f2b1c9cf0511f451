#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "broker/core/data_keys.h"

namespace safeshare::store {

// Notification bodies at rest: every body the store writes (the
// notification's own, view 0, and each recipient's view) is sealed with the
// current data key, bound to its notification id and view, and its key id
// stored beside it (`body_key`). A row written before encryption has key ""
// and is plaintext until `safeshare-broker rekey` seals it.

// n's bodies as the store writes them, sealed under the current key (a
// null body seals as empty; the writer refuses such a notification).
struct SealedBodies {
  std::string key;                 // the data key's id
  std::string body;                // view 0
  std::vector<std::string> views;  // n.views, in order (view k + 1)
};
struct NewNotification;
SealedBodies SealBodies(const DataKeys& keys, const NewNotification& n);

// The associated data of a body: "<notification id>" for view 0,
// "<notification id>#<view>" for a recipient's view.
std::string BodyContext(std::string_view notification_id, int64_t view);

// An action's note as the store writes it: sealed under the current key,
// or both empty when there is no note.
struct SealedNote {
  std::string key;
  std::string sealed;
};
struct NewAction;
SealedNote SealNote(const DataKeys& keys, const NewAction& a);

// The associated data of an action's note (store/action_records.h):
// "<notification id>@<recipient>", so a note moved to another
// notification's or recipient's row fails authentication.
std::string NoteContext(std::string_view notification_id, std::string_view recipient);

// The plaintext of a stored body. DATA_LOSS when it does not authenticate
// (altered, or another row's), FAILED_PRECONDITION when its key is not
// loaded; both name the sequence.
absl::StatusOr<std::string> OpenBody(const DataKeys& keys, std::string_view key_id,
                                     std::string_view stored, std::string_view notification_id,
                                     int64_t view, uint64_t sequence);

}  // namespace safeshare::store
