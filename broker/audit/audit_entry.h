#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

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
  kAccessRefused,     // a call refused for the caller's role, or a certificate no agency holds
  kAuditRead,  // an audit query, export, checkpoint or proof served (the filter, no identifiers)
  // Appended (names are hashed into entries, numbers are not):
  kSubscriptionCreated,  // a subscription created: start position and filter
  kSubscriptionReset,    // a subscription moved: old and new position, deliveries skipped
  kSubscriptionDeleted,  // a subscription deleted: its position
  kParked,      // deliveries no longer redelivered after max_deliver unacknowledged attempts
  kReleased,    // parked deliveries the recipient released to be delivered again
  kTlsChanged,  // the broker's TLS material reloaded: revocations, its certificate, the CA bundle
  kContentDeleted,     // notifications' content deleted under retention: a line each, with why
  kExpectationOpened,  // a notification opened an expectation of another on its case
  kExpectationMet,     // the expected notification arrived: the expectation is closed
  kActioned,           // a recipient recorded what it did about a notification (never its note)
};

std::string_view ActionName(Action action);
bool ParseAction(std::string_view name, Action& out);
// Every action's name, in declaration order (for messages listing them).
std::vector<std::string_view> ActionNames();

// One line of an entry (encoding version 2): one agency of a routing
// decision (outcome kRouted, kUrgentDisclosure or kWithheld), or one
// notification of a batch of deliveries or acknowledgements to one recipient
// (outcome kDelivered or kAcknowledged).
struct Line {
  Action outcome = Action::kRouted;
  std::string agency;
  std::string notification_id;
  std::string case_ref;
  int64_t sequence = 0;
  std::string agreement;  // "ISA-SM-01 v2"; "" for urgent disclosures and withheld
  std::string rule;
  std::string purpose;
  std::string lawful_basis;
  std::string content_hash;  // of the view this agency receives
  std::string detail;        // withheld fields, linked cases, urgent reason, or why withheld
  bool operator==(const Line&) const = default;
};

// One row of the audit log: metadata and a content hash, never content.
struct Entry {
  // The canonical encoding this entry is hashed in (encoding.h): 1 for
  // entries written before lines existed, 2 since. A store keeps each
  // entry's version so old entries verify as they were written.
  uint8_t version = 2;
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
  // Version 2 only: the decision's agencies, or the batch's notifications.
  std::vector<Line> lines;
  // Version 2 only: keyed hashes (HMAC-SHA256) of the people the entry's
  // notification names, so a subject-access search finds it.
  std::vector<std::string> person_hashes;
  std::string prev_hash;   // entry_hash of the entry before (hex)
  std::string entry_hash;  // hex SHA-256 over prev_hash and every field
};

// Hex SHA-256 of `bytes`.
std::string ContentHash(std::string_view bytes);

}  // namespace safeshare::audit
