#pragma once

#include <cstdint>
#include <vector>

#include "broker/audit/audit_entry.h"
#include "broker/store/records.h"

// The audit entries each store operation writes, built in one place so every
// store implementation records exactly the same facts (ids, hashes and times
// are filled in by the store as it appends them).
namespace safeshare::store::entries {

// "published" (with the recipients) and one "withheld" per agency withheld.
std::vector<audit::Entry> Published(const NewNotification& n, Sequence seq);
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
