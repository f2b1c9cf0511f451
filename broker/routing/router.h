#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "broker/core/strong_id.h"
#include "broker/policy/sharing_policy.h"

namespace safeshare::routing {

// One recipient of a notification and the rule that allows it.
struct Route {
  AgencyId recipient;
  std::string rule;
  std::string lawful_basis;
};

// Who receives a notification, and which agencies of the partnership do not
// (so a missing recipient is a visible, audited fact, not a silent gap).
struct RoutingDecision {
  std::vector<Route> routes;
  std::vector<AgencyId> withheld;
};

// Turns (publisher, type) into deliveries. In this slice a notification goes
// to every other agency whose role a sharing rule names; decisions are
// computed once at construction. Immutable; thread-safe.
class Router {
 public:
  explicit Router(const policy::SharingPolicy& policy);

  // REQUIRES: policy.MayPublish(role of publisher, type) is OK.
  const RoutingDecision& Decide(const AgencyId& publisher, std::string_view type) const;

 private:
  std::map<std::pair<std::string, std::string>, RoutingDecision, std::less<>> decisions_;
  RoutingDecision nobody_;
};

}  // namespace safeshare::routing
