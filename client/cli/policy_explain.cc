// `safeshare policy explain`: the broker's decision for one notification
// file, computed offline from the agreements and the broker config.
#include <algorithm>
#include <cctype>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "broker/config/broker_config.h"
#include "broker/core/person_key.h"
#include "broker/policy/agreements.h"
#include "exit_code.h"
#include "policy_command.h"
#include "policy_report.h"
#include "safeshare/client/notification_json.h"

namespace safeshare::cli {
namespace {

namespace fs = std::filesystem;

fs::path DefaultConfig(const std::string& agreements) {
  fs::path dir = fs::path(agreements).lexically_normal();
  if (!dir.has_filename()) dir = dir.parent_path();  // "config/agreements/"
  return dir.parent_path() / "broker.yaml";
}

absl::StatusOr<const config::Agency*> KnownAgency(const policy::Policy& policy,
                                                  const std::string& id, const std::string& flag) {
  if (const auto* agency = policy.FindAgency(AgencyId(id))) return agency;
  std::vector<std::string> ids;
  for (const auto& a : policy.agencies()) ids.push_back(a.id.value());
  return absl::InvalidArgumentError(flag + ": no agency '" + id + "' in the broker config; " +
                                    "expected one of " + absl::StrJoin(ids, ", "));
}

// "ndelius_crn" -> "IDENTIFIER_SCHEME_NDELIUS_CRN", if it names a scheme.
absl::StatusOr<std::string> SchemeName(const std::string& scheme) {
  std::string full = "IDENTIFIER_SCHEME_";
  for (const char c : scheme)
    full += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  v1::IdentifierScheme value = v1::IDENTIFIER_SCHEME_UNSPECIFIED;
  if (v1::IdentifierScheme_Parse(full, &value) && value != v1::IDENTIFIER_SCHEME_UNSPECIFIED) {
    return full;
  }
  return absl::InvalidArgumentError("--interest: unknown scheme '" + scheme +
                                    "'; expected ndelius_crn, pnc_number, nhs_number, "
                                    "local_authority or police_local");
}

// --interest AGENCY:SCHEME:VALUE holds when the notification names that
// identifier (values compared as the broker's person key normalises them).
absl::Status AddInterest(const policy::Policy& policy, const std::string& flag,
                         const v1::Notification& n, policy::CaseFacts& facts) {
  const std::vector<std::string> parts = absl::StrSplit(flag, absl::MaxSplits(':', 2));
  if (parts.size() != 3 || parts[2].empty()) {
    return absl::InvalidArgumentError("--interest: expected AGENCY:SCHEME:VALUE");
  }
  auto agency = KnownAgency(policy, parts[0], "--interest");
  if (!agency.ok()) return agency.status();
  auto scheme = SchemeName(parts[1]);
  if (!scheme.ok()) return scheme.status();
  const std::string wanted = PersonKey::Normalise(parts[2]);
  for (const auto& [named_scheme, value] : policy::NamedIdentifiers(n)) {
    if (named_scheme == *scheme && PersonKey::Normalise(value) == wanted) {
      facts.person_interest.insert((*agency)->id);
      return absl::OkStatus();
    }
  }
  std::cerr << "note: the notification does not name the " << parts[1] << " of " << parts[0]
            << "'s --interest, so that interest does not apply\n";
  return absl::OkStatus();
}

absl::Status AddLinked(const policy::Policy& policy, const std::string& flag,
                       policy::CaseFacts& facts) {
  const std::vector<std::string> parts = absl::StrSplit(flag, absl::MaxSplits(':', 1));
  if (parts.size() != 2 || parts[1].empty()) {
    return absl::InvalidArgumentError("--linked: expected AGENCY:CASE");
  }
  auto agency = KnownAgency(policy, parts[0], "--linked");
  if (!agency.ok()) return agency.status();
  facts.linked_cases[(*agency)->id].insert(CaseRef(parts[1]));
  return absl::OkStatus();
}

absl::StatusOr<policy::CaseFacts> EngagedFacts(const policy::Policy& policy,
                                               const PolicyExplainFlags& flags) {
  policy::CaseFacts facts{.case_closed = flags.closed};
  for (const auto& id : flags.engaged) {
    auto agency = KnownAgency(policy, id, "--engaged");
    if (!agency.ok()) return agency.status();
    facts.engaged.insert((*agency)->id);
  }
  return facts;
}

// As the broker decides: minutes engage their publisher, attendees and
// action owners with the case before they are decided.
absl::StatusOr<policy::CaseFacts> Facts(const policy::Policy& policy,
                                        const PolicyExplainFlags& flags, const v1::Notification& n,
                                        const AgencyId& publisher) {
  auto facts = EngagedFacts(policy, flags);
  if (!facts.ok()) return facts;
  for (const auto& agency : policy::EngagedByMinutes(policy.agencies(), publisher, n)) {
    facts->engaged.insert(agency);
  }
  for (const auto& flag : flags.interests) {
    if (auto status = AddInterest(policy, flag, n, *facts); !status.ok()) return status;
  }
  for (const auto& flag : flags.linked) {
    if (auto status = AddLinked(policy, flag, *facts); !status.ok()) return status;
  }
  return facts;
}

absl::StatusOr<policy::Policy> LoadPolicy(const PolicyExplainFlags& flags) {
  auto set = policy::LoadAgreements(flags.agreements, TodayUtc());
  if (!set.ok()) return set.status();
  for (const auto& warning : set->warnings) std::cerr << "warning: " << warning << '\n';
  const fs::path config_file =
      flags.config.empty() ? DefaultConfig(flags.agreements) : fs::path(flags.config);
  auto config = config::LoadBrokerConfig(config_file);
  if (!config.ok()) return config.status();
  return policy::Policy(*std::move(set), config->agencies, config->urgent_disclosure.barred_roles);
}

// The payload's field name, which is the notification type.
absl::StatusOr<std::string> TypeOf(const v1::Notification& n, const std::string& file) {
  const auto* payload = v1::Notification::descriptor()->FindOneofByName("payload");
  const auto* field = n.GetReflection()->GetOneofFieldDescriptor(n, payload);
  if (field == nullptr)
    return absl::InvalidArgumentError(file + ": the notification has no payload");
  return field->name();
}

}  // namespace

int RunPolicyExplain(const PolicyExplainFlags& flags) {
  auto policy = LoadPolicy(flags);
  if (!policy.ok()) return Fail(kExitUsage, policy.status().message());
  auto notification = client::ReadNotificationFile(flags.notification);
  if (!notification.ok()) return Fail(kExitUsage, notification.status().message());
  auto type = TypeOf(*notification, flags.notification);
  if (!type.ok()) return Fail(kExitUsage, type.status().message());
  auto publisher = KnownAgency(*policy, flags.publisher, "--publisher");
  if (!publisher.ok()) return Fail(kExitUsage, publisher.status().message());
  auto facts = Facts(*policy, flags, *notification, (*publisher)->id);
  if (!facts.ok()) return Fail(kExitUsage, facts.status().message());

  Explanation e{.policy_version = policy->version(),
                .type = *type,
                .publisher = *publisher,
                .case_closed = flags.closed,
                .may_publish = policy->MayPublish((*publisher)->role, *type),
                .evaluation = policy->Evaluate(**publisher, *type, *facts)};
  if (flags.json) {
    PrintJson(e, std::cout);
  } else {
    PrintText(e, std::cout);
  }
  std::cout << std::flush;
  return kExitOk;
}

}  // namespace safeshare::cli
