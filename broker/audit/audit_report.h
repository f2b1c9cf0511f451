#pragma once

#include <string>
#include <vector>

#include "broker/audit/audit_entry.h"

namespace safeshare::audit {

// The audit trail as a fixed-width text table for an operator's terminal:
// time, action, actor, recipient, case, rule, lawful basis, notification and
// detail, and under each entry one row per line (its outcome, agency, case,
// rule, lawful basis, notification, then sequence, agreement, purpose and
// detail). Metadata only, as stored.
std::string FormatTable(const std::vector<Entry>& entries);

// "2026-11-22T09:15:02.123Z" for UTC microseconds since the epoch.
std::string FormatTime(int64_t micros);

}  // namespace safeshare::audit
