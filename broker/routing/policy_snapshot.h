#pragma once

#include <memory>
#include <string>
#include <utility>

#include "broker/core/snapshot.h"
#include "broker/policy/sharing_policy.h"
#include "broker/routing/router.h"

namespace safeshare::routing {

// One version of the partnership's policy with its routing decisions
// precomputed. Immutable: a reload builds a new snapshot and replaces the
// old one whole (PolicyHolder), so one publish is decided under one version.
struct PolicySnapshot {
  PolicySnapshot(policy::SharingPolicy sharing, std::string version)
      : policy(std::move(sharing)), router(policy), version(std::move(version)) {}

  const policy::SharingPolicy policy;
  const Router router;
  const std::string version;  // identifies the policy files it was built from
};

using PolicyHolder = SnapshotHolder<PolicySnapshot>;

inline std::shared_ptr<const PolicySnapshot> MakePolicy(policy::SharingPolicy sharing,
                                                        std::string version) {
  return std::make_shared<const PolicySnapshot>(std::move(sharing), std::move(version));
}

}  // namespace safeshare::routing
