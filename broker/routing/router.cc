#include "broker/routing/router.h"

#include "broker/core/vocabulary.h"

namespace safeshare::routing {
namespace {

RoutingDecision DecideFor(const policy::SharingPolicy& policy, const config::Agency& publisher,
                          std::string_view type) {
  RoutingDecision decision;
  for (const auto& agency : policy.agencies()) {
    if (agency.id == publisher.id) continue;
    const auto* rule = policy.RecipientRule(type, publisher.role, agency.role);
    if (rule == nullptr) {
      decision.withheld.push_back(agency.id);
    } else {
      decision.routes.push_back(Route{agency.id, rule->id, rule->lawful_basis});
    }
  }
  return decision;
}

}  // namespace

Router::Router(const policy::SharingPolicy& policy) {
  for (const auto& publisher : policy.agencies()) {
    for (auto type : kNotificationTypes) {
      decisions_.emplace(std::pair{publisher.id.value(), std::string(type)},
                         DecideFor(policy, publisher, type));
    }
  }
}

const RoutingDecision& Router::Decide(const AgencyId& publisher, std::string_view type) const {
  auto it = decisions_.find(std::pair{publisher.value(), std::string(type)});
  return it == decisions_.end() ? nobody_ : it->second;
}

}  // namespace safeshare::routing
