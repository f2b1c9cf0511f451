#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "broker/audit/merkle.h"
#include "broker/core/strong_id.h"
#include "broker/store/subscription_records.h"

namespace safeshare::store {

// One stored copy of the notification as some recipients see it (withheld
// fields removed).
struct View {
  std::shared_ptr<const std::string> body;
  std::string content_hash;  // hex SHA-256 of *body
};

// A recipient of a notification and the sharing rule that allows it.
struct Recipient {
  AgencyId agency;
  std::string rule;
  std::string lawful_basis;
  std::string agreement;  // "ID vVERSION" of the deciding agreement; "" for an urgent disclosure
  // v1::Purpose enum name, e.g. "PURPOSE_STRATEGY_DISCUSSION"; empty: the
  // notification's purpose (NewNotification::purpose) is stored.
  std::string purpose;
  uint32_t view = 0;  // 0: the full body (NewNotification::body); k >= 1: views[k-1]
  std::vector<std::string> withheld_fields;  // field paths removed from its view (for the audit)
  std::vector<CaseRef> linked_cases;  // other cases that made it a recipient (linked_case rule)
  bool urgent = false;                // an urgent disclosure outside every agreement
  std::string urgent_reason;          // the publisher's reason (urgent only)
};

// An agency of the partnership that does not receive the notification.
struct Denied {
  AgencyId agency;
  std::string reason;  // names rules and roles, never content
};

// An expectation a notification opens: a notification of type `expect`
// from an agency of role `from` is due on its case by `due_micros`.
struct ExpectationOpening {
  std::string id;         // the agreement's expectation id, e.g. "SM-EX1"
  std::string agreement;  // "ID vVERSION"
  std::string expect;
  std::string from;
  int64_t due_micros = 0;
  std::string description;  // ExpectationRule::Text()
};

// A validated, routed notification ready to be made durable.
struct NewNotification {
  NotificationId id;  // fresh; discarded when the idempotency key was seen before
  AgencyId publisher;
  std::string idempotency_key;
  CaseRef case_ref;
  std::string type;
  std::string purpose;
  // Serialized safeshare.v1.Notification, shared with the fan-out so the
  // payload is never copied per recipient.
  std::shared_ptr<const std::string> body;
  std::string content_hash;  // hex SHA-256 of *body
  // Hex SHA-256 of the notification as the publisher sent it (deterministic
  // serialization, before the broker stamps id and publisher): a retry with
  // the same key must carry the same content.
  std::string request_hash;
  std::vector<Recipient> recipients;
  // Redacted copies; Recipient::view k >= 1 is views[k-1].
  std::vector<View> views;
  std::vector<Denied> denied;  // one "withheld" audit entry each
  std::string policy_version;  // the policy that routed it, for the audit
  // Keyed hashes (never raw identifiers) of the people it names: each is
  // linked to case_ref.
  std::vector<std::string> person_hashes;
  // Agencies to record as engaged with case_ref (strategy minutes attendees,
  // action owners); the case is created if new.
  std::vector<AgencyId> engage;
  // Expectations it opens (the agreements' `expectations:`): one
  // `expectation_opened` audit entry each, in the same commit.
  std::vector<ExpectationOpening> expectations;
};

struct PublishResult {
  NotificationId id;
  Sequence sequence;
  std::vector<AgencyId> routed_to;
  bool duplicate = false;
};

// A publish refused before it was stored, to be recorded in the audit log.
struct Refusal {
  AgencyId publisher;
  std::string case_ref;  // empty unless it was a well-formed reference
  std::string type;
  std::string reason;
};

// What a recipient and the audit log know of one delivery, content aside.
// rule, lawful_basis and purpose are the delivery's own.
struct DeliveryFacts {
  Sequence sequence;
  NotificationId id;
  CaseRef case_ref;
  std::string rule;
  std::string lawful_basis;
  std::string purpose;
  std::string content_hash;  // of the view this recipient receives
  std::string agreement;     // "" for an urgent disclosure
  std::vector<CaseRef> linked_cases;
  bool urgent = false;
};

// One notification as a recipient agency receives it.
struct StoredDelivery : DeliveryFacts {
  std::string body;
};

// A delivery handed to a subscription stream, for the audit log.
// `attempt`: 1 the first time; a delivery handed again (its ack wait passed,
// its stream ended unacknowledged, or it was released from parking) counts
// on, and the store keeps the count (a kRedelivered attempt row).
struct DeliveredEvent : DeliveryFacts {
  AgencyId recipient;
  SubscriptionName subscription;
  uint32_t attempt = 1;
  bool again = false;  // handed before (or released): keep the attempt count
};

// An acknowledgement: cumulative through `through` (0: none) and of each of
// `sequences` on its own (selective, in any order).
struct AckRequest {
  AgencyId agency;
  SubscriptionName name;
  Sequence through;
  std::vector<Sequence> sequences;
};

struct AckResult {
  Sequence acknowledged_through;
  uint32_t newly_acknowledged = 0;
};

enum class CaseStatusChange { kNone, kClose, kReopen };

// A change to a case's engagement or status by `actor`.
struct CaseChange {
  AgencyId actor;
  CaseRef case_ref;
  std::vector<AgencyId> engage;
  std::vector<AgencyId> disengage;
  CaseStatusChange status = CaseStatusChange::kNone;
};

// One period of an agency's engagement with a case.
struct Engagement {
  AgencyId agency;
  int64_t since_micros = 0;
  int64_t until_micros = 0;  // 0: still engaged
  std::string source;        // "recorded by AGENCY" or "strategy minutes NOTIFICATION_ID"
};

struct CaseState {
  CaseRef case_ref;
  bool closed = false;
  std::vector<Engagement> engagements;  // current and ended, oldest first
};

// Registers (or withdraws) `agency`'s interest in people, by keyed hash.
struct InterestChange {
  AgencyId agency;
  std::vector<std::string> person_hashes;
  bool withdraw = false;
};

// A policy reload, applied or refused, for the audit.
struct PolicyChange {
  AgencyId actor;  // agency id, or "broker" for SIGHUP
  std::string old_version;
  std::string new_version;
  bool applied = true;
  std::string detail;  // why refused when !applied
};

// Everything routing needs, read at start-up.
struct RoutingState {
  std::vector<CaseState> cases;
  std::map<std::string, std::set<AgencyId>> interests;    // person hash -> agencies
  std::map<std::string, std::set<CaseRef>> person_cases;  // person hash -> cases it was named on
};

// What a commit changed of the routing facts: the cases whose status or
// engagements changed, and the persons (keyed hashes) with a new link to a
// case or a changed interest. `everything`: unknown, reread it all.
struct RoutingChanges {
  std::set<CaseRef> cases;
  std::set<std::string> persons;
  bool everything = false;

