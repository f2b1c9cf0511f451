#include "broker/service/expectations.h"

#include <string_view>

#include <google/protobuf/util/time_util.h>
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "broker/service/escalation.h"
#include "broker/store/store.h"

namespace safeshare::service {
namespace {

constexpr std::string_view kOpened = "expectation_opened";
constexpr std::string_view kMet = "expectation_met";

// The first word of a `published` entry's detail: its notification type.
std::string_view PublishedType(const audit::Entry& e) {
  const std::string_view detail = e.detail;
  return detail.substr(0, detail.find(' '));
}

}  // namespace

std::vector<store::ExpectationOpening> OpenedBy(const policy::Policy& policy,
                                                const v1::Notification& n, bool case_open,
                                                const policy::WorkingCalendar& calendar,
                                                int64_t now_micros) {
  std::vector<store::ExpectationOpening> opened;
  for (const auto& [agreement, rule] : policy.ExpectationsOpenedBy(n, case_open)) {
    int64_t due = 0;
    if (rule->within) {
      due = calendar.DueAfter(now_micros, *rule->within);
    } else {
      const auto& date = n.investigation_outcome().follow_up_discussion_due();
      due = calendar.EndOfDay(date.year(), date.month(), date.day());
    }
    if (due == 0) continue;  // validation requires the date; never an expectation without a due
    opened.push_back({rule->id, agreement->id + " v" + agreement->version, rule->expect, rule->from,
                      due, rule->Text()});
  }
  return opened;
}

std::optional<OpenExpectation> ParseOpened(const audit::Entry& entry) {
  if (entry.action != audit::Action::kExpectationOpened) return std::nullopt;
  // "due TIME; expects TYPE from ROLE; ..."
  const std::vector<absl::string_view> parts = absl::StrSplit(entry.detail, "; ");
  if (parts.size() < 3 || !absl::StartsWith(parts[0], "due ") ||
      !absl::StartsWith(parts[1], "expects ") || !absl::StartsWith(parts[2], "opened by ")) {
    return std::nullopt;
  }
  // "opened by TYPE sequence N from PUBLISHER"
  const std::vector<absl::string_view> by = absl::StrSplit(parts[2], ' ');
  uint64_t sequence = 0;
  if (by.size() != 7 || by[3] != "sequence" || by[5] != "from" ||
      !absl::SimpleAtoi(by[4], &sequence)) {
    return std::nullopt;
  }
  absl::Time due;
  if (!absl::ParseTime(absl::RFC3339_full, parts[0].substr(4), &due, nullptr)) return std::nullopt;
  const std::vector<absl::string_view> expects = absl::StrSplit(parts[1], ' ');
  if (expects.size() != 4 || expects[2] != "from") return std::nullopt;
  OpenExpectation open;
  open.audit_id = entry.id;
  open.opened_by = NotificationId(entry.notification_id);
  open.opened_type = std::string(by[2]);
  open.opened_sequence = Sequence(sequence);
  open.opened_publisher = AgencyId(std::string(by[6]));
  open.case_ref = CaseRef(entry.case_ref);
  open.id = entry.rule;
  open.expect = std::string(expects[1]);
  open.from = std::string(expects[3]);
  open.opened_at_micros = entry.at_micros;
  open.due_micros = absl::ToUnixMicros(due);
  open.detail = entry.detail;
  return open;
}

std::string MetKey(const audit::Entry& entry) { return entry.notification_id + "/" + entry.rule; }

absl::StatusOr<std::map<std::string, OpenExpectation>> ReadOpenExpectations(
    const store::Store& store, const std::string& case_ref) {
  std::map<std::string, OpenExpectation> open;
  store::AuditQuery query;
  query.case_ref = case_ref;
  query.actions = {std::string(kOpened), std::string(kMet)};
  query.limit = 1000;
  while (true) {
    auto page = store.QueryAudit(query);
    if (!page.ok()) return page.status();
    for (const auto& entry : *page) {
      query.after_id = entry.id;
      if (entry.action == audit::Action::kExpectationMet) {
        open.erase(MetKey(entry));
      } else if (auto opened = ParseOpened(entry)) {
        std::string key = opened->Key();  // before `opened` is moved from
        open.emplace(std::move(key), *std::move(opened));
      }
    }
    if (page->size() < query.limit) return open;
  }
}

absl::StatusOr<std::optional<audit::Entry>> FindMeeting(const store::Store& store,
                                                        const policy::Policy& policy,
                                                        const OpenExpectation& open) {
  store::AuditQuery query;
  query.case_ref = open.case_ref.value();
  query.actions = {"published"};
  query.after_id = open.audit_id;
  query.limit = 500;
  while (true) {
    auto page = store.QueryAudit(query);
    if (!page.ok()) return page.status();
    for (auto& entry : *page) {
      query.after_id = entry.id;
      if (entry.action != audit::Action::kPublished || entry.case_ref != open.case_ref.value() ||
          PublishedType(entry) != open.expect) {
        continue;
      }
      const config::Agency* publisher = policy.FindAgency(AgencyId(entry.actor));
      if (publisher != nullptr && publisher->role == open.from) return std::move(entry);
    }
    if (page->size() < query.limit) return std::nullopt;
  }
}

audit::Entry MetEntry(const OpenExpectation& open, const audit::Entry& published) {
  return audit::Entry{.actor = "broker",
                      .action = audit::Action::kExpectationMet,
                      .notification_id = open.opened_by.value(),
                      .case_ref = open.case_ref.value(),
                      .rule = open.id,
                      .detail = "met by " + std::string(PublishedType(published)) + " " +
                                published.notification_id + " from " + published.actor};
}

v1::Notification ExpectationEscalation(const OpenExpectation& open,
                                       const policy::Policy::ExpectationRef& ref, int level,
                                       int64_t lead_due_micros) {
  using google::protobuf::util::TimeUtil;
  const int64_t due = level == 1 ? open.due_micros : lead_due_micros;
  v1::Notification n;
  n.set_idempotency_key("expectation/" + open.Key() + "/" + std::to_string(level));
  n.set_case_ref(open.case_ref.value());
  n.set_purpose(v1::PURPOSE_ESCALATION);
  n.set_lawful_basis(LawfulBasisOf(*ref.agreement));
  n.set_classification(v1::CLASSIFICATION_OFFICIAL_SENSITIVE);
  *n.mutable_created_at() = TimeUtil::MicrosecondsToTimestamp(due);
  auto& e = *n.mutable_escalation();
  e.set_kind(v1::ESCALATION_KIND_EXPECTATION_UNMET);
  e.set_level(level == 1 ? v1::ESCALATION_LEVEL_RECIPIENT_AND_PUBLISHER
                         : v1::ESCALATION_LEVEL_SAFEGUARDING_LEAD);
  e.set_notification_id(open.opened_by.value());
  e.set_sequence(open.opened_sequence.value());
  e.set_notification_type(open.opened_type);
  e.set_publisher(open.opened_publisher.value());
  *e.mutable_routed_at() = TimeUtil::MicrosecondsToTimestamp(open.opened_at_micros);
  *e.mutable_acknowledge_due_at() = TimeUtil::MicrosecondsToTimestamp(open.due_micros);
  *e.mutable_escalated_at() = TimeUtil::MicrosecondsToTimestamp(due);
  e.set_agreement(ref.agreement->id + " v" + ref.agreement->version);
  e.set_deadline_rule(open.id);
  e.set_deadline(ref.rule->Text());
  e.set_expected_type(open.expect);
  e.set_expected_from(open.from);
  return n;
}

std::vector<store::Recipient> ExpectationRecipients(const OpenExpectation& open,
                                                    const policy::Policy::ExpectationRef& ref,
                                                    int level, const policy::Policy& policy,
                                                    const std::vector<std::string>& lead_roles) {
  std::vector<AgencyId> agencies;
  if (level == 1) {
    for (const auto& agency : policy.agencies()) {
      if (agency.role == open.from) agencies.push_back(agency.id);
    }
    agencies.push_back(open.opened_publisher);
  } else {
    agencies = LeadAgencies(policy, lead_roles);
  }
  return EscalationRecipientsOf(agencies, *ref.agreement, open.id, policy);
}

}  // namespace safeshare::service
