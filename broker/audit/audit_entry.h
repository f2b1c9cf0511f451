#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace safeshare::audit {

enum class Action {
  kPublished,         // accepted and stored; detail lists the recipients
  kDuplicate,         // a retried publish; answered with the first notification
  kPublishRefused,    // refused by validation or policy; detail says why
  kWithheld,          // an agency of the partnership no rule lets receive it
  kSubscribed,        // a durable subscription was opened
  kDelivered,         // handed to a recipient's subscription stream
  kAcknowledged,      // the recipient confirmed receipt
  kRouted,            // one per recipient of a notification: rule, agreement, view hash
  kUrgentDisclosure,  // a recipient outside every agreement, with the publisher's reason
  kCaseChanged,       // a case opened, closed or reopened, or its engagements changed
  kInterestChanged,   // an agency registered or withdrew interest in people (keyed hashes)
  kPolicyChanged,     // a policy reload, applied or refused
};

std::string_view ActionName(Action action);
bool ParseAction(std::string_view name, Action& out);

// One row of the audit log: metadata and a content hash, never content.
struct Entry {
  // Position in the log, assigned by the store: 1, 2, 3, ... with no gaps,
  // in commit order. The order of events is the order of ids, whatever the
  // wall clock said.
  int64_t id = 0;
  int64_t at_micros = 0;  // wall-clock UTC microseconds since the Unix epoch
  // 0 normally. When the wall clock read earlier than the previous entry's
  // time (an NTP step, a VM restore), at_micros still records the clock and
  // this holds that previous entry's at_micros, so the step back is on the
  // record rather than silent.
  int64_t clock_stepped_back_from = 0;
  std::string actor;  // agency whose action it was
  Action action = Action::kPublished;
  std::string notification_id;
  std::string case_ref;
  std::string recipient;  // agency receiving, withheld from, or acknowledging
  std::string subscription;
  std::string rule;
  std::string lawful_basis;
  std::string purpose;
  std::string detail;        // reasons and counts; no personal data
  std::string content_hash;  // hex SHA-256 of the stored notification (or the recipient's view)
  std::string prev_hash;     // entry_hash of the entry before (hex)
  std::string entry_hash;    // hex SHA-256 over prev_hash and every field
};

// Hex SHA-256 of `bytes`.
std::string ContentHash(std::string_view bytes);

}  // namespace safeshare::audit
