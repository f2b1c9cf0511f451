#pragma once

#include <array>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <google/protobuf/descriptor.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "broker/config/broker_config.h"
#include "broker/core/strong_id.h"
#include "broker/policy/working_calendar.h"
#include "safeshare/v1/broker.pb.h"

// The partnership's information-sharing agreements, one YAML file each under
// the directory the broker config names (`agreements:`), and their
// evaluation against one notification. See broker/policy/README.md for the
// file format.
namespace safeshare::policy {

// When a share rule applies to a recipient agency.
enum class Condition {
  kAlways,          // `always`
  kEngaged,         // `engaged`: the recipient is engaged with the notification's case
  kPersonInterest,  // `person_interest`: it holds an interest in a person named anywhere in it
  kLinkedCase,      // `linked_case`: it is engaged with another case (open or closed) on which
                    // a person named in the notification has been named before
};
std::string_view ConditionName(Condition c);

enum class Effect { kAllow, kDeny };

// A protobuf field path from safeshare.v1.Notification, e.g.
// "strategy_minutes.decisions.rationale". A path through a repeated message
// field applies to every element. Validated against the descriptors at load.
struct FieldPath {
  std::string text;
  std::vector<const google::protobuf::FieldDescriptor*> fields;  // root to leaf
};

struct ShareRule {
  std::string id;  // unique across the whole agreement set
  Effect effect = Effect::kAllow;
  std::vector<std::string> types;       // kNotificationTypes
  std::vector<std::string> recipients;  // agency roles (kAgencyRoles)
  Condition condition = Condition::kAlways;
  // The full v1::Purpose value name, e.g. "PURPOSE_STRATEGY_DISCUSSION"
  // (written `strategy_discussion` in the file); empty for deny rules.
  std::string purpose;
  // Sorted by text; empty for deny rules. A path into a payload applies only
  // to notifications of that type (a rule may name several types).
  std::vector<FieldPath> withheld;
  int line = 0;  // where the rule starts in its file
};

// How soon recipients of `roles` must acknowledge notifications of `types`
// (`deadlines:` of an agreement). One not acknowledged within
// `acknowledge_within` of being routed is escalated to the recipient and the
// publisher; still not acknowledged `escalate_after` later, to the
// partnership's safeguarding lead.
struct DeadlineRule {
  std::string id;                       // unique across the whole agreement set, like rule ids
  std::vector<std::string> types;       // kNotificationTypes
  std::vector<std::string> recipients;  // agency roles
  DeadlinePeriod acknowledge_within;
  DeadlinePeriod escalate_after;
  int line = 0;

  // "acknowledge within 1 working day, then 2 working days to the
  // safeguarding lead"
  std::string Text() const;
};

// What opens an expectation (`when:` of an agreement's `expectations:`).
enum class Trigger {
  kSection47Decided,      // `section_47_decided`: strategy minutes deciding a section 47 enquiry
  kInvestigationClosed,   // `investigation_closed`: an investigation outcome with a closing status
  kRiskUpdateOnOpenCase,  // `risk_update_on_open_case`: a probation risk update on an open case
};
std::string_view TriggerName(Trigger t);
// The notification type each trigger is about.
std::string_view TriggerType(Trigger t);

// A notification that opens an expectation of another (`expectations:`):
// once `when` happens on a case, a notification of type `expect` from an
// agency of role `from` is due on that case `within` (working days or a
// period after the opening one was routed) or, for `within:
// follow_up_discussion_due`, by the end of the outcome's
// follow_up_discussion_due date. Not met by then, it is escalated like an
// unacknowledged delivery (to the agencies of `from` and the opening
// publisher, then `escalate_after` later to the safeguarding lead).
struct ExpectationRule {
  std::string id;  // unique across the whole agreement set, like rule ids
  Trigger when = Trigger::kSection47Decided;
  std::string expect;                    // a notification type
  std::string from;                      // an agency role, a party
  std::optional<DeadlinePeriod> within;  // none: the outcome's follow_up_discussion_due
  DeadlinePeriod escalate_after;
  int line = 0;

  // "a section 47 enquiry decided: investigation_outcome from police within
  // 20 working days"
  std::string Text() const;
};

struct Agreement {
  std::string id;
  std::string title;
  std::string version;
  std::vector<std::string> parties;                         // agency roles
  std::string lawful_basis;                                 // kLawfulBases
  std::string review_date;                                  // YYYY-MM-DD
  std::map<std::string, std::vector<std::string>> publish;  // role -> notification types
  std::vector<std::string> manage_cases;        // roles that may record engagement, close/reopen
  std::vector<std::string> register_interests;  // roles that may register person interests
  std::vector<ShareRule> rules;
  // How long the broker keeps the content of each type (`retention:`); only
  // for types the agreement publishes or shares.
  std::map<std::string, config::RetentionPeriods> retention;
  // At most one deadline per (type, recipient role) across the whole set.
  std::vector<DeadlineRule> deadlines;
  std::vector<ExpectationRule> expectations;
  std::filesystem::path file;
};

// The deadline for one recipient of one notification, with where it is set.
struct Deadline {
  const Agreement* agreement = nullptr;  // points into the Policy
  const DeadlineRule* rule = nullptr;

