// LoadAgreements: the agreement files of a directory, read and validated in
// file-name order, with the version string that names the set.
#include <algorithm>
#include <cctype>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <system_error>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/civil_time.h"
#include "broker/config/yaml_reader.h"
#include "broker/core/sha256.h"
#include "broker/core/vocabulary.h"
#include "broker/policy/agreements.h"

namespace safeshare::policy {
namespace {

using config::YamlReader;
namespace fs = std::filesystem;

constexpr std::array<std::string_view, 4> kConditionNames = {"always", "engaged", "person_interest",
                                                             "linked_case"};

// Where each agreement and rule id was first defined ("FILE:LINE"), to name
// both places when one is defined twice.
struct SeenIds {
  std::map<std::string, std::string, std::less<>> agreements;
  std::map<std::string, std::string, std::less<>> rules;  // share and deadline rules
  // "TYPE to ROLE" -> where its deadline was set: one deadline each.
  std::map<std::string, std::string, std::less<>> deadlines;
};

std::string Where(const YamlReader& node, const fs::path& file) {
  return file.string() + ":" + std::to_string(node.Line());
}

void RequireUnique(std::map<std::string, std::string, std::less<>>& seen, const std::string& id,
                   const YamlReader& node, const fs::path& file, const std::string& what) {
  const auto [it, inserted] = seen.emplace(id, Where(node, file));
  if (!inserted) node.Fail("duplicate " + what + " id '" + id + "' (first at " + it->second + ")");
}

// YYYY-MM-DD naming a real day.
bool IsDate(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return false;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (std::isdigit(static_cast<unsigned char>(text[i])) == 0) return false;
  }
  const auto number = [&](size_t from, size_t length) {
    return std::stoi(std::string(text.substr(from, length)));
  };
  const int year = number(0, 4), month = number(5, 2), day = number(8, 2);
  const absl::CivilDay civil(year, month, day);  // normalises 2025-02-30 to 2025-03-02
  return civil.year() == year && civil.month() == month && civil.day() == day;
}

bool Contains(const std::vector<std::string>& list, const std::string& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

// A role that is a party to the agreement: an agreement binds only its parties.
std::string PartyRole(const YamlReader& node, const std::vector<std::string>& parties) {
  auto role = node.OneOf(kAgencyRoles);
  if (std::find(parties.begin(), parties.end(), role) == parties.end()) {
    node.Fail("role '" + role + "' is not a party to this agreement; add it to parties");
  }
  return role;
}

std::vector<std::string> PartyRoles(const YamlReader& list,
                                    const std::vector<std::string>& parties) {
  std::vector<std::string> roles;
  for (const auto& item : list.Sequence()) roles.push_back(PartyRole(item, parties));
  if (roles.empty()) list.Fail("list must not be empty");
  return roles;
}

Condition ReadCondition(const YamlReader& node) {
  const auto name = node.OneOf(kConditionNames);
  for (const auto c : {Condition::kAlways, Condition::kEngaged, Condition::kPersonInterest,
                       Condition::kLinkedCase}) {
    if (ConditionName(c) == name) return c;
  }
  node.Fail("unknown condition");  // unreachable: OneOf checked the name
}

// `strategy_discussion` -> "PURPOSE_STRATEGY_DISCUSSION".
std::string ReadPurpose(const YamlReader& node) {
  const auto name = node.String();
  std::string full = "PURPOSE_";
  bool lower = true;
  for (const char c : name) {
    lower = lower && (std::islower(static_cast<unsigned char>(c)) != 0 || c == '_');
    full += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  v1::Purpose purpose = v1::PURPOSE_UNSPECIFIED;
  // Escalation is the broker's own purpose: no rule shares for it.
  if (!lower || !v1::Purpose_Parse(full, &purpose) || purpose == v1::PURPOSE_UNSPECIFIED ||
      purpose == v1::PURPOSE_ESCALATION) {
    std::vector<std::string> choices;
    const auto* values = v1::Purpose_descriptor();
    for (int i = 1; i < values->value_count(); ++i) {
      if (values->value(i)->number() == v1::PURPOSE_ESCALATION) continue;
      std::string choice = values->value(i)->name().substr(std::string_view("PURPOSE_").size());
      std::transform(choice.begin(), choice.end(), choice.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      choices.push_back(std::move(choice));
    }
    node.Fail("unknown purpose '" + name + "'; expected one of " + absl::StrJoin(choices, ", "));
  }
  return full;
}

std::vector<FieldPath> ReadWithheld(const YamlReader& list, const std::vector<std::string>& types) {
  std::vector<FieldPath> paths;
  for (const auto& item : list.Sequence()) {
    auto path = ParseFieldPath(item.String());
    if (!path.ok()) item.Fail(std::string(path.status().message()));
    if (std::none_of(types.begin(), types.end(),
                     [&](const std::string& type) { return AppliesTo(*path, type); })) {
      item.Fail("'" + path->text + "' is inside a payload this rule does not share (types: " +
                absl::StrJoin(types, ", ") + ")");
    }
    if (std::any_of(paths.begin(), paths.end(),
                    [&](const FieldPath& p) { return p.text == path->text; })) {
      item.Fail("'" + path->text + "' is listed twice");
    }
    paths.push_back(*std::move(path));
  }
  std::sort(paths.begin(), paths.end(),
            [](const FieldPath& a, const FieldPath& b) { return a.text < b.text; });
  return paths;
}

void ReadRuleEffect(const YamlReader& item, ShareRule& rule) {
  if (!item.Has("effect")) return;
  rule.effect =
      item.Required("effect").OneOf(std::array<std::string_view, 2>{"allow", "deny"}) == "deny"
          ? Effect::kDeny
          : Effect::kAllow;
}

ShareRule ReadRule(const YamlReader& item, const std::vector<std::string>& parties) {
  item.RejectUnknownKeys(
      {"id", "effect", "types", "recipients", "condition", "purpose", "withheld"});
  ShareRule rule;
  rule.line = item.Line();
  rule.id = item.Required("id").String();
  ReadRuleEffect(item, rule);
  rule.types = item.Required("types").ListOf(kNotificationTypes);
  rule.recipients = PartyRoles(item.Required("recipients"), parties);
  rule.condition = ReadCondition(item.Required("condition"));
  if (rule.effect == Effect::kDeny) {
    if (item.Has("purpose")) item.Required("purpose").Fail("a deny rule shares nothing; remove it");
    if (item.Has("withheld"))
      item.Required("withheld").Fail("a deny rule shares nothing, so withholds nothing; remove it");
    return rule;
  }
  rule.purpose = ReadPurpose(item.Required("purpose"));
  if (item.Has("withheld")) rule.withheld = ReadWithheld(item.Required("withheld"), rule.types);
  return rule;
}

void ReadRights(const YamlReader& root, Agreement& a) {
  if (root.Has("publish")) {
    for (const auto& [key, value] : root.Required("publish").Mapping()) {
      a.publish[PartyRole(key, a.parties)] = value.ListOf(kNotificationTypes);
    }
  }
  if (root.Has("manage_cases"))
    a.manage_cases = PartyRoles(root.Required("manage_cases"), a.parties);
  if (root.Has("register_interests"))
    a.register_interests = PartyRoles(root.Required("register_interests"), a.parties);
}

// `retention: {TYPE: {acknowledged: 90d, unacknowledged: 400d}, ...}`, for
// types the agreement publishes or shares.
void ReadRetention(const YamlReader& node, Agreement& a) {
  for (const auto& [key, value] : node.Mapping()) {
    const auto type = key.OneOf(kNotificationTypes);
    const bool covered = std::any_of(a.publish.begin(), a.publish.end(),
                                     [&](const auto& p) { return Contains(p.second, type); }) ||
                         std::any_of(a.rules.begin(), a.rules.end(),
                                     [&](const ShareRule& r) { return Contains(r.types, type); });
    if (!covered) {
      key.Fail("this agreement neither publishes nor shares " + type +
               "; set its retention in the agreement that does");
    }
    value.RejectUnknownKeys({"acknowledged", "unacknowledged"});
    a.retention[type] = config::ReadRetentionPeriods(value);
  }
}

// "N working day(s)" (1-365) or a Duration ("4h", "30s").
DeadlinePeriod ReadDeadlinePeriod(const YamlReader& node) {
  const std::string text = node.String();
  const size_t space = text.find(' ');
  if (space == std::string::npos) return DeadlinePeriod{0, node.Duration()};
  const std::string count = text.substr(0, space), unit = text.substr(space + 1);
  const bool digits =
      !count.empty() && count.size() <= 3 &&
      std::all_of(count.begin(), count.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
  const int days = digits ? std::stoi(count) : 0;
  if (days < 1 || days > 365 || (unit != "working day" && unit != "working days")) {
    node.Fail(
        "expected a number of working days (\"1 working day\", \"2 working days\", at "
        "most 365) or a period (\"4h\", \"30m\", \"90s\")");
  }
  return DeadlinePeriod{static_cast<uint32_t>(days), {}};
}

// `deadlines:` — for types the agreement publishes or shares, at most one
// per (type, recipient role) in the whole set.
void ReadDeadlines(const YamlReader& list, const fs::path& file, SeenIds& seen, Agreement& a) {
  for (const auto& item : list.Sequence()) {
    item.RejectUnknownKeys({"id", "types", "recipients", "acknowledge_within", "escalate_after"});
    DeadlineRule rule;
    rule.line = item.Line();
    rule.id = item.Required("id").String();
    RequireUnique(seen.rules, rule.id, item.Required("id"), file, "rule");
    rule.types = item.Required("types").ListOf(kNotificationTypes);
    rule.recipients = PartyRoles(item.Required("recipients"), a.parties);
    rule.acknowledge_within = ReadDeadlinePeriod(item.Required("acknowledge_within"));
    rule.escalate_after = ReadDeadlinePeriod(item.Required("escalate_after"));
    for (const auto& type : rule.types) {
      const bool shared = std::any_of(a.rules.begin(), a.rules.end(), [&](const ShareRule& r) {
        return r.effect == Effect::kAllow && Contains(r.types, type);
      });
      if (!shared) {
        item.Required("types").Fail("this agreement shares no " + type +
                                    "; set its deadline in the agreement that does");
      }
      for (const auto& role : rule.recipients) {
        const std::string pair = absl::StrCat(type, " to ", role);
        const auto [it, inserted] = seen.deadlines.emplace(pair, Where(item, file));
        if (!inserted) {
          item.Required("recipients")
              .Fail(absl::StrCat("a deadline for ", pair, " is already set at ", it->second,
                                 "; keep one"));
        }
      }
    }
    a.deadlines.push_back(std::move(rule));
  }
}

constexpr std::array<std::string_view, 3> kTriggerNames = {
    "section_47_decided", "investigation_closed", "risk_update_on_open_case"};

// `expectations:` — ids unique like rules; `from` a party; `within` a
// period, or `follow_up_discussion_due` for investigation_closed.
void ReadExpectations(const YamlReader& list, const fs::path& file, SeenIds& seen, Agreement& a) {
  for (const auto& item : list.Sequence()) {
    item.RejectUnknownKeys({"id", "when", "expect", "from", "within", "escalate_after"});
    ExpectationRule rule;
    rule.line = item.Line();
    rule.id = item.Required("id").String();
    RequireUnique(seen.rules, rule.id, item.Required("id"), file, "rule");
    const auto when = item.Required("when").OneOf(kTriggerNames);
    rule.when = static_cast<Trigger>(std::find(kTriggerNames.begin(), kTriggerNames.end(), when) -
                                     kTriggerNames.begin());
    rule.expect = item.Required("expect").OneOf(kNotificationTypes);
    rule.from = PartyRole(item.Required("from"), a.parties);
    const auto within = item.Required("within");
    if (within.String() == "follow_up_discussion_due") {
      if (rule.when != Trigger::kInvestigationClosed) {
        within.Fail(
            "follow_up_discussion_due is the date of a closing investigation outcome; "
            "use it with when: investigation_closed, or give a period");
      }
    } else {
      rule.within = ReadDeadlinePeriod(within);
    }
    rule.escalate_after = ReadDeadlinePeriod(item.Required("escalate_after"));
    a.expectations.push_back(std::move(rule));
  }
}

Agreement ReadAgreement(const YamlReader& root, const fs::path& file, SeenIds& seen,
                        std::string_view today, std::vector<std::string>& warnings) {
  root.RejectUnknownKeys({"id", "title", "version", "parties", "lawful_basis", "review_date",
                          "publish", "manage_cases", "register_interests", "rules", "retention",
                          "deadlines", "expectations"});
  Agreement a;
  a.file = file;
  a.id = root.Required("id").String();
  RequireUnique(seen.agreements, a.id, root.Required("id"), file, "agreement");
  a.title = root.Required("title").String();
  a.version = root.Required("version").String();
  a.parties = root.Required("parties").ListOf(kAgencyRoles);
  a.lawful_basis = root.Required("lawful_basis").OneOf(kLawfulBases);
  const auto review = root.Required("review_date");
  a.review_date = review.String();
  if (!IsDate(a.review_date))
    review.Fail("expected a date YYYY-MM-DD, got '" + a.review_date + "'");
  if (a.review_date < today) {
    warnings.push_back(Where(review, file) + ": review_date: agreement " + a.id +
                       " was due for review on " + a.review_date + " (today is " +
                       std::string(today) + "); ask its parties to review and re-issue it");
  }
  ReadRights(root, a);
  if (root.Has("rules")) {
    for (const auto& item : root.Required("rules").Sequence()) {
      a.rules.push_back(ReadRule(item, a.parties));
      RequireUnique(seen.rules, a.rules.back().id, item.Required("id"), file, "rule");
    }
  }
  if (root.Has("retention")) ReadRetention(root.Required("retention"), a);
  if (root.Has("deadlines")) ReadDeadlines(root.Required("deadlines"), file, seen, a);
  if (root.Has("expectations")) {
    ReadExpectations(root.Required("expectations"), file, seen, a);
  }
  return a;
}

absl::StatusOr<std::vector<fs::path>> AgreementFiles(const fs::path& dir) {
  std::error_code error;
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir, error)) {
    const auto ext = entry.path().extension();
    if (entry.is_regular_file() && (ext == ".yaml" || ext == ".yml")) files.push_back(entry.path());
  }
  if (error) {
    return absl::NotFoundError(dir.string() +
                               ": cannot read the agreements directory: " + error.message());
  }
  if (files.empty()) {
    return absl::InvalidArgumentError(
        dir.string() +
        ": no agreement files (*.yaml, *.yml); without agreements every "
        "notification would be refused");
  }
  std::sort(files.begin(), files.end(),
            [](const fs::path& a, const fs::path& b) { return a.filename() < b.filename(); });
  return files;
}

absl::StatusOr<std::string> ReadBytes(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in.good() && !in.eof()) return absl::NotFoundError(file.string() + ": cannot read it");
  return bytes;
}

}  // namespace

std::string_view ConditionName(Condition c) { return kConditionNames[static_cast<size_t>(c)]; }

absl::StatusOr<AgreementSet> LoadAgreements(const fs::path& dir, std::string_view today) {
  if (!IsDate(today)) return absl::InvalidArgumentError("today must be YYYY-MM-DD");
  const auto files = AgreementFiles(dir);
  if (!files.ok()) return files.status();
  AgreementSet set;
  SeenIds seen;
  std::string hashed;  // per file: name, byte count, bytes
  std::vector<std::string> names;
  for (const auto& file : *files) {
    const auto bytes = ReadBytes(file);
    if (!bytes.ok()) return bytes.status();
    const absl::Status status = config::ReadYamlDocument(*bytes, file, [&](const YamlReader& root) {
      set.agreements.push_back(ReadAgreement(root, file, seen, today, set.warnings));
    });
    if (!status.ok()) return status;
    hashed += file.filename().string() + "\n" + std::to_string(bytes->size()) + "\n" + *bytes;
    names.push_back(set.agreements.back().id + "@" + set.agreements.back().version);
  }
  set.version = absl::StrJoin(names, ",") + " sha256:" + Sha256Hex(hashed).substr(0, 16);
  return set;
}

}  // namespace safeshare::policy
