#include "tests/bench/payloads.h"

#include <algorithm>
#include <cstdio>
#include <random>

#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "tests/bench/bench_clock.h"

namespace safeshare::bench {
namespace {

constexpr int64_t kMarch2026 = 1772532000;  // 2026-03-03T10:00:00Z

void SetTime(google::protobuf::Timestamp* t, int64_t seconds) { t->set_seconds(seconds); }

void SetDate(v1::Date* d, int year, int month, int day) {
  d->set_year(year);
  d->set_month(month);
  d->set_day(day);
}

void AddChild(v1::Notification& n, const char* ref, const char* name, int year) {
  auto* child = n.add_children_considered();
  child->set_child_ref(ref);
  child->set_display_name(name);
  SetDate(child->mutable_date_of_birth(), year, 4, 9);
}

void AddPerson(v1::Notification& n, v1::PersonRole role) {
  auto* person = n.add_persons_of_concern();
  person->set_person_ref("P1");
  person->set_display_name("Gareth Pellow");
  person->set_role(role);
  auto* crn = person->add_identifiers();
  crn->set_scheme(v1::IDENTIFIER_SCHEME_NDELIUS_CRN);
  crn->set_value("X123456");
  auto* pnc = person->add_identifiers();
  pnc->set_scheme(v1::IDENTIFIER_SCHEME_PNC_NUMBER);
  pnc->set_value("2019/0123456X");
}

v1::Notification Envelope(v1::Purpose purpose, v1::PersonRole role) {
  v1::Notification n;
  AddChild(n, "C1", "Amelia Thornbury", 2015);
  AddChild(n, "C2", "Noah Thornbury", 2018);
  AddPerson(n, role);
  n.set_purpose(purpose);
  n.set_lawful_basis(v1::LAWFUL_BASIS_PUBLIC_TASK_SAFEGUARDING);
  n.set_classification(v1::CLASSIFICATION_OFFICIAL_SENSITIVE);
  return n;
}

v1::Notification InvestigationOutcome() {
  auto n = Envelope(v1::PURPOSE_CRIMINAL_INVESTIGATION, v1::PERSON_ROLE_ALLEGED_PERPETRATOR);
  auto* o = n.mutable_investigation_outcome();
  o->set_crime_reference("CRIME-26-004417");
  o->set_status(v1::INVESTIGATION_STATUS_NO_FURTHER_POLICE_ACTION_AT_THIS_TIME);
  o->set_rationale(
      "Evidential threshold not met at this time: C1's ABE account was clear but uncorroborated "
      "and P1 denied the allegation in interview. The investigation can be reopened if new "
      "evidence emerges.");
  auto* measure = o->add_disruption_measures();
  measure->set_kind(v1::DISRUPTION_KIND_CHILD_ABDUCTION_WARNING_NOTICE);
  measure->set_description("Child abduction warning notice served on P1 in respect of C1 and C2.");
  o->set_follow_up_discussion_required(true);
  // A quarter after the run, so the follow-up expectation it opens never
  // falls due (and escalates) during a benchmark.
  const absl::CivilDay due =
      absl::ToCivilDay(absl::Now() + absl::Hours(24 * 90), absl::UTCTimeZone());
  SetDate(o->mutable_follow_up_discussion_due(), static_cast<int>(due.year()), due.month(),
          due.day());
  SetTime(o->mutable_decided_at(), kMarch2026);
  return n;
}

void AddDecision(v1::StrategyMinutes* m, v1::DecisionKind kind, const char* summary,
                 const char* rationale) {
  auto* d = m->add_decisions();
  d->set_kind(kind);
  d->set_summary(summary);
  d->set_rationale(rationale);
}

void AddAction(v1::StrategyMinutes* m, const char* what, v1::AgencyRole owner, int day) {
  auto* a = m->add_actions();
  a->set_description(what);
  a->set_owner_agency(owner);
  SetDate(a->mutable_due_date(), 2026, 3, day);
}

void AddAttendee(v1::StrategyMinutes* m, v1::AgencyRole agency, const char* title) {
  auto* a = m->add_attendees();
  a->set_agency(agency);
  a->set_role_title(title);
}

v1::Notification StrategyMinutes() {
  auto n = Envelope(v1::PURPOSE_STRATEGY_DISCUSSION, v1::PERSON_ROLE_HOUSEHOLD_MEMBER);
  auto* m = n.mutable_strategy_minutes();
  m->set_format(v1::STRATEGY_FORMAT_MEETING);
  SetTime(m->mutable_held_at(), kMarch2026);
  AddAttendee(m, v1::AGENCY_ROLE_POLICE, "Detective Sergeant");
  AddAttendee(m, v1::AGENCY_ROLE_CHILDRENS_SOCIAL_CARE, "Team Manager");
  AddAttendee(m, v1::AGENCY_ROLE_HEALTH, "Named Nurse for Safeguarding");
  m->add_children_considered("C1");
  m->add_children_considered("C2");
  AddDecision(m, v1::DECISION_KIND_START_SECTION_47_ENQUIRY, "Section 47 enquiries for C1 and C2.",
              "C1 disclosed sexual abuse by a household member; C2 lives in the same household "
              "and is at risk of significant harm.");
  AddDecision(m, v1::DECISION_KIND_ABE_INTERVIEW, "Joint ABE interview of C1.",
              "C1 is able to give an account and has asked to speak to someone.");
  AddDecision(m, v1::DECISION_KIND_CP_MEDICAL, "Child protection medical for C1 to be arranged.",
              "The disclosure describes contact abuse within the forensic window.");
  AddAction(m, "Arrange and conduct the joint ABE interview of C1.", v1::AGENCY_ROLE_POLICE, 6);
  AddAction(m, "Arrange the child protection medical for C1.", v1::AGENCY_ROLE_HEALTH, 4);
  AddAction(m, "Visit the household and agree a safety plan for C1 and C2.",
            v1::AGENCY_ROLE_CHILDRENS_SOCIAL_CARE, 4);
  m->set_cp_medical_considered(true);
  m->set_cp_medical_rationale(
      "Recent contact abuse disclosed; medical may secure evidence and address C1's health needs.");
  m->set_health_represented(true);
  return n;
}

v1::Notification ProbationRiskUpdate() {
  auto n = Envelope(v1::PURPOSE_RISK_MANAGEMENT, v1::PERSON_ROLE_KNOWN_SEX_OFFENDER);
  auto* u = n.mutable_probation_risk_update();
  u->set_person_ref("P1");
  *u->mutable_identifiers() = n.persons_of_concern(0).identifiers();
  u->set_rosh_level(v1::ROSH_LEVEL_HIGH);
  u->set_registered_sex_offender(true);
  u->set_mappa_category(v1::MAPPA_CATEGORY_1);
  u->set_mappa_level(v1::MAPPA_LEVEL_2);
  auto* restriction = u->add_contact_restrictions();
  restriction->set_description(
      "No unsupervised contact with any child under 16 without prior approval of the probation "
      "practitioner.");
  restriction->set_source("Licence condition");
  SetTime(u->mutable_assessed_at(), kMarch2026);
  u->set_summary(
      "P1 has been living in the household of C1 and C2 without disclosing it, in breach of "
      "licence. Risk to children in the household assessed as high.");
  return n;
}

// The free-text field that absorbs the padding of each type.
std::string* PaddingField(v1::Notification& n) {
  switch (n.payload_case()) {
    case v1::Notification::kInvestigationOutcome:
      return n.mutable_investigation_outcome()->mutable_rationale();
    case v1::Notification::kStrategyMinutes:
      return n.mutable_strategy_minutes()->mutable_cp_medical_rationale();
    default:
      return n.mutable_probation_risk_update()->mutable_summary();
  }
}

void PadTo(v1::Notification& n, size_t target) {
  static const std::string kFiller = " Further detail recorded for the partnership.";
  std::string* text = PaddingField(n);
  // A longer field may need a longer length prefix, hence a second round.
  for (int round = 0; round < 4 && n.ByteSizeLong() < target; ++round) {
    for (size_t missing = target - n.ByteSizeLong(); missing > 0;) {
      const size_t take = std::min(missing, kFiller.size());
      text->append(kFiller, 0, take);
      missing -= take;
    }
  }
}

}  // namespace

size_t TargetBytes(const std::string& type) { return type == "strategy_minutes" ? 2048 : 1024; }

v1::Notification PayloadTemplate(const std::string& type, const std::string& run_prefix) {
  v1::Notification n = type == "investigation_outcome" ? InvestigationOutcome()
                       : type == "strategy_minutes"    ? StrategyMinutes()
                                                       : ProbationRiskUpdate();
  Stamp(n, run_prefix, "probation", 0);  // the longest agency id: a representative size
  PadTo(n, TargetBytes(type));
  return n;
}

void Stamp(v1::Notification& n, const std::string& run_prefix, const std::string& agency,
           uint64_t counter) {
  char suffix[48];
  std::snprintf(suffix, sizeof(suffix), "-%012llu", static_cast<unsigned long long>(counter));
  n.set_idempotency_key(run_prefix + agency + suffix);
  std::snprintf(suffix, sizeof(suffix), "CASE-2026-%04llu",
                static_cast<unsigned long long>(counter % 1000));
  n.set_case_ref(suffix);
  const int64_t now = WallNs();
  n.mutable_created_at()->set_seconds(now / 1'000'000'000);
  n.mutable_created_at()->set_nanos(static_cast<int32_t>(now % 1'000'000'000));
}

std::string NewRunPrefix() {
  std::random_device device;
  char prefix[32];
  std::snprintf(prefix, sizeof(prefix), "bench-%08x-", static_cast<unsigned>(device()));
  return prefix;
}

}  // namespace safeshare::bench