  std::string AgreementName() const { return agreement->id + " v" + agreement->version; }
};

// The periods a notification type's content is kept for, and where each
// comes from: the agreements that set that (longest) period, e.g.
// "ISA-PCI-01 v3", or "broker config".
struct RetentionRule {
  config::RetentionPeriods periods;
  std::string acknowledged_source;
  std::string unacknowledged_source;
};

// A loaded, validated set: immutable, shared by every publish decided under it.
struct AgreementSet {
  std::vector<Agreement> agreements;  // in file-name order
  // "<id>@<version>,..." + " sha256:<first 16 hex of the hash of every file's
  // name and bytes>": names the policy in the audit log and in reload lines.
  std::string version;
  std::vector<std::string> warnings;  // e.g. a past review date, naming file and line
};

// Loads every *.yaml / *.yml file of `dir`. Errors read "FILE:LINE: KEY:
// problem" (the first one found); `today` (YYYY-MM-DD) decides which review
// dates are past.
absl::StatusOr<AgreementSet> LoadAgreements(const std::filesystem::path& dir,
                                            std::string_view today);

// What the broker knows of the case and the people named in a notification
// when it decides. Agencies by id.
struct CaseFacts {
  bool case_closed = false;
  std::set<AgencyId> engaged;          // with the notification's case (history kept when closed)
  std::set<AgencyId> person_interest;  // hold an interest in a person named in it
  // Agencies engaged with other cases on which a person named in the
  // notification was named before, with those cases.
  std::map<AgencyId, std::set<CaseRef>> linked_cases;
};

// The envelope fields a rule may not withhold: a recipient needs them to
// file, acknowledge and deduplicate what it receives (notification_id,
// idempotency_key, case_ref, publisher) and to handle it at the right
// security marking (classification).
inline constexpr std::array<std::string_view, 5> kKeptFields = {
    "notification_id", "idempotency_key", "case_ref", "publisher", "classification"};

// Parses and validates a withheld path against safeshare.v1.Notification;
// on error, the problem (without file or line), e.g. "unknown field 'x' in
// safeshare.v1.Decision".
absl::StatusOr<FieldPath> ParseFieldPath(std::string_view text);

// True when `path` can apply to a notification of `type`: it starts at an
// envelope field or at the `type` payload.
bool AppliesTo(const FieldPath& path, std::string_view type);

// A publisher's request to disclose to one agency outside every agreement.
struct UrgentDisclosure {
  AgencyId recipient;
  std::string reason;
};

// The decision for one agency of the partnership, with the reasoning.
struct AgencyDecision {
  AgencyId agency;
  std::string role;
  bool allowed = false;
  bool urgent = false;  // allowed only as an urgent disclosure (no rule)
  // When a rule decided (allowed, or denied by an explicit deny rule;
  // purpose, lawful_basis and withheld only when allowed):
  std::string agreement;  // id
  std::string agreement_version;
  std::string rule;
  const ShareRule* deciding_rule = nullptr;  // points into the Policy; null unless a rule decided
  std::string purpose;
  std::string lawful_basis;
  // Field path texts, sorted: the deciding rule's paths that apply to this
  // notification type.
  std::vector<std::string> withheld;
  std::vector<CaseRef> linked_cases;  // for kLinkedCase: the cases that made it apply
  // Always: one sentence why (the deciding rule, or why nothing applied),
  // naming rules, roles and conditions, never content.
  std::string reason;
  // Every rule that named this type and role, and whether its condition held.
  std::vector<std::string> trace;
};

struct Evaluation {
  std::vector<AgencyDecision> agencies;  // every agency but the publisher, in config order
  // OK without an urgent disclosure. With one: INVALID_ARGUMENT (unknown
  // recipient, the publisher itself, empty or over-long reason),
  // PERMISSION_DENIED (the publisher's role is barred, or an explicit deny
  // rule covers the recipient: deny wins here too), FAILED_PRECONDITION (a
  // rule already allows the recipient: publish without the disclosure).
  // Messages name the field (urgent_disclosure.recipient / .reason) and the
  // rule, never the reason text.
  absl::Status urgent_status;
};

// The agreements with everything a decision needs, precomputed. Immutable;
// thread-safe.
class Policy {
 public:
  Policy(AgreementSet set, std::vector<config::Agency> agencies,
         std::vector<std::string> urgent_barred_roles);

