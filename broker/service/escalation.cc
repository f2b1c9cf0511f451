// Escalations: the notifications the broker raises when a deadline passes,
// and BrokerService::Raise, which stores them like any publish.
#include "broker/service/escalation.h"

#include <algorithm>

#include <google/protobuf/util/time_util.h>

#include "absl/strings/ascii.h"
#include "broker/audit/audit_entry.h"
#include "broker/core/logging.h"
#include "broker/core/uuid.h"
#include "broker/core/vocabulary.h"
#include "broker/schema/notification_validator.h"
#include "broker/service/broker_service.h"

namespace safeshare::service {
namespace {

using google::protobuf::util::TimeUtil;

const std::shared_ptr<spdlog::logger>& Log() {
  static const auto log = ModuleLogger("deadlines");
  return log;
}

}  // namespace

std::optional<OverdueDelivery> DeadlineOf(const store::UnacknowledgedDelivery& delivery,
                                          const policy::Policy& policy,
                                          const policy::WorkingCalendar& calendar) {
  if (IsOneOf(kBrokerNotificationTypes, delivery.type)) return std::nullopt;
  const config::Agency* recipient = policy.FindAgency(delivery.recipient);
  if (recipient == nullptr) return std::nullopt;
  auto deadline = policy.DeadlineFor(delivery.type, recipient->role);
  if (!deadline) return std::nullopt;
  OverdueDelivery overdue{delivery, *deadline};
  overdue.acknowledge_due_micros =
      calendar.DueAfter(delivery.routed_at_micros, deadline->rule->acknowledge_within);
  overdue.lead_due_micros =
      calendar.DueAfter(overdue.acknowledge_due_micros, deadline->rule->escalate_after);
  return overdue;
}

std::string EscalationKey(const OverdueDelivery& overdue, int level) {
  return "escalation/" + overdue.delivery.id.value() + "/" + overdue.delivery.recipient.value() +
         "/" + std::to_string(level);
}

v1::Notification EscalationNotification(const OverdueDelivery& overdue, int level) {
  const auto& d = overdue.delivery;
  v1::Notification n;
  n.set_idempotency_key(EscalationKey(overdue, level));
  n.set_case_ref(d.case_ref.value());
  n.set_purpose(v1::PURPOSE_ESCALATION);
  n.set_lawful_basis(LawfulBasisOf(*overdue.deadline.agreement));
  n.set_classification(v1::CLASSIFICATION_OFFICIAL_SENSITIVE);
  *n.mutable_created_at() = TimeUtil::MicrosecondsToTimestamp(overdue.DueMicros(level));
  auto& e = *n.mutable_escalation();
  e.set_level(level == 1 ? v1::ESCALATION_LEVEL_RECIPIENT_AND_PUBLISHER
                         : v1::ESCALATION_LEVEL_SAFEGUARDING_LEAD);
  e.set_notification_id(d.id.value());
  e.set_sequence(d.sequence.value());
  e.set_notification_type(d.type);
  e.set_publisher(d.publisher.value());
  e.set_recipient(d.recipient.value());
  *e.mutable_routed_at() = TimeUtil::MicrosecondsToTimestamp(d.routed_at_micros);
  *e.mutable_acknowledge_due_at() =
      TimeUtil::MicrosecondsToTimestamp(overdue.acknowledge_due_micros);
  *e.mutable_escalated_at() = TimeUtil::MicrosecondsToTimestamp(overdue.DueMicros(level));
  e.set_agreement(overdue.deadline.AgreementName());
  e.set_deadline_rule(overdue.deadline.rule->id);
  e.set_deadline(overdue.deadline.rule->Text());
  e.set_kind(v1::ESCALATION_KIND_UNACKNOWLEDGED);
  return n;
}

std::vector<store::Recipient> EscalationRecipients(const OverdueDelivery& overdue, int level,
                                                   const policy::Policy& policy,
                                                   const std::vector<std::string>& lead_roles) {
  const auto agencies =
      level == 1 ? std::vector<AgencyId>{overdue.delivery.recipient, overdue.delivery.publisher}
                 : LeadAgencies(policy, lead_roles);
  return EscalationRecipientsOf(agencies, *overdue.deadline.agreement, overdue.deadline.rule->id,
                                policy);
}

v1::LawfulBasis LawfulBasisOf(const policy::Agreement& agreement) {
  v1::LawfulBasis basis = v1::LAWFUL_BASIS_UNSPECIFIED;
  v1::LawfulBasis_Parse("LAWFUL_BASIS_" + absl::AsciiStrToUpper(agreement.lawful_basis), &basis);
  return basis;
}

std::vector<AgencyId> LeadAgencies(const policy::Policy& policy,
                                   const std::vector<std::string>& lead_roles) {
  std::vector<AgencyId> leads;
  for (const auto& agency : policy.agencies()) {
    if (std::find(lead_roles.begin(), lead_roles.end(), agency.role) != lead_roles.end()) {
      leads.push_back(agency.id);
    }
  }
  return leads;
}

std::vector<store::Recipient> EscalationRecipientsOf(const std::vector<AgencyId>& agencies,
                                                     const policy::Agreement& agreement,
                                                     const std::string& rule_id,
                                                     const policy::Policy& policy) {
  std::vector<store::Recipient> recipients;
  for (const auto& agency : agencies) {
    if (policy.FindAgency(agency) == nullptr) continue;  // e.g. no longer in the partnership
    const bool listed = std::any_of(recipients.begin(), recipients.end(),
                                    [&](const store::Recipient& r) { return r.agency == agency; });
    if (listed) continue;
    store::Recipient r;
    r.agency = agency;
    r.rule = rule_id;
    r.lawful_basis = agreement.lawful_basis;
    r.agreement = agreement.id + " v" + agreement.version;
    r.purpose = v1::Purpose_Name(v1::PURPOSE_ESCALATION);
    recipients.push_back(std::move(r));
  }
  return recipients;
}

void BrokerService::Raise(const v1::Notification& n, std::vector<store::Recipient> recipients,
                          Done<store::PublishResult> done) {
  store::NewNotification record{NotificationId(NewUuidV7()),
                                BrokerPublisher(),
                                n.idempotency_key(),
                                CaseRef(n.case_ref()),
                                std::string(schema::TypeOf(n)),
                                v1::Purpose_Name(n.purpose())};
  record.body = StampedBody(n, record.id, record.publisher, &record.request_hash);
  record.content_hash = audit::ContentHash(*record.body);
  record.recipients = std::move(recipients);
  record.policy_version = partnership_.policy.Current()->version();
  Log()->debug("raise {} {} case {}", record.type, record.id.value(), record.case_ref.value());
  auto committed = std::make_shared<CommittedNotification>(
      CommittedNotification{Sequence(), record.id, record.case_ref, record.type, record.purpose,
                            record.content_hash, record.body, record.recipients, record.views});
  store_.Publish(std::move(record),
                 [this, committed = std::move(committed),
                  done = std::move(done)](absl::StatusOr<store::PublishResult> result) {
                   if (result.ok() && !result->duplicate) {
                     committed->sequence = result->sequence;
                     recent_.Append(committed);
                   }
                   done(std::move(result));
                 });
}

}  // namespace safeshare::service
