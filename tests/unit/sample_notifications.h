#pragma once

// Valid notifications of each payload type, built in code, for the schema
// and service unit tests. Each test breaks one field of a valid message, so
// a refusal can only come from the rule under test.
#include "safeshare/v1/broker.pb.h"

namespace safeshare::samples {

inline void SetDate(v1::Date* date, int year, int month, int day) {
  date->set_year(year);
  date->set_month(month);
  date->set_day(day);
}

// An envelope every payload below is valid with: two children, one person.
inline v1::Notification Envelope() {
  v1::Notification n;
  n.set_idempotency_key("cfs-2024-0001");
  n.set_case_ref("CASE-2024/001");
  auto* c1 = n.add_children_considered();
  c1->set_child_ref("C1");
  c1->set_display_name("Child One");
  SetDate(c1->mutable_date_of_birth(), 2015, 3, 2);
  auto* nhs = c1->add_identifiers();
  nhs->set_scheme(v1::IDENTIFIER_SCHEME_NHS_NUMBER);
  nhs->set_value("9434765919");
  auto* c2 = n.add_children_considered();
  c2->set_child_ref("C2");
  c2->set_display_name("Child Two");
  auto* p1 = n.add_persons_of_concern();
  p1->set_person_ref("P1");
  p1->set_display_name("Person One");
  p1->set_role(v1::PERSON_ROLE_ALLEGED_PERPETRATOR);
  n.set_purpose(v1::PURPOSE_STRATEGY_DISCUSSION);
  n.set_lawful_basis(v1::LAWFUL_BASIS_LEGAL_OBLIGATION);
  n.set_classification(v1::CLASSIFICATION_OFFICIAL_SENSITIVE);
  n.mutable_created_at()->set_seconds(1'714'000'000);
  return n;
}

inline v1::Notification StrategyMinutes() {
  auto n = Envelope();
  auto* m = n.mutable_strategy_minutes();
  m->set_format(v1::STRATEGY_FORMAT_MEETING);
  m->mutable_held_at()->set_seconds(1'713'990'000);
  auto* police = m->add_attendees();
  police->set_agency(v1::AGENCY_ROLE_POLICE);
  police->set_role_title("Detective Sergeant");
  m->add_attendees()->set_agency(v1::AGENCY_ROLE_HEALTH);
  m->add_children_considered("C1");
  m->add_children_considered("C2");
  auto* decision = m->add_decisions();
  decision->set_kind(v1::DECISION_KIND_START_SECTION_47_ENQUIRY);
  decision->set_summary("Section 47 enquiry for both children");
  decision->set_rationale("Disclosure by C1; C2 lives in the same household");
  auto* action = m->add_actions();
  action->set_description("Plan a joint ABE interview");
  action->set_owner_agency(v1::AGENCY_ROLE_POLICE);
  SetDate(action->mutable_due_date(), 2024, 5, 1);
  m->set_cp_medical_considered(true);
  m->set_cp_medical_rationale("Medical arranged for C1");
  m->set_health_represented(true);
  return n;
}

inline v1::Notification AbeInterviewRecord() {
  auto n = Envelope();
  n.set_purpose(v1::PURPOSE_CRIMINAL_INVESTIGATION);
  auto* r = n.mutable_abe_interview_record();
  r->set_child_ref("C1");
  r->mutable_interviewed_at()->set_seconds(1'714'100'000);
  r->set_jointly_planned(true);
  r->mutable_recording()->set_system("DEMS");
  r->mutable_recording()->set_reference("EX-2024-77");
  return n;
}

inline v1::Notification InvestigationOutcome() {
  auto n = Envelope();
  auto* o = n.mutable_investigation_outcome();
  o->set_crime_reference("CR/2024/123");
  o->set_status(v1::INVESTIGATION_STATUS_NO_FURTHER_POLICE_ACTION_AT_THIS_TIME);
  o->set_rationale("Evidential threshold not met at this time");
  o->set_follow_up_discussion_required(true);
  SetDate(o->mutable_follow_up_discussion_due(), 2024, 6, 1);
  o->mutable_decided_at()->set_seconds(1'714'200'000);
  return n;
}

inline v1::Notification ProbationRiskUpdate() {
  auto n = Envelope();
  n.set_purpose(v1::PURPOSE_RISK_MANAGEMENT);
  auto* u = n.mutable_probation_risk_update();
  u->set_person_ref("P1");
  auto* crn = u->add_identifiers();
  crn->set_scheme(v1::IDENTIFIER_SCHEME_NDELIUS_CRN);
  crn->set_value("X123456");
  u->set_rosh_level(v1::ROSH_LEVEL_HIGH);
  u->set_mappa_category(v1::MAPPA_CATEGORY_1);
  u->set_mappa_level(v1::MAPPA_LEVEL_2);
  u->mutable_assessed_at()->set_seconds(1'714'300'000);
  return n;
}

}  // namespace safeshare::samples
