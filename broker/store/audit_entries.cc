#include "broker/store/audit_entries.h"

#include "absl/strings/str_join.h"
#include "broker/store/delivery_query.h"

namespace safeshare::store::entries {
namespace {

std::string SequenceDetail(Sequence seq) { return "sequence " + std::to_string(seq.value()); }

std::string AgencyList(const std::vector<AgencyId>& agencies) {
  return absl::StrJoin(agencies, ",",
                       [](std::string* o, const AgencyId& a) { o->append(a.value()); });
}

// "agreement ISA-03 v2; withheld: a,b; linked cases: C-1" (or, urgent:
// "urgent disclosure outside every agreement: REASON; withheld: none").
std::string RoutedDetail(const Recipient& r) {
  std::string detail = r.urgent ? "urgent disclosure outside every agreement: " + r.urgent_reason
                                : "agreement " + r.agreement;
  detail += "; withheld: " + (r.withheld_fields.empty() ? std::string("none")
                                                        : absl::StrJoin(r.withheld_fields, ","));
  if (!r.linked_cases.empty()) detail += "; linked cases: " + JoinCases(r.linked_cases);
  return detail;
}

// One recipient's "routed" (or "urgent_disclosure") entry: the hash is of
// the view it receives.
audit::Entry Routed(const audit::Entry& base, const NewNotification& n, const Recipient& r) {
  audit::Entry e = base;
  e.action = r.urgent ? audit::Action::kUrgentDisclosure : audit::Action::kRouted;
  e.recipient = r.agency.value();
  e.rule = r.rule;
  e.lawful_basis = r.lawful_basis;
  e.purpose = PurposeOf(n, r);
  if (r.view >= 1 && r.view <= n.views.size()) e.content_hash = n.views[r.view - 1].content_hash;
  e.detail = RoutedDetail(r);
  return e;
}

}  // namespace

std::vector<audit::Entry> Published(const NewNotification& n, Sequence seq) {
  const audit::Entry base{.actor = n.publisher.value(),
                          .notification_id = n.id.value(),
                          .case_ref = n.case_ref.value(),
                          .purpose = n.purpose,
                          .content_hash = n.content_hash};
  std::vector<audit::Entry> out;
  out.reserve(1 + n.recipients.size() + n.denied.size());
  audit::Entry published = base;
  published.action = audit::Action::kPublished;
  published.detail =
      n.type + " " + SequenceDetail(seq) + " routed to [" +
      absl::StrJoin(n.recipients, ",",
                    [](std::string* o, const Recipient& r) { o->append(r.agency.value()); }) +
      "]";
  if (!n.policy_version.empty()) published.detail += "; policy " + n.policy_version;
  out.push_back(std::move(published));
  for (const auto& r : n.recipients) out.push_back(Routed(base, n, r));
  for (const auto& denied : n.denied) {
    audit::Entry withheld = base;
    withheld.action = audit::Action::kWithheld;
    withheld.recipient = denied.agency.value();
    withheld.detail = denied.reason;
    out.push_back(std::move(withheld));
  }
  return out;
}

audit::Entry Duplicate(const NewNotification& retry, const PublishResult& first,
                       const std::string& case_ref, const std::string& content_hash) {
  return audit::Entry{.actor = retry.publisher.value(),
                      .action = audit::Action::kDuplicate,
                      .notification_id = first.id.value(),
                      .case_ref = case_ref,
                      .purpose = retry.purpose,
                      .detail = "retry of an earlier publish; stored once",
                      .content_hash = content_hash};
}

audit::Entry ReusedKey(const NewNotification& attempt, const PublishResult& first,
                       const std::string& case_ref) {
  return audit::Entry{.actor = attempt.publisher.value(),
                      .action = audit::Action::kPublishRefused,
                      .notification_id = first.id.value(),
                      .case_ref = case_ref,
                      .purpose = attempt.purpose,
                      .detail = attempt.type +
                                ": idempotency key already used for this notification with "
                                "different content; the new content was not stored"};
}

audit::Entry Refused(const Refusal& r) {
  return audit::Entry{.actor = r.publisher.value(),
                      .action = audit::Action::kPublishRefused,
                      .case_ref = r.case_ref,
                      .detail = r.type + ": " + r.reason};
}

audit::Entry Subscribed(const AgencyId& agency, const SubscriptionName& name, Sequence after) {
  return audit::Entry{.actor = agency.value(),
                      .action = audit::Action::kSubscribed,
                      .recipient = agency.value(),
                      .subscription = name.value(),
                      .detail = "resumes after sequence " + std::to_string(after.value())};
}

audit::Entry Delivered(const DeliveredEvent& d) {
  return audit::Entry{.actor = d.recipient.value(),
                      .action = audit::Action::kDelivered,
                      .notification_id = d.id.value(),
                      .case_ref = d.case_ref.value(),
                      .recipient = d.recipient.value(),
                      .subscription = d.subscription.value(),
                      .rule = d.rule,
                      .lawful_basis = d.lawful_basis,
                      .purpose = d.purpose,
                      .detail = SequenceDetail(d.sequence),
                      .content_hash = d.content_hash};
}

audit::Entry Acknowledged(const AgencyId& agency, const SubscriptionName& name,
                          const DeliveryFacts& f) {
  return audit::Entry{.actor = agency.value(),
                      .action = audit::Action::kAcknowledged,
                      .notification_id = f.id.value(),
                      .case_ref = f.case_ref.value(),
                      .recipient = agency.value(),
                      .subscription = name.value(),
                      .rule = f.rule,
                      .lawful_basis = f.lawful_basis,
                      .purpose = f.purpose,
                      .detail = SequenceDetail(f.sequence),
                      .content_hash = f.content_hash};
}

audit::Entry CaseChanged(const AgencyId& actor, const CaseRef& case_ref, const CaseDelta& delta,
                         const std::string& notification_id) {
  std::vector<std::string> parts;
  if (delta.created) parts.emplace_back("opened");
  if (!delta.engaged.empty()) parts.push_back("engaged: " + AgencyList(delta.engaged));
  if (!delta.disengaged.empty()) parts.push_back("disengaged: " + AgencyList(delta.disengaged));
  if (delta.status == CaseStatusChange::kClose) parts.emplace_back("closed");
  if (delta.status == CaseStatusChange::kReopen) parts.emplace_back("reopened");
  if (!notification_id.empty()) parts.emplace_back("recorded from strategy minutes");
  return audit::Entry{.actor = actor.value(),
                      .action = audit::Action::kCaseChanged,
                      .notification_id = notification_id,
                      .case_ref = case_ref.value(),
                      .detail = absl::StrJoin(parts, "; ")};
}

audit::Entry InterestChanged(const InterestChange& change,
                             const std::vector<std::string>& changed) {
  const std::string verb = change.withdraw ? "withdrew" : "registered";
  return audit::Entry{.actor = change.agency.value(),
                      .action = audit::Action::kInterestChanged,
                      .recipient = change.agency.value(),
                      .detail = verb + " interest in " + std::to_string(changed.size()) + " of " +
                                std::to_string(change.person_hashes.size()) + " person hashes: [" +
                                absl::StrJoin(changed, ",") + "]"};
}

audit::Entry PolicyChanged(const PolicyChange& c) {
  std::string detail = c.applied ? "policy " + c.old_version + " -> " + c.new_version + " applied"
                                 : (c.new_version.empty() ? std::string("policy reload")
                                                          : "policy " + c.new_version) +
                                       " refused, " + c.old_version + " stays in force";
  if (!c.detail.empty()) detail += ": " + c.detail;
  return audit::Entry{
      .actor = c.actor.value(), .action = audit::Action::kPolicyChanged, .detail = detail};
}

}  // namespace safeshare::store::entries
