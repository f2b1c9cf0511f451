#include "broker/policy/sharing_policy.h"

#include <algorithm>

namespace safeshare::policy {

SharingPolicy::SharingPolicy(std::vector<config::Agency> agencies,
                             std::vector<config::SharingRule> rules)
    : agencies_(std::move(agencies)), rules_(std::move(rules)) {
  for (const auto& rule : rules_) {
    for (const auto& publisher : rule.publishers) {
      for (const auto& recipient : rule.recipients) {
        by_key_.try_emplace(Key{rule.type, publisher, recipient}, &rule);
      }
    }
  }
}

absl::Status SharingPolicy::MayPublish(std::string_view publisher_role, std::string_view type) const {
  const bool allowed = std::any_of(rules_.begin(), rules_.end(), [&](const config::SharingRule& r) {
    return r.type == type &&
           std::find(r.publishers.begin(), r.publishers.end(), publisher_role) != r.publishers.end();
  });
  if (allowed) return absl::OkStatus();
  return absl::PermissionDeniedError("no sharing rule lets role '" + std::string(publisher_role) +
                                     "' publish " + std::string(type) +
                                     "; ask the partnership's information governance lead");
}

const config::SharingRule* SharingPolicy::RecipientRule(std::string_view type,
                                                        std::string_view publisher_role,
                                                        std::string_view recipient_role) const {
  auto it = by_key_.find(Key{type, publisher_role, recipient_role});
  return it == by_key_.end() ? nullptr : it->second;
}

}  // namespace safeshare::policy
