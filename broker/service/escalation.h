#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "broker/policy/agreements.h"
#include "broker/store/records.h"
#include "safeshare/v1/broker.pb.h"

namespace safeshare::service {

// The agency id the broker publishes its own notifications (escalations) as.
inline const AgencyId& BrokerPublisher() {
  static const AgencyId broker("broker");
  return broker;
}

// One delivery that is not acknowledged, with when each level of its
// deadline falls due: level 1 (to the recipient and the publisher) when it
// should have been acknowledged, level 2 (to the safeguarding lead) the
// deadline's escalate_after later.
struct OverdueDelivery {
  store::UnacknowledgedDelivery delivery;
  policy::Deadline deadline;  // points into the policy it was decided under
  int64_t acknowledge_due_micros = 0;
  int64_t lead_due_micros = 0;

  int64_t DueMicros(int level) const {
    return level == 1 ? acknowledge_due_micros : lead_due_micros;
  }
};

// The deadline `policy` sets for `delivery`'s recipient, with both levels'
// due times on `calendar`; none when no agreement sets one (or the
// recipient is no longer an agency, or it is the broker's own escalation).
std::optional<OverdueDelivery> DeadlineOf(const store::UnacknowledgedDelivery& delivery,
                                          const policy::Policy& policy,
                                          const policy::WorkingCalendar& calendar);

// The idempotency key of level `level` of the escalation of `overdue`: it
// names what it escalates, so it is raised once whoever raises it, however
// often (store::Store::FindPublished).
std::string EscalationKey(const OverdueDelivery& overdue, int level);

// The escalation notification (publisher, id and key stamped later); its
// timestamps are the due times, so raising it again yields the same bytes.
v1::Notification EscalationNotification(const OverdueDelivery& overdue, int level);

// Who receives level `level`: the recipient and the publisher (level 1), or
// every agency of `lead_roles` (level 2), under the deadline's agreement.
std::vector<store::Recipient> EscalationRecipients(const OverdueDelivery& overdue, int level,
                                                   const policy::Policy& policy,
                                                   const std::vector<std::string>& lead_roles);

// For every kind of escalation: the agreement's lawful basis as the
// envelope names it; the agencies of `lead_roles`; and the recipients of an
// escalation to `agencies` (each once, those still in the partnership)
// under `rule_id` of `agreement`, purpose PURPOSE_ESCALATION.
v1::LawfulBasis LawfulBasisOf(const policy::Agreement& agreement);
std::vector<AgencyId> LeadAgencies(const policy::Policy& policy,
                                   const std::vector<std::string>& lead_roles);
std::vector<store::Recipient> EscalationRecipientsOf(const std::vector<AgencyId>& agencies,
                                                     const policy::Agreement& agreement,
                                                     const std::string& rule_id,
                                                     const policy::Policy& policy);

}  // namespace safeshare::service
