// `safeshare policy check` and the registration of both policy commands.
#include <iostream>
#include <string>

#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "broker/policy/agreements.h"
#include "exit_code.h"
#include "policy_command.h"

namespace safeshare::cli {
namespace {

std::string OrDash(const std::vector<std::string>& items) {
  return items.empty() ? "-" : absl::StrJoin(items, ", ");
}

void PrintRule(const policy::ShareRule& rule) {
  const bool deny = rule.effect == policy::Effect::kDeny;
  std::cout << "  " << rule.id << " (line " << rule.line << "): " << (deny ? "deny " : "allow ")
            << absl::StrJoin(rule.types, ", ") << " to " << absl::StrJoin(rule.recipients, ", ")
            << " when " << policy::ConditionName(rule.condition);
  if (!deny) {
    std::vector<std::string> withheld;
    for (const auto& path : rule.withheld) withheld.push_back(path.text);
    std::cout << "; purpose " << rule.purpose << "; withheld: " << OrDash(withheld);
  }
  std::cout << '\n';
}

void PrintAgreement(const policy::Agreement& a) {
  std::cout << a.id << " v" << a.version << " (" << a.file.filename().string() << "): " << a.title
            << '\n'
            << "  parties: " << absl::StrJoin(a.parties, ", ") << "; lawful basis "
            << a.lawful_basis << "; review by " << a.review_date << '\n';
  for (const auto& [role, types] : a.publish) {
    std::cout << "  " << role << " may publish " << absl::StrJoin(types, ", ") << '\n';
  }
  std::cout << "  manage_cases: " << OrDash(a.manage_cases)
            << "; register_interests: " << OrDash(a.register_interests) << '\n';
  for (const auto& rule : a.rules) PrintRule(rule);
  for (const auto& [type, periods] : a.retention) {
    std::cout << "  retention of " << type << ": " << config::PeriodText(periods.acknowledged)
              << " after every recipient acknowledged it, "
              << config::PeriodText(periods.unacknowledged) << " while one has not\n";
  }
}

}  // namespace

std::string TodayUtc() { return absl::FormatTime("%Y-%m-%d", absl::Now(), absl::UTCTimeZone()); }

PolicyCommands AddPolicyCommands(CLI::App& app, PolicyCheckFlags& check,
                                 PolicyExplainFlags& explain) {
  CLI::App* policy = app.add_subcommand(
      "policy", "check information-sharing agreements and explain decisions (offline)");
  policy->require_subcommand(1);
  CLI::App* check_command =
      policy->add_subcommand("check", "validate and print the agreements of a directory");
  check_command->add_option("DIR", check.dir, "agreements directory")->required();
  check_command->add_option("--today", check.today,
                            "YYYY-MM-DD deciding which review dates are past (default: today)");
  CLI::App* explain_command = policy->add_subcommand(
      "explain", "decide one notification file for every agency, with the reasons");
  explain_command->add_option("--agreements", explain.agreements, "agreements directory")
      ->required();
  explain_command->add_option("--notification", explain.notification, "notification JSON")
      ->required();
  explain_command->add_option("--publisher", explain.publisher, "publishing agency id")->required();
  explain_command->add_option("--config", explain.config,
                              "broker config naming the agencies (default: broker.yaml in the "
                              "agreements directory's parent)");
  explain_command->add_option("--engaged", explain.engaged, "agencies engaged with the case")
      ->delimiter(',');
  explain_command->add_option("--interest", explain.interests,
                              "AGENCY:SCHEME:VALUE, e.g. probation:ndelius_crn:X123456");
  explain_command->add_option("--linked", explain.linked,
                              "AGENCY:CASE: the agency is engaged with CASE, on which a person "
                              "named in the notification was named");
  explain_command->add_flag("--closed", explain.closed, "the notification's case is closed");
  explain_command->add_flag("--json", explain.json, "print one JSON object");
  return {check_command, explain_command};
}

int RunPolicyCheck(const PolicyCheckFlags& flags) {
  const std::string today = flags.today.empty() ? TodayUtc() : flags.today;
  auto set = policy::LoadAgreements(flags.dir, today);
  if (!set.ok()) return Fail(kExitUsage, set.status().message());
  for (const auto& agreement : set->agreements) PrintAgreement(agreement);
  std::cout << "version: " << set->version << '\n';
  for (const auto& warning : set->warnings) std::cerr << "warning: " << warning << '\n';
  std::cout << std::flush;
  return kExitOk;
}

}  // namespace safeshare::cli
