// Expectations: which notifications open one (Trigger), and the rules the
// agreements set for them.
#include <algorithm>
#include <string>

#include "broker/policy/agreements.h"

namespace safeshare::policy {
namespace {

bool Closing(v1::InvestigationStatus status) {
  return status == v1::INVESTIGATION_STATUS_CHARGED ||
         status == v1::INVESTIGATION_STATUS_OUT_OF_COURT_RESOLUTION ||
         status == v1::INVESTIGATION_STATUS_NO_FURTHER_POLICE_ACTION_AT_THIS_TIME;
}

bool Holds(Trigger trigger, const v1::Notification& n, bool case_open) {
  switch (trigger) {
    case Trigger::kSection47Decided:
      return n.has_strategy_minutes() &&
             std::any_of(n.strategy_minutes().decisions().begin(),
                         n.strategy_minutes().decisions().end(), [](const v1::Decision& d) {
                           return d.kind() == v1::DECISION_KIND_START_SECTION_47_ENQUIRY;
                         });
    case Trigger::kInvestigationClosed:
      return n.has_investigation_outcome() && Closing(n.investigation_outcome().status());
    case Trigger::kRiskUpdateOnOpenCase:
      return n.has_probation_risk_update() && case_open;
  }
  return false;
}

}  // namespace

std::string_view TriggerName(Trigger t) {
  switch (t) {
    case Trigger::kSection47Decided:
      return "section_47_decided";
    case Trigger::kInvestigationClosed:
      return "investigation_closed";
    case Trigger::kRiskUpdateOnOpenCase:
      return "risk_update_on_open_case";
  }
  return "";
}

std::string_view TriggerType(Trigger t) {
  switch (t) {
    case Trigger::kSection47Decided:
      return "strategy_minutes";
    case Trigger::kInvestigationClosed:
      return "investigation_outcome";
    case Trigger::kRiskUpdateOnOpenCase:
      return "probation_risk_update";
  }
  return "";
}

std::string ExpectationRule::Text() const {
  std::string what;
  switch (when) {
    case Trigger::kSection47Decided:
      what = "a section 47 enquiry decided";
      break;
    case Trigger::kInvestigationClosed:
      what = "an investigation closed";
      break;
    case Trigger::kRiskUpdateOnOpenCase:
      what = "a probation risk update on an open case";
      break;
  }
  return what + ": " + expect + " from " + from +
         (within ? " within " + within->Text() : " by the follow-up discussion's due date");
}

std::vector<Policy::ExpectationRef> Policy::ExpectationsOpenedBy(const v1::Notification& n,
                                                                 bool case_open) const {
  std::vector<ExpectationRef> opened;
  for (const auto& agreement : set_.agreements) {
    for (const auto& rule : agreement.expectations) {
      if (Holds(rule.when, n, case_open)) opened.push_back({&agreement, &rule});
    }
  }
  return opened;
}

Policy::ExpectationRef Policy::FindExpectation(std::string_view id) const {
  for (const auto& agreement : set_.agreements) {
    for (const auto& rule : agreement.expectations) {
      if (rule.id == id) return {&agreement, &rule};
    }
  }
  return {};
}

}  // namespace safeshare::policy
