#include "broker/store/audit_entries.h"

#include "absl/strings/str_join.h"

namespace safeshare::store::entries {
namespace {

std::string SequenceDetail(Sequence seq) { return "sequence " + std::to_string(seq.value()); }

}  // namespace

std::vector<audit::Entry> Published(const NewNotification& n, Sequence seq) {
  const audit::Entry base{.actor = n.publisher.value(),
                          .notification_id = n.id.value(),
                          .case_ref = n.case_ref.value(),
                          .purpose = n.purpose,
                          .content_hash = n.content_hash};
  std::vector<audit::Entry> out;
  out.reserve(1 + n.withheld.size());
  audit::Entry published = base;
  published.action = audit::Action::kPublished;
  published.detail =
      n.type + " " + SequenceDetail(seq) + " routed to [" +
      absl::StrJoin(n.recipients, ",",
                    [](std::string* o, const Recipient& r) { o->append(r.agency.value()); }) +
      "]";
  out.push_back(std::move(published));
  for (const auto& agency : n.withheld) {
    audit::Entry withheld = base;
    withheld.action = audit::Action::kWithheld;
    withheld.recipient = agency.value();
    withheld.detail =
        "no sharing rule lets this agency receive " + n.type + " from " + n.publisher.value();
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

}  // namespace safeshare::store::entries