  // OK when an agreement lets `role` publish `type`; else PERMISSION_DENIED
  // naming the role and type and saying who to ask.
  absl::Status MayPublish(std::string_view role, std::string_view type) const;
  // OK when an agreement lets `role` record case engagement / person
  // interests; else PERMISSION_DENIED.
  absl::Status MayManageCases(std::string_view role) const;
  absl::Status MayRegisterInterests(std::string_view role) const;
  // OK unless the broker config bars `role` from urgent disclosures.
  absl::Status MayDiscloseUrgently(std::string_view role) const;

  // Decides every agency but the publisher. Deny by default; a deny rule
  // whose condition holds wins over every allow. Among allowing rules the
  // one withholding fewest fields decides (ties: file order, then rule
  // order). `urgent`, when given and valid (see Evaluation::urgent_status),
  // allows its recipient, denied by default, with nothing withheld and
  // urgent = true.
  Evaluation Evaluate(const config::Agency& publisher, std::string_view type,
                      const CaseFacts& facts, const UrgentDisclosure* urgent = nullptr) const;

  // True when some rule for `type` has `condition`: the caller need not
  // work out facts no rule asks for (linked cases cost a walk over every
  // case a named person was named on).
  bool AnyRuleFor(std::string_view type, Condition condition) const;

  // How long `type`'s content is kept: each period the longest any
  // agreement sets for it (a share under one agreement still needs what
  // another would let go), named by the agreements that set it that long;
  // else `fallback` (the broker config's `retention:`, named "broker
  // config"); else none: kept.
  std::optional<RetentionRule> RetentionFor(
      std::string_view type, const std::optional<config::RetentionPeriods>& fallback) const;

  // The deadline a recipient of `role` has for notifications of `type`,
  // if an agreement sets one.
  std::optional<Deadline> DeadlineFor(std::string_view type, std::string_view role) const;
  bool HasDeadlines() const;
  // The expectation rules `n` opens (their trigger holds: see Trigger), in
  // file order, with the agreement each belongs to. `case_open`: whether
  // n's case is open (it is opened by n when new).
  struct ExpectationRef {
    const Agreement* agreement = nullptr;  // points into the Policy
    const ExpectationRule* rule = nullptr;
  };
  std::vector<ExpectationRef> ExpectationsOpenedBy(const v1::Notification& n, bool case_open) const;
  // The rule with id `id` (nulls when there is none).
  ExpectationRef FindExpectation(std::string_view id) const;

  const AgreementSet& set() const { return set_; }
  const std::string& version() const { return set_.version; }
  const std::vector<config::Agency>& agencies() const { return agencies_; }
  const config::Agency* FindAgency(const AgencyId& id) const;

  // A rule with the agreement it belongs to (pointers into this Policy).
  struct RuleRef {
    const Agreement* agreement = nullptr;
    const ShareRule* rule = nullptr;
  };
  // The rule with id `rule_id`, or nulls when there is none.
  RuleRef FindRule(std::string_view rule_id) const;

 private:
  // Rule positions: (agreement index, rule index), so copies stay valid.
  using Position = std::pair<size_t, size_t>;

  RuleRef At(Position p) const;
  AgencyDecision Decide(const config::Agency& agency, std::string_view type,
                        const CaseFacts& facts) const;

  AgreementSet set_;
  std::vector<config::Agency> agencies_;
  std::vector<std::string> urgent_barred_roles_;
  // (type, recipient role) -> rules naming both, in file then rule order.
  std::map<std::pair<std::string, std::string>, std::vector<Position>, std::less<>> by_type_role_;
  std::map<std::string, Position, std::less<>> by_rule_id_;
};

// A contract enum value name as config and agreements write it: without
// `prefix`, lower case ("AGENCY_ROLE_HEALTH", "AGENCY_ROLE_" -> "health").
std::string ConfigName(std::string enum_name, std::string_view prefix);

// The agencies published strategy minutes engage with their case: the
// publisher, and every agency whose role attended or owns an action. Empty
// for other notification types. The broker records them and decides the
// minutes with them engaged; `explain` does the same.
std::vector<AgencyId> EngagedByMinutes(const std::vector<config::Agency>& agencies,
                                       const AgencyId& publisher, const v1::Notification& n);

// `full` with every field of `withheld` cleared, by reflection (through
// repeated fields, every element). Not per-type code.
void Withhold(const std::vector<FieldPath>& withheld, v1::Notification& full);

// Every PersonIdentifier anywhere in the notification (children, persons of
// concern, payloads), by reflection: (scheme value name, value), de-duplicated.
std::vector<std::pair<std::string, std::string>> NamedIdentifiers(const v1::Notification& n);

}  // namespace safeshare::policy
