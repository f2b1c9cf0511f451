#pragma once

#include "absl/status/status.h"
#include "safeshare/v1/broker.pb.h"

namespace safeshare::schema {

// The rules of each typed payload, drawn from the practice reviews
// (listed in broker/schema/README.md). Each takes the whole notification because some
// rules refer to the envelope (a child_ref must name a child considered).
absl::Status CheckStrategyMinutes(const v1::Notification& n);
absl::Status CheckAbeInterviewRecord(const v1::Notification& n);
absl::Status CheckInvestigationOutcome(const v1::Notification& n);
absl::Status CheckProbationRiskUpdate(const v1::Notification& n);

}  // namespace safeshare::schema
