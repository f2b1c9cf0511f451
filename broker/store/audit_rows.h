#pragma once

#include <vector>

#include "absl/status/statusor.h"
#include "broker/audit/audit_entry.h"
#include "broker/store/sql.h"

namespace safeshare::store {

// The audit table's columns in the order AuditEntryFromRow reads them, for
// "SELECT <kAuditColumns> FROM audit ...". Qualified by `a.`, so a query
// joining audit (as `a`) with another table can use them too.
inline constexpr const char* kAuditColumns =
    "a.id,a.at,a.clock_stepped_back_from,a.actor,a.action,a.notification_id,a.case_ref,"
    "a.recipient,a.subscription,a.rule,a.lawful_basis,a.purpose,a.detail,a.content_hash,"
    "a.prev_hash,a.entry_hash,a.version,a.lines";

// The entry in the current row of a statement selecting kAuditColumns.
// DATA_LOSS naming the entry when its lines do not decode (the row was
// damaged or altered).
absl::StatusOr<audit::Entry> AuditEntryFromRow(const Statement& row);

}  // namespace safeshare::store
