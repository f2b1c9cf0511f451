#include "broker/schema/payload_rules.h"

#include <algorithm>

#include "broker/schema/field_check.h"

namespace safeshare::schema {
namespace {

bool HasChild(const v1::Notification& n, const std::string& ref) {
  return std::any_of(n.children_considered().begin(), n.children_considered().end(),
                     [&](const v1::Child& c) { return c.child_ref() == ref; });
}

bool HasPerson(const v1::Notification& n, const std::string& ref) {
  return std::any_of(n.persons_of_concern().begin(), n.persons_of_concern().end(),
                     [&](const v1::PersonOfConcern& p) { return p.person_ref() == ref; });
}

absl::Status CheckChildRef(const v1::Notification& n, const std::string& path,
                           const std::string& ref) {
  SAFESHARE_RETURN_IF_ERROR(RequireText(path, ref, 64));
  if (!HasChild(n, ref)) {
    return FieldError(
        path, "names no child_ref of notification.children_considered; add the child there");
  }
  return absl::OkStatus();
}

absl::Status CheckDecisions(const v1::StrategyMinutes& m, const std::string& path) {
  if (m.decisions().empty()) return FieldError(path, "at least one decision is required");
  for (int i = 0; i < m.decisions_size(); ++i) {
    const auto at = Indexed(path, i);
    SAFESHARE_RETURN_IF_ERROR(RequireEnum(at + ".kind", m.decisions(i).kind()));
    SAFESHARE_RETURN_IF_ERROR(RequireText(at + ".summary", m.decisions(i).summary()));
    if (m.decisions(i).rationale().empty()) {
      const bool no_s47 = m.decisions(i).kind() == v1::DECISION_KIND_NO_SECTION_47_ENQUIRY;
      return FieldError(at + ".rationale",
                        no_s47 ? "required; record why no section 47 enquiry is made"
                               : "required; record the reason for the decision");
    }
  }
  return absl::OkStatus();
}

absl::Status CheckActions(const v1::StrategyMinutes& m, const std::string& path) {
  for (int i = 0; i < m.actions_size(); ++i) {
    const auto at = Indexed(path, i);
    const auto& action = m.actions(i);
    SAFESHARE_RETURN_IF_ERROR(RequireText(at + ".description", action.description()));
    SAFESHARE_RETURN_IF_ERROR(RequireEnum(at + ".owner_agency", action.owner_agency()));
    SAFESHARE_RETURN_IF_ERROR(
        RequireDate(at + ".due_date", action.has_due_date(), action.due_date()));
  }
  return absl::OkStatus();
}

absl::Status CheckAttendance(const v1::StrategyMinutes& m, const std::string& path) {
  if (m.attendees().empty())
    return FieldError(path + ".attendees", "at least one attendee is required");
  for (int i = 0; i < m.attendees_size(); ++i) {
    SAFESHARE_RETURN_IF_ERROR(
        RequireEnum(Indexed(path + ".attendees", i) + ".agency", m.attendees(i).agency()));
  }
  if (!m.health_represented() && m.health_absence_reason().empty()) {
    return FieldError(path + ".health_absence_reason",
                      "required when health_represented is false; record why health was not there");
  }
  return absl::OkStatus();
}

bool IsClosing(v1::InvestigationStatus status) {
  return status == v1::INVESTIGATION_STATUS_CHARGED ||
         status == v1::INVESTIGATION_STATUS_OUT_OF_COURT_RESOLUTION ||
         status == v1::INVESTIGATION_STATUS_NO_FURTHER_POLICE_ACTION_AT_THIS_TIME;
}

}  // namespace

absl::Status CheckStrategyMinutes(const v1::Notification& n) {
  const std::string path = "notification.strategy_minutes";
  const auto& m = n.strategy_minutes();
  SAFESHARE_RETURN_IF_ERROR(RequireEnum(path + ".format", m.format()));
  if (m.format() == v1::STRATEGY_FORMAT_DISCUSSION && m.format_rationale().empty()) {
    return FieldError(
        path + ".format_rationale",
        "required for a strategy discussion; record why no strategy meeting was held");
  }
  SAFESHARE_RETURN_IF_ERROR(RequireTime(path + ".held_at", m.has_held_at(), m.held_at()));
  SAFESHARE_RETURN_IF_ERROR(CheckAttendance(m, path));
  if (m.children_considered().empty()) {
    return FieldError(path + ".children_considered",
                      "at least one child is required; list every child considered");
  }
  for (int i = 0; i < m.children_considered_size(); ++i) {
    SAFESHARE_RETURN_IF_ERROR(
        CheckChildRef(n, Indexed(path + ".children_considered", i), m.children_considered(i)));
  }
  SAFESHARE_RETURN_IF_ERROR(CheckDecisions(m, path + ".decisions"));
  SAFESHARE_RETURN_IF_ERROR(CheckActions(m, path + ".actions"));
  if (m.cp_medical_rationale().empty()) {
    return FieldError(path + ".cp_medical_rationale",
                      "required; record why a child protection medical is or is not needed");
  }
  return absl::OkStatus();
}

absl::Status CheckAbeInterviewRecord(const v1::Notification& n) {
  const std::string path = "notification.abe_interview_record";
  const auto& r = n.abe_interview_record();
  SAFESHARE_RETURN_IF_ERROR(CheckChildRef(n, path + ".child_ref", r.child_ref()));
  SAFESHARE_RETURN_IF_ERROR(
      RequireTime(path + ".interviewed_at", r.has_interviewed_at(), r.interviewed_at()));
  if (!r.jointly_planned() && r.joint_planning_notes().empty()) {
    return FieldError(path + ".joint_planning_notes",
                      "required when jointly_planned is false; record why the interview was not "
                      "planned with children's social care");
  }
  if (r.intermediary_used() && r.intermediary_rationale().empty()) {
    return FieldError(path + ".intermediary_rationale", "required when an intermediary was used");
  }
  SAFESHARE_RETURN_IF_ERROR(RequireText(path + ".recording.system", r.recording().system(), 200));
  return RequireText(path + ".recording.reference", r.recording().reference(), 200);
}

absl::Status CheckInvestigationOutcome(const v1::Notification& n) {
  const std::string path = "notification.investigation_outcome";
  const auto& o = n.investigation_outcome();
  SAFESHARE_RETURN_IF_ERROR(RequireText(path + ".crime_reference", o.crime_reference(), 64));
  SAFESHARE_RETURN_IF_ERROR(RequireEnum(path + ".status", o.status()));
  SAFESHARE_RETURN_IF_ERROR(RequireTime(path + ".decided_at", o.has_decided_at(), o.decided_at()));
  for (int i = 0; i < o.disruption_measures_size(); ++i) {
    SAFESHARE_RETURN_IF_ERROR(RequireEnum(Indexed(path + ".disruption_measures", i) + ".kind",
                                          o.disruption_measures(i).kind()));
  }
  if (IsClosing(o.status())) {
    if (o.rationale().empty()) {
      return FieldError(path + ".rationale",
                        "required when the investigation closes; record why it closed");
    }
    if (!o.follow_up_discussion_required()) {
      return FieldError(path + ".follow_up_discussion_required",
                        "must be true when the investigation closes: continuing risk needs a "
                        "multi-agency discussion");
    }
  }
  if (o.follow_up_discussion_required()) {
    return RequireDate(path + ".follow_up_discussion_due", o.has_follow_up_discussion_due(),
                       o.follow_up_discussion_due());
  }
  return absl::OkStatus();
}

absl::Status CheckProbationRiskUpdate(const v1::Notification& n) {
  const std::string path = "notification.probation_risk_update";
  const auto& u = n.probation_risk_update();
  SAFESHARE_RETURN_IF_ERROR(RequireText(path + ".person_ref", u.person_ref(), 64));
  if (!HasPerson(n, u.person_ref())) {
    return FieldError(
        path + ".person_ref",
        "names no person_ref of notification.persons_of_concern; add the person there");
  }
  const bool has_key_id =
      std::any_of(u.identifiers().begin(), u.identifiers().end(), [](const auto& id) {
        return (id.scheme() == v1::IDENTIFIER_SCHEME_NDELIUS_CRN ||
                id.scheme() == v1::IDENTIFIER_SCHEME_PNC_NUMBER) &&
               !id.value().empty();
      });
  if (!has_key_id) {
    return FieldError(path + ".identifiers", "give the person's nDelius CRN or PNC number");
  }
  SAFESHARE_RETURN_IF_ERROR(RequireEnum(path + ".rosh_level", u.rosh_level()));
  SAFESHARE_RETURN_IF_ERROR(RequireEnum(path + ".mappa_category", u.mappa_category()));
  SAFESHARE_RETURN_IF_ERROR(RequireEnum(path + ".mappa_level", u.mappa_level()));
  for (int i = 0; i < u.contact_restrictions_size(); ++i) {
    SAFESHARE_RETURN_IF_ERROR(
        RequireText(Indexed(path + ".contact_restrictions", i) + ".description",
                    u.contact_restrictions(i).description()));
  }
  return RequireTime(path + ".assessed_at", u.has_assessed_at(), u.assessed_at());
}

}  // namespace safeshare::schema
