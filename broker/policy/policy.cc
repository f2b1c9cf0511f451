// Policy: the loaded agreements indexed for decisions, and the rights
// (publish, manage cases, register interests, urgent disclosure) they grant.
#include <algorithm>
#include <set>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_join.h"
#include "broker/policy/agreements.h"

namespace safeshare::policy {
namespace {

constexpr char kAsk[] = "; ask the partnership's information governance lead";

bool Contains(const std::vector<std::string>& list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

}  // namespace

Policy::Policy(AgreementSet set, std::vector<config::Agency> agencies,
               std::vector<std::string> urgent_barred_roles)
    : set_(std::move(set)),
      agencies_(std::move(agencies)),
      urgent_barred_roles_(std::move(urgent_barred_roles)) {
  for (size_t a = 0; a < set_.agreements.size(); ++a) {
    const auto& rules = set_.agreements[a].rules;
    for (size_t r = 0; r < rules.size(); ++r) {
      by_rule_id_.emplace(rules[r].id, Position{a, r});
      for (const auto& type : rules[r].types) {
        for (const auto& role : rules[r].recipients) {
          by_type_role_[{type, role}].emplace_back(a, r);
        }
      }
    }
  }
}

std::string ConfigName(std::string enum_name, std::string_view prefix) {
  if (enum_name.compare(0, prefix.size(), prefix) == 0) enum_name.erase(0, prefix.size());
  absl::AsciiStrToLower(&enum_name);
  return enum_name;
}

std::vector<AgencyId> EngagedByMinutes(const std::vector<config::Agency>& agencies,
                                       const AgencyId& publisher, const v1::Notification& n) {
  if (!n.has_strategy_minutes()) return {};
  const auto role_name = [](v1::AgencyRole role) {
    return ConfigName(v1::AgencyRole_Name(role), "AGENCY_ROLE_");
  };
  std::set<std::string> roles;
  for (const auto& a : n.strategy_minutes().attendees()) roles.insert(role_name(a.agency()));
  for (const auto& a : n.strategy_minutes().actions()) roles.insert(role_name(a.owner_agency()));
  std::vector<AgencyId> engaged{publisher};
  for (const auto& agency : agencies) {
    if (agency.id != publisher && roles.count(agency.role) > 0) engaged.push_back(agency.id);
  }
  return engaged;
}

bool Policy::AnyRuleFor(std::string_view type, Condition condition) const {
  for (const auto& agreement : set_.agreements) {
    for (const auto& rule : agreement.rules) {
      if (rule.condition == condition && Contains(rule.types, type)) return true;
    }
  }
  return false;
}

std::string DeadlineRule::Text() const {
  return "acknowledge within " + acknowledge_within.Text() + ", then " + escalate_after.Text() +
         " to the safeguarding lead";
}

std::optional<Deadline> Policy::DeadlineFor(std::string_view type, std::string_view role) const {
  for (const auto& agreement : set_.agreements) {
    for (const auto& rule : agreement.deadlines) {
      if (Contains(rule.types, type) && Contains(rule.recipients, role)) {
        return Deadline{&agreement, &rule};
      }
    }
  }
  return std::nullopt;
}

bool Policy::HasDeadlines() const {
  return std::any_of(set_.agreements.begin(), set_.agreements.end(),
                     [](const Agreement& a) { return !a.deadlines.empty(); });
}

std::optional<RetentionRule> Policy::RetentionFor(
    std::string_view type, const std::optional<config::RetentionPeriods>& fallback) const {
  // Per period: the longest, with every agreement that sets it that long.
  struct Longest {
    std::chrono::seconds period{0};
    std::vector<std::string> agreements;
    void Offer(std::chrono::seconds p, const Agreement& a) {
      if (p < period) return;
      if (p > period) agreements.clear();
      period = p;
      agreements.push_back(a.id + " v" + a.version);
    }
  };
  Longest acknowledged, unacknowledged;
  for (const auto& agreement : set_.agreements) {
    const auto it = agreement.retention.find(std::string(type));
    if (it == agreement.retention.end()) continue;
    acknowledged.Offer(it->second.acknowledged, agreement);
    unacknowledged.Offer(it->second.unacknowledged, agreement);
  }
  if (!acknowledged.agreements.empty()) {
    return RetentionRule{{acknowledged.period, unacknowledged.period},
                         absl::StrJoin(acknowledged.agreements, ", "),
                         absl::StrJoin(unacknowledged.agreements, ", ")};
  }
  if (fallback) return RetentionRule{*fallback, "broker config", "broker config"};
  return std::nullopt;
}

absl::Status Policy::MayPublish(std::string_view role, std::string_view type) const {
  for (const auto& agreement : set_.agreements) {
    const auto it = agreement.publish.find(std::string(role));
    if (it != agreement.publish.end() && Contains(it->second, type)) return absl::OkStatus();
  }
  return absl::PermissionDeniedError("role " + std::string(role) + " may not publish " +
                                     std::string(type) +
                                     ": no information-sharing agreement grants it that right" +
                                     kAsk + " to add it to an agreement");
}

absl::Status Policy::MayManageCases(std::string_view role) const {
  for (const auto& agreement : set_.agreements) {
    if (Contains(agreement.manage_cases, role)) return absl::OkStatus();
  }
  return absl::PermissionDeniedError(
      "role " + std::string(role) +
      " may not record case engagement or close and reopen cases: no agreement lists it under "
      "manage_cases" +
      kAsk);
}

absl::Status Policy::MayRegisterInterests(std::string_view role) const {
  for (const auto& agreement : set_.agreements) {
    if (Contains(agreement.register_interests, role)) return absl::OkStatus();
  }
  return absl::PermissionDeniedError(
      "role " + std::string(role) +
      " may not register interests in persons: no agreement lists it under register_interests" +
      kAsk);
}

absl::Status Policy::MayDiscloseUrgently(std::string_view role) const {
  if (!Contains(urgent_barred_roles_, role)) return absl::OkStatus();
  return absl::PermissionDeniedError(
      "role " + std::string(role) +
      " may not make urgent disclosures: the broker configuration bars it "
      "(urgent_disclosure.barred_roles)" +
      kAsk);
}

const config::Agency* Policy::FindAgency(const AgencyId& id) const {
  for (const auto& agency : agencies_) {
    if (agency.id == id) return &agency;
  }
  return nullptr;
}

Policy::RuleRef Policy::At(Position p) const {
  const auto& agreement = set_.agreements[p.first];
  return RuleRef{&agreement, &agreement.rules[p.second]};
}

Policy::RuleRef Policy::FindRule(std::string_view rule_id) const {
  const auto it = by_rule_id_.find(rule_id);
  return it == by_rule_id_.end() ? RuleRef{} : At(it->second);
}

}  // namespace safeshare::policy
