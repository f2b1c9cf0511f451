#include "broker/store/audit_entries.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_join.h"
#include "broker/audit/audit_report.h"
#include "broker/store/delivery_query.h"

namespace safeshare::store::entries {
namespace {

std::string SequenceDetail(Sequence seq) { return "sequence " + std::to_string(seq.value()); }

std::string AgencyList(const std::vector<AgencyId>& agencies) {
  return absl::StrJoin(agencies, ",",
                       [](std::string* o, const AgencyId& a) { o->append(a.value()); });
}

// "withheld: a,b[; linked cases: C-1]"; an urgent disclosure starts with
// the publisher's reason: "reason: REASON; withheld: none".
std::string RecipientDetail(const Recipient& r) {
  std::string detail = r.urgent ? "reason: " + r.urgent_reason + "; " : std::string();
  detail += "withheld: " + (r.withheld_fields.empty() ? std::string("none")
                                                      : absl::StrJoin(r.withheld_fields, ","));
  if (!r.linked_cases.empty()) detail += "; linked cases: " + JoinCases(r.linked_cases);
  return detail;
}

// One recipient's line: the hash is of the view it receives.
audit::Line RecipientLine(const NewNotification& n, Sequence seq, const Recipient& r) {
  const bool own_view = r.view >= 1 && r.view <= n.views.size();
  return audit::Line{
      .outcome = r.urgent ? audit::Action::kUrgentDisclosure : audit::Action::kRouted,
      .agency = r.agency.value(),
      .sequence = static_cast<int64_t>(seq.value()),
      .agreement = r.agreement,
      .rule = r.rule,
      .purpose = PurposeOf(n, r),
      .lawful_basis = r.lawful_basis,
      .content_hash = own_view ? n.views[r.view - 1].content_hash : n.content_hash,
      .detail = RecipientDetail(r)};
}

audit::Line DeliveryLine(audit::Action outcome, const AgencyId& agency, const DeliveryFacts& f) {
  return audit::Line{.outcome = outcome,
                     .agency = agency.value(),
                     .notification_id = f.id.value(),
                     .case_ref = f.case_ref.value(),
                     .sequence = static_cast<int64_t>(f.sequence.value()),
                     .agreement = f.agreement,
                     .rule = f.rule,
                     .purpose = f.purpose,
                     .lawful_basis = f.lawful_basis,
                     .content_hash = f.content_hash,
                     .detail = f.urgent ? "urgent disclosure" : ""};
}

// A "delivered" or "acknowledged" entry for one subscription, its lines
// already made: a batch of one names its notification and case on the
// entry too.
audit::Entry BatchEntry(audit::Action action, const AgencyId& agency, const SubscriptionName& name,
                        std::vector<audit::Line> lines) {
  audit::Entry e{.actor = agency.value(),
                 .action = action,
                 .recipient = agency.value(),
                 .subscription = name.value()};
  if (lines.size() == 1) {
    e.notification_id = lines[0].notification_id;
    e.case_ref = lines[0].case_ref;
    e.detail = SequenceDetail(Sequence(static_cast<uint64_t>(lines[0].sequence)));
  } else {
    e.detail = std::to_string(lines.size()) + " notifications, sequences " +
               std::to_string(lines.front().sequence) + " to " +
               std::to_string(lines.back().sequence);
  }
  e.lines = std::move(lines);
  return e;
}

}  // namespace

audit::Entry Published(const NewNotification& n, Sequence seq) {
  audit::Entry e{.actor = n.publisher.value(),
                 .action = audit::Action::kPublished,
                 .notification_id = n.id.value(),
                 .case_ref = n.case_ref.value(),
                 .purpose = n.purpose,
                 .detail = n.type + " " + SequenceDetail(seq),
                 .content_hash = n.content_hash,
                 .person_hashes = n.person_hashes};
  if (!n.policy_version.empty()) e.detail += "; policy " + n.policy_version;
  e.lines.reserve(n.recipients.size() + n.denied.size());
  for (const auto& r : n.recipients) e.lines.push_back(RecipientLine(n, seq, r));
  for (const auto& denied : n.denied) {
    e.lines.push_back(audit::Line{.outcome = audit::Action::kWithheld,
                                  .agency = denied.agency.value(),
                                  .sequence = static_cast<int64_t>(seq.value()),
                                  .detail = denied.reason});
  }
  return e;
}

audit::Entry ExpectationOpened(const NewNotification& n, Sequence seq,
                               const ExpectationOpening& opening) {
  return audit::Entry{.actor = "broker",
                      .action = audit::Action::kExpectationOpened,
                      .notification_id = n.id.value(),
                      .case_ref = n.case_ref.value(),
                      .rule = opening.id,
                      .detail = "due " + audit::FormatTime(opening.due_micros) + "; expects " +
                                opening.expect + " from " + opening.from + "; opened by " + n.type +
                                " " + SequenceDetail(seq) + " from " + n.publisher.value() + "; " +
                                opening.description + " (" + opening.agreement + ")"};
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

namespace {

audit::Entry SubscriptionEntry(audit::Action action, const SubscriptionRecord& s,
                               std::string detail) {
  return audit::Entry{.actor = s.agency.value(),
                      .action = action,
                      .recipient = s.agency.value(),
                      .subscription = s.name.value(),
                      .detail = std::move(detail)};
}

std::string StartDetail(StartFrom from, Sequence at) {
  std::string after = "after sequence " + std::to_string(at.value());
  switch (from) {
    case StartFrom::kBeginning:
      return "from the beginning (" + after + ")";
    case StartFrom::kNow:
      return "from now (" + after + ")";
    case StartFrom::kAfter:
      break;
  }
  return after;
}

}  // namespace

audit::Entry SubscriptionCreated(const SubscriptionRecord& created, StartFrom from) {
  std::string detail = StartDetail(from, created.acked_through);
  if (!created.filter.types.empty())
    detail += "; types " + absl::StrJoin(created.filter.types, ",");
  if (!created.filter.case_refs.empty()) {
    detail += "; case refs " + JoinCases(created.filter.case_refs);
  }
  if (created.consumer_mode == ConsumerMode::kExclusive) detail += "; exclusive";
  return SubscriptionEntry(audit::Action::kSubscriptionCreated, created, std::move(detail));
}

audit::Entry SubscriptionReset(const SubscriptionRecord& before, Sequence to, uint64_t skipped) {
  std::string detail = "from " + std::to_string(before.acked_through.value()) + " (delivered " +
                       std::to_string(before.delivered_through.value()) + ") to " +
                       std::to_string(to.value());
  if (skipped > 0) {
    detail += "; " + std::to_string(skipped) + " unacknowledged deliveries in " +
              std::to_string(before.acked_through.value() + 1) + ".." + std::to_string(to.value()) +
              " skipped";
  }
  return SubscriptionEntry(audit::Action::kSubscriptionReset, before, std::move(detail));
}

audit::Entry SubscriptionDeleted(const SubscriptionRecord& deleted, uint64_t parked) {
  std::string detail = "at " + std::to_string(deleted.acked_through.value());
  if (parked > 0) detail += "; " + std::to_string(parked) + " parked deliveries discarded";
  return SubscriptionEntry(audit::Action::kSubscriptionDeleted, deleted, std::move(detail));
}

namespace {

// One entry of `action` per (recipient, subscription) of `events`, in the
// order each first appears, a line per event with `detail` of it.
std::vector<audit::Entry> PerSubscription(audit::Action action,
                                          const std::vector<DeliveredEvent>& events,
                                          std::string (*detail)(const DeliveredEvent&)) {
  std::vector<std::pair<const DeliveredEvent*, std::vector<audit::Line>>> groups;
  for (const auto& d : events) {
    auto it = std::find_if(groups.begin(), groups.end(), [&](const auto& g) {
      return g.first->recipient == d.recipient && g.first->subscription == d.subscription;
    });
    if (it == groups.end()) it = groups.insert(groups.end(), {&d, {}});
    audit::Line line = DeliveryLine(action, d.recipient, d);
    if (const std::string more = detail(d); !more.empty()) {
      line.detail += (line.detail.empty() ? "" : "; ") + more;
    }
    it->second.push_back(std::move(line));
  }
  std::vector<audit::Entry> out;
  out.reserve(groups.size());
  for (auto& [first, lines] : groups) {
    out.push_back(BatchEntry(action, first->recipient, first->subscription, std::move(lines)));
  }
  return out;
}

}  // namespace

audit::Entry ContentDeleted(const std::vector<DeletedContent>& deleted) {
  std::vector<audit::Line> lines;
  lines.reserve(deleted.size());
  for (const auto& d : deleted) {
    lines.push_back(audit::Line{.outcome = audit::Action::kContentDeleted,
                                .notification_id = d.id.value(),
                                .case_ref = d.case_ref.value(),
                                .sequence = static_cast<int64_t>(d.deletion.sequence.value()),
                                .content_hash = d.content_hash,
                                .detail = d.deletion.detail});
  }
  audit::Entry e{.actor = "broker", .action = audit::Action::kContentDeleted};
  if (lines.size() == 1) {
    e.notification_id = lines[0].notification_id;
    e.case_ref = lines[0].case_ref;
    e.content_hash = lines[0].content_hash;
  }
  e.detail = "content of " + std::to_string(lines.size()) +
             (lines.size() == 1 ? " notification" : " notifications") +
             " deleted under retention; metadata and audit entries kept";
  e.lines = std::move(lines);
  return e;
}

std::vector<audit::Entry> Parked(const std::vector<DeliveredEvent>& events) {
  return PerSubscription(audit::Action::kParked, events, [](const DeliveredEvent& d) {
    return "after " + std::to_string(d.attempt) + " attempts";
  });
}

audit::Entry Released(const AgencyId& agency, const SubscriptionName& name,
                      const std::vector<DeliveryFacts>& released) {
  std::vector<audit::Line> lines;
  lines.reserve(released.size());
  for (const auto& f : released) lines.push_back(DeliveryLine(audit::Action::kReleased, agency, f));
  return BatchEntry(audit::Action::kReleased, agency, name, std::move(lines));
}

std::vector<audit::Entry> Delivered(const std::vector<DeliveredEvent>& events) {
  return PerSubscription(audit::Action::kDelivered, events, [](const DeliveredEvent& d) {
    return d.attempt > 1 ? "attempt " + std::to_string(d.attempt) : std::string();
  });
}

std::optional<audit::Entry> Acknowledged(const AgencyId& agency, const SubscriptionName& name,
                                         const std::vector<DeliveryFacts>& acked) {
  if (acked.empty()) return std::nullopt;
  std::vector<audit::Line> lines;
  lines.reserve(acked.size());
  for (const auto& f : acked)
    lines.push_back(DeliveryLine(audit::Action::kAcknowledged, agency, f));
  return BatchEntry(audit::Action::kAcknowledged, agency, name, std::move(lines));
}

audit::Entry Actioned(const NewAction& a, const DeliveryFacts& f) {
  audit::Line line = DeliveryLine(audit::Action::kActioned, a.recipient, f);
  line.detail = a.action + (a.note.empty() ? "" : "; note recorded");
  return audit::Entry{.actor = a.recipient.value(),
                      .action = audit::Action::kActioned,
                      .notification_id = f.id.value(),
                      .case_ref = f.case_ref.value(),
                      .recipient = a.recipient.value(),
                      .rule = f.rule,
                      .lawful_basis = f.lawful_basis,
                      .purpose = f.purpose,
                      .detail = line.detail,
                      .lines = {std::move(line)}};
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
                                absl::StrJoin(changed, ",") + "]",
                      .person_hashes = changed};
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
