#include "broker/policy/sharing_policy.h"

#include <algorithm>

namespace safeshare::policy {

SharingPolicy::SharingPolicy(std::vector<config::Agency> agencies,
                             std::vector<config::SharingRule> rules)
    : agencies_(std::move(agencies)), rules_(std::move(rules)) {
  for (size_t i = 0; i < rules_.size(); ++i) {
    for (const auto& publisher : rules_[i].publishers) {
      for (const auto& recipient : rules_[i].recipients) {
        by_key_.try_emplace(Key{rules_[i].type, publisher, recipient}, i);
      }
    }
  }
}

absl::Status SharingPolicy::MayPublish(std::string_view publisher_role,
                                       std::string_view type) const {
  const bool allowed = std::any_of(rules_.begin(), rules_.end(), [&](const config::SharingRule& r) {
    return r.type == type && std::find(r.publishers.begin(), r.publishers.end(), publisher_role) !=
                                 r.publishers.end();
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
  return it == by_key_.end() ? nullptr : &rules_[it->second];
}

}  // namespace safeshare::policy
