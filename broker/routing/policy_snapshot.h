#pragma once

#include "broker/core/snapshot.h"
#include "broker/policy/agreements.h"

namespace safeshare::routing {

// The agreements in force: one immutable policy::Policy, replaced whole on
// reload, so each publish is decided under one version (recorded with it).
using PolicyHolder = SnapshotHolder<policy::Policy>;

}  // namespace safeshare::routing