  bool empty() const { return !everything && cases.empty() && persons.empty(); }
};

// Timed work that one broker does for all that share a database.
enum class Duty : int32_t { kRetention = 1, kDeadlines = 2 };

// A commit of another broker sharing the database.
struct ForeignCommit {
  Sequence through;             // the latest sequence it committed
  std::set<AgencyId> agencies;  // with new deliveries; empty: possibly any
  RoutingChanges routing;
};

// A stored notification with its routing, for impact replay and review.
struct RoutedNotification {
  Sequence sequence;
  NotificationId id;
  AgencyId publisher;
  CaseRef case_ref;
  std::string type;
  int64_t stored_at_micros = 0;
  std::string body;                    // full body; empty once retention deleted it
  int64_t content_deleted_micros = 0;  // when retention deleted the content (0: held)
  // In publish order: agency, rule, lawful_basis, agreement, purpose, view,
  // withheld_fields, linked_cases, urgent, urgent_reason as stored.
  std::vector<Recipient> recipients;
};

// A notification whose content the store still holds (Store::ReadHeld),
// with what retention decides on.
struct HeldNotification {
  Sequence sequence;
  NotificationId id;
  CaseRef case_ref;
  std::string type;
  int64_t stored_at_micros = 0;
  // Its recipients no subscription of theirs has acknowledged it for.
  std::vector<AgencyId> unacknowledged;
  // When the last of its recipients acknowledged it (0: none has).
  int64_t last_acknowledged_micros = 0;
};

// A notification whose content retention deletes (Store::DeleteContent).
struct ContentDeletion {
  Sequence sequence;
  // Acknowledged by every recipient; false: deleted although some have not.
  bool acknowledged = true;
  std::string detail;  // why, for its audit line: the period, its source and the times
};

// What Store::QueryAudit selects. Every non-empty condition must hold.
struct AuditQuery {
  std::string case_ref;         // the entry's case or any line's
  std::string agency;           // actor, recipient or any line's agency
  std::string notification_id;  // the entry's notification or any line's
  std::string person_hash;      // one of the entry's person hashes (keyed, never raw)
  // The entry's action or any line's outcome, any of these (audit::ActionName).
  std::vector<std::string> actions;
  int64_t from_micros = 0;  // at >= from (0: no bound)
  int64_t to_micros = 0;    // at < to (0: no bound)
  int64_t after_id = 0;     // paging
  size_t limit = 100;
};

struct UnacknowledgedQuery {
  std::string case_ref;  // "" : every case
  std::string agency;    // the recipient; "" : every agency
  Sequence after;        // paging
  size_t limit = 100;
  std::string publisher;  // "" : every publisher
};

// A delivery that no subscription of its recipient has acknowledged.
struct UnacknowledgedDelivery {
  Sequence sequence;
  NotificationId id;
  CaseRef case_ref;
  std::string type;
  AgencyId publisher;
  AgencyId recipient;
  int64_t routed_at_micros = 0;  // when the notification was stored
  // When retention deleted its content (0: held): it can no longer be
  // delivered, and stays unacknowledged on the record.
  int64_t content_deleted_micros = 0;
};

// One bounded read of a subscription's deliveries.
struct DeliveryPage {
  std::vector<StoredDelivery> deliveries;
  // Every sequence up to here was examined: the next read continues after
  // it (above the last delivery when the page is empty but the filter
  // skipped sequences).
  Sequence scanned_through;
};

// A signed tree head as kept by the store.
struct StoredCheckpoint {
  uint64_t tree_size = 0;
  audit::Hash root{};
  std::string note;  // the signed note text (audit/checkpoint.h)
  int64_t signed_at_micros = 0;
};

}  // namespace safeshare::store
