#pragma once

#include <cstdint>
#include <string>

#include "broker/core/strong_id.h"

namespace safeshare::store {

// A recipient's record of what it did about a notification delivered to it
// and acknowledged (Store::RecordAction). The action is audited; the note is
// not: it is kept sealed in `actions` beside the notification, for its
// publisher, and deleted with the notification's content.
struct NewAction {
  AgencyId recipient;
  NotificationId notification;
  std::string action;           // lower-case name, e.g. "assessment_updated" (service/actions.h)
  std::string note;             // plaintext; "" none
  std::string idempotency_key;  // "" none: every call records an action
};

struct ActionResult {
  std::string action;  // as recorded (a duplicate: the first call's)
  int64_t recorded_at_micros = 0;
  bool duplicate = false;
};

// One recorded action, its note opened (Store::ReadActions).
struct StoredAction {
  AgencyId recipient;
  std::string action;
  int64_t recorded_at_micros = 0;
  std::string note;                    // "" none, or deleted
  int64_t note_deleted_at_micros = 0;  // when retention deleted it (0: held)
};

}  // namespace safeshare::store
