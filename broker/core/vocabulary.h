#pragma once

#include <array>
#include <string_view>

namespace safeshare {

// Notification types, named as the `payload` oneof fields of
// safeshare.v1.Notification. Config and policy refer to types by these names.
inline constexpr std::array<std::string_view, 4> kNotificationTypes = {
    "strategy_minutes", "abe_interview_record", "investigation_outcome", "probation_risk_update"};

// Notification types only the broker raises (never published by an agency,
// never named in an agreement's `publish:`; kept for retention's config
// periods like any type no agreement sets).
inline constexpr std::array<std::string_view, 1> kBrokerNotificationTypes = {"escalation"};

// Agency roles a sharing rule can name.
inline constexpr std::array<std::string_view, 7> kAgencyRoles = {
    "police",    "childrens_social_care",  "probation",        "health",
    "education", "information_governance", "safeguarding_lead"};

// Lawful bases a sharing rule can cite (LawfulBasis in proto/safeshare/v1/common.proto).
inline constexpr std::array<std::string_view, 3> kLawfulBases = {
    "public_task_safeguarding", "legal_obligation", "law_enforcement"};

template <size_t N>
constexpr bool IsOneOf(const std::array<std::string_view, N>& names, std::string_view value) {
  for (auto name : names) {
    if (name == value) return true;
  }
  return false;
}

}  // namespace safeshare
