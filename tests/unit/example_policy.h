#pragma once

// The example agreements of config/agreements with the development broker's
// agencies (police, cfs, probation, health, education, ig) and its
// urgent_disclosure settings, loaded once per test binary.
#include <initializer_list>
#include <set>
#include <stdexcept>
#include <string>

#include <gtest/gtest.h>

#include "broker/config/broker_config.h"
#include "broker/policy/agreements.h"

namespace safeshare::policy::testing {

constexpr char kToday[] = "2026-11-30";  // before every example review date

inline const Policy& Example() {
  static const Policy* const policy = [] {
    auto config = config::LoadBrokerConfig(SAFESHARE_SOURCE_DIR "/config/broker.yaml");
    auto set = LoadAgreements(SAFESHARE_SOURCE_DIR "/config/agreements", kToday);
    if (!config.ok() || !set.ok()) {
      ADD_FAILURE() << config.status() << " / " << set.status();
      return new Policy(AgreementSet{}, {}, {});
    }
    return new Policy(*std::move(set), config->agencies, config->urgent_disclosure.barred_roles);
  }();
  return *policy;
}

inline const config::Agency& Agency(const std::string& id) {
  const auto* agency = Example().FindAgency(AgencyId(id));
  if (agency == nullptr) throw std::invalid_argument("no agency " + id + " in config/broker.yaml");
  return *agency;
}

inline std::set<AgencyId> Ids(std::initializer_list<const char*> ids) {
  std::set<AgencyId> out;
  for (const char* id : ids) out.emplace(id);
  return out;
}

}  // namespace safeshare::policy::testing
