#pragma once

#include <map>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "absl/status/status.h"
#include "broker/config/broker_config.h"

namespace safeshare::policy {

// The partnership's sharing table: which agency roles may publish which
// notification types, and to which recipient roles, under which rule and
// lawful basis. Deny by default: a combination no rule names is refused.
// Immutable after construction; safe to share between threads.
class SharingPolicy {
 public:
  SharingPolicy(std::vector<config::Agency> agencies, std::vector<config::SharingRule> rules);

  // OK when some rule lets `publisher_role` publish `type`, else
  // PERMISSION_DENIED naming the role and type.
  absl::Status MayPublish(std::string_view publisher_role, std::string_view type) const;

  // The first rule that lets `publisher_role` share `type` with
  // `recipient_role`, or nullptr when none does.
  const config::SharingRule* RecipientRule(std::string_view type, std::string_view publisher_role,
                                           std::string_view recipient_role) const;

  const std::vector<config::Agency>& agencies() const { return agencies_; }

 private:
  using Key = std::tuple<std::string, std::string, std::string>;  // type, publisher, recipient

  std::vector<config::Agency> agencies_;
  std::vector<config::SharingRule> rules_;
  std::map<Key, size_t, std::less<>> by_key_;  // index into rules_, so copies stay valid
};

}  // namespace safeshare::policy
