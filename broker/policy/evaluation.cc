// Policy::Evaluate: the decision for every agency but the publisher, with the
// reasoning an IG lead reads in the audit log (rules, roles, conditions;
// never content).
#include <algorithm>
#include <array>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_join.h"
#include "broker/policy/agreements.h"

namespace safeshare::policy {
namespace {

constexpr size_t kMaxUrgentReasonChars = 500;

bool Holds(Condition condition, const AgencyId& agency, const CaseFacts& facts) {
  switch (condition) {
    case Condition::kAlways:
      return true;
    case Condition::kEngaged:
      return facts.engaged.count(agency) > 0;
    case Condition::kPersonInterest:
      return facts.person_interest.count(agency) > 0;
    case Condition::kLinkedCase: {
      const auto it = facts.linked_cases.find(agency);
      return it != facts.linked_cases.end() && !it->second.empty();
    }
  }
  return false;
}

// How reasons speak of a condition: why it held for an allowed agency
// ("allowed by rule R of agreement A vN (HELD)"), and whom it admits for a
// denied one ("rule R applies only to ADMITS").
struct ConditionText {
  std::string_view held;
  std::string_view admits;
};

ConditionText TextOf(Condition condition) {
  static constexpr std::array<ConditionText, 4> kTexts = {{
      {"always shared", "every agency"},
      {"engaged with the case", "agencies engaged with the case"},
      {"holds an interest in a person named in it",
       "agencies holding an interest in a person it names"},
      {"engaged with linked case ",
       "agencies engaged with another case on which a person it names was named"},
  }};
  return kTexts[static_cast<size_t>(condition)];  // in Condition's order
}

std::string HeldPhrase(Condition condition, const std::vector<CaseRef>& linked) {
  std::vector<std::string> refs;
  refs.reserve(linked.size());
  for (const auto& ref : linked) refs.push_back(ref.value());
  return std::string(TextOf(condition).held) + absl::StrJoin(refs, ", ");
}

std::string Admits(Condition condition) { return std::string(TextOf(condition).admits); }

std::vector<std::string> ApplicableWithheld(const ShareRule& rule, std::string_view type) {
  std::vector<std::string> texts;
  for (const auto& path : rule.withheld) {
    if (AppliesTo(path, type)) texts.push_back(path.text);
  }
  return texts;  // already sorted: rule.withheld is
}

std::string TraceLine(const Policy::RuleRef& ref, bool held) {
  return ref.rule->id + " of " + ref.agreement->id + " (" +
         (ref.rule->effect == Effect::kDeny ? "deny" : "allow") + ", " +
         std::string(ConditionName(ref.rule->condition)) + "): " + (held ? "held" : "not held");
}

void DecideBy(const Policy::RuleRef& ref, AgencyDecision& d) {
  d.agreement = ref.agreement->id;
  d.agreement_version = ref.agreement->version;
  d.rule = ref.rule->id;
  d.deciding_rule = ref.rule;
}

std::string NothingHeld(std::string_view type, const config::Agency& agency,
                        const std::vector<Policy::RuleRef>& not_held) {
  if (not_held.empty()) {
    return "denied: no agreement shares " + std::string(type) + " with role " + agency.role;
  }
  if (not_held.size() == 1) {
    return "denied: rule " + not_held[0].rule->id + " applies only to " +
           Admits(not_held[0].rule->condition) + "; " + agency.id.value() + " is not";
  }
  std::vector<std::string> each;
  each.reserve(not_held.size());
  for (const auto& ref : not_held)
    each.push_back(ref.rule->id + ": " + Admits(ref.rule->condition));
  return "denied: no rule sharing " + std::string(type) + " with role " + agency.role +
         " holds for " + agency.id.value() + " (" + absl::StrJoin(each, "; ") + ")";
}

// UTF-8 characters (code points) in `text`.
size_t Characters(std::string_view text) {
  return static_cast<size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

// Checks `urgent` and, when valid, allows its recipient in `evaluation`.
// Messages never repeat the reason text.
absl::Status ApplyUrgent(const Policy& policy, const config::Agency& publisher,
                         std::string_view type, const UrgentDisclosure& urgent,
                         Evaluation& evaluation) {
  if (urgent.recipient == publisher.id) {
    return absl::InvalidArgumentError(
        "urgent_disclosure.recipient: the publisher cannot disclose to itself");
  }
  const auto it =
      std::find_if(evaluation.agencies.begin(), evaluation.agencies.end(),
                   [&](const AgencyDecision& d) { return d.agency == urgent.recipient; });
  if (it == evaluation.agencies.end()) {
    return absl::InvalidArgumentError("urgent_disclosure.recipient: no agency '" +
                                      urgent.recipient.value() +
                                      "' in the partnership; name an agency id of the broker "
                                      "configuration");
  }
  const size_t chars = Characters(urgent.reason);
  const bool blank = urgent.reason.find_first_not_of(" \t\r\n") == std::string::npos;
  if (blank || chars > kMaxUrgentReasonChars) {
    return absl::InvalidArgumentError(
        "urgent_disclosure.reason: required, 1 to 500 characters saying why the disclosure "
        "cannot wait (it has " +
        std::to_string(chars) + (blank && chars > 0 ? ", all blank" : "") + ")");
  }
  if (auto barred = policy.MayDiscloseUrgently(publisher.role); !barred.ok()) {
    return absl::PermissionDeniedError("urgent_disclosure: " + std::string(barred.message()));
  }
  AgencyDecision& d = *it;
  if (d.deciding_rule != nullptr && d.deciding_rule->effect == Effect::kDeny) {
    return absl::PermissionDeniedError(
        "urgent_disclosure.recipient: rule " + d.rule + " of agreement " + d.agreement +
        " denies " + std::string(type) + " to role " + d.role +
        ", and a deny rule wins over an urgent disclosure; ask the partnership's information "
        "governance lead");
  }
  if (d.allowed) {
    return absl::FailedPreconditionError("urgent_disclosure.recipient: rule " + d.rule +
                                         " already allows " + std::string(type) + " to " +
                                         d.agency.value() + "; publish without urgent_disclosure");
  }
  d.allowed = true;
  d.urgent = true;
  d.withheld.clear();
  d.reason = "allowed as an urgent disclosure by " + publisher.id.value() + ": no rule shares " +
             std::string(type) + " with role " + d.role + "; the publisher's reason is recorded";
  return absl::OkStatus();
}

}  // namespace

AgencyDecision Policy::Decide(const config::Agency& agency, std::string_view type,
                              const CaseFacts& facts) const {
  AgencyDecision d{.agency = agency.id, .role = agency.role};
  std::optional<RuleRef> deny, allow;
  size_t allow_withheld = 0;
  std::vector<RuleRef> not_held;  // allow rules whose condition did not hold
  static const std::vector<Position> kNone;
  const auto it = by_type_role_.find(std::pair<std::string, std::string>(type, agency.role));
  for (const Position& p : it == by_type_role_.end() ? kNone : it->second) {
    const RuleRef ref = At(p);
    const bool held = Holds(ref.rule->condition, agency.id, facts);
    d.trace.push_back(TraceLine(ref, held));
    const bool denies = ref.rule->effect == Effect::kDeny;
    if (!held) {
      if (!denies) not_held.push_back(ref);
    } else if (denies) {
      if (!deny) deny = ref;  // the first deny in file order decides; any deny wins
    } else if (const size_t n = ApplicableWithheld(*ref.rule, type).size();
               !allow || n < allow_withheld) {
      allow = ref;  // strictly fewer withheld: ties keep the earlier rule
      allow_withheld = n;
    }
  }
  if (deny) {
    DecideBy(*deny, d);
    d.reason = "denied: rule " + d.rule + " of " + d.agreement + " denies " + std::string(type) +
               " to " + agency.role;
  } else if (allow) {
    DecideBy(*allow, d);
    d.allowed = true;
    d.purpose = allow->rule->purpose;
    d.lawful_basis = allow->agreement->lawful_basis;
    d.withheld = ApplicableWithheld(*allow->rule, type);
    if (allow->rule->condition == Condition::kLinkedCase) {
      const auto& cases = facts.linked_cases.at(agency.id);
      d.linked_cases.assign(cases.begin(), cases.end());
    }
    d.reason = "allowed by rule " + d.rule + " of agreement " + d.agreement + " v" +
               d.agreement_version + " (" + HeldPhrase(allow->rule->condition, d.linked_cases) +
               ")";
  } else {
    d.reason = NothingHeld(type, agency, not_held);
  }
  return d;
}

Evaluation Policy::Evaluate(const config::Agency& publisher, std::string_view type,
                            const CaseFacts& facts, const UrgentDisclosure* urgent) const {
  Evaluation evaluation;
  for (const auto& agency : agencies_) {
    if (agency.id != publisher.id) evaluation.agencies.push_back(Decide(agency, type, facts));
  }
  if (urgent != nullptr) {
    evaluation.urgent_status = ApplyUrgent(*this, publisher, type, *urgent, evaluation);
  }
  return evaluation;
}

}  // namespace safeshare::policy
