#pragma once

#include <cstdint>
#include <vector>

#include "broker/audit/audit_entry.h"
#include "broker/store/case_delta.h"
#include "broker/store/records.h"

// The audit entries each store operation writes, built in one place so every
// store implementation records exactly the same facts (ids, hashes and times
// are filled in by the store as it appends them).
namespace safeshare::store::entries {

// "published" (with the recipients and the policy version), one "routed"
// per recipient (or "urgent_disclosure", with the publisher's reason) and
// one "withheld" per agency denied, with its reason.
std::vector<audit::Entry> Published(const NewNotification& n, Sequence seq);
// "case_changed": what `delta` changed, by `actor`; `notification_id`
// names the strategy minutes that recorded it ("" for a ChangeCase).
audit::Entry CaseChanged(const AgencyId& actor, const CaseRef& case_ref, const CaseDelta& delta,
                         const std::string& notification_id);
// "interest_changed": how many of `change`'s hashes changed, and which.
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
audit::Entry Delivered(const DeliveredEvent& event);
audit::Entry Acknowledged(const AgencyId& agency, const SubscriptionName& name,
                          const DeliveryFacts& facts);

}  // namespace safeshare::store::entries
