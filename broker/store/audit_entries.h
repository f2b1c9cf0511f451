#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "broker/audit/audit_entry.h"
#include "broker/store/action_records.h"
#include "broker/store/case_delta.h"
#include "broker/store/records.h"

// The audit entries each store operation writes, built in one place so every
// store implementation records exactly the same facts (ids, hashes and times
// are filled in by the store as it appends them). Every entry built here is
// encoding version 2: one entry per decision or per batch, its agencies or
// notifications as lines.
namespace safeshare::store::entries {

// One "published" entry for the whole routing decision: detail
// "<type> sequence N; policy V", the notification's content hash and person
// hashes, and a line per recipient ("routed", or "urgent_disclosure" with the
// publisher's reason: agreement, rule, purpose, lawful basis, the hash of the
// view it receives, the fields withheld from it and the linked cases) and a
// line per agency denied ("withheld", detail the reason). Lines carry the
// sequence; their notification and case are the entry's.
audit::Entry Published(const NewNotification& n, Sequence seq);
// One per n.expectations, actor "broker": rule = the expectation's id,
// detail "due TIME; expects TYPE from ROLE; opened by TYPE sequence N from
// PUBLISHER; DESCRIPTION (AGREEMENT)" (service/expectations.h reads it back).
audit::Entry ExpectationOpened(const NewNotification& n, Sequence seq,
                               const ExpectationOpening& opening);
// "case_changed": what `delta` changed, by `actor`; `notification_id`
// names the strategy minutes that recorded it ("" for a ChangeCase).
audit::Entry CaseChanged(const AgencyId& actor, const CaseRef& case_ref, const CaseDelta& delta,
                         const std::string& notification_id);
// "interest_changed": how many of `change`'s hashes changed, and which (also
// as the entry's person hashes, so a subject search finds it).
audit::Entry InterestChanged(const InterestChange& change, const std::vector<std::string>& changed);
audit::Entry PolicyChanged(const PolicyChange& change);
// A retried publish answered with the first notification.
audit::Entry Duplicate(const NewNotification& retry, const PublishResult& first,
                       const std::string& case_ref, const std::string& content_hash);
// A key reused for other content: refused, audited against the first.
audit::Entry ReusedKey(const NewNotification& attempt, const PublishResult& first,
                       const std::string& case_ref);
audit::Entry Refused(const Refusal& refusal);
audit::Entry Subscribed(const AgencyId& agency, const SubscriptionName& name, Sequence after);
// "subscription_created": where `created` starts (`from` says how it was
// asked: "from now (after sequence 812)") and its filter ("; types T,U; case
// refs C,D").
audit::Entry SubscriptionCreated(const SubscriptionRecord& created, StartFrom from);
// "subscription_reset": "from F (delivered D) to P", and when moving forward
// past unacknowledged matching deliveries "; N unacknowledged deliveries in
// F+1..P skipped".
audit::Entry SubscriptionReset(const SubscriptionRecord& before, Sequence to, uint64_t skipped);
// "subscription_deleted": "at F".
// `parked`: how many parked deliveries were discarded with it.
audit::Entry SubscriptionDeleted(const SubscriptionRecord& deleted, uint64_t parked = 0);
// One `parked` entry per (recipient, subscription) of `events`, a line per
// delivery saying after how many attempts.
// Retention deleted these notifications' content (Store::DeleteContent):
// one entry, actor "broker", a line each (outcome kContentDeleted) with its
// notification, case, sequence, the hash of the full body it deleted and
// the deletion's detail.
struct DeletedContent {
  ContentDeletion deletion;
  NotificationId id;
  CaseRef case_ref;
  std::string content_hash;
};
audit::Entry ContentDeleted(const std::vector<DeletedContent>& deleted);
std::vector<audit::Entry> Parked(const std::vector<DeliveredEvent>& events);
// One `released` entry for the subscription, a line per delivery.
audit::Entry Released(const AgencyId& agency, const SubscriptionName& name,
                      const std::vector<DeliveryFacts>& released);
// One "delivered" entry per (recipient, subscription) of `events`, in the
// order each pair first appears, with a line per notification (outcome
// "delivered": notification, case, sequence, agreement, rule, purpose,
// lawful basis, the hash of the view handed over).
std::vector<audit::Entry> Delivered(const std::vector<DeliveredEvent>& events);
// One "acknowledged" entry with a line per newly acknowledged delivery;
// none when `acked` is empty (the position moved past no delivery).
std::optional<audit::Entry> Acknowledged(const AgencyId& agency, const SubscriptionName& name,
                                         const std::vector<DeliveryFacts>& acked);

// "actioned": `a`'s recipient recorded action a.action on the delivery `f`
// (a line with its facts, as an acknowledgement's); detail the action and,
// when a note was given, "note recorded": never the note, nor its hash.
audit::Entry Actioned(const NewAction& a, const DeliveryFacts& f);

}  // namespace safeshare::store::entries
