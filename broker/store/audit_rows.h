#pragma once

#include "broker/audit/audit_entry.h"
#include "broker/store/sqlite_db.h"

namespace safeshare::store {

// The audit table's columns in the order AuditEntryFromRow reads them, for
// "SELECT <kAuditColumns> FROM audit ...".
inline constexpr const char* kAuditColumns =
    "id,at,clock_stepped_back_from,actor,action,notification_id,case_ref,recipient,subscription,"
    "rule,lawful_basis,purpose,detail,content_hash,prev_hash,entry_hash";

// The entry in the current row of a statement selecting kAuditColumns.
audit::Entry AuditEntryFromRow(const Statement& row);

}  // namespace safeshare::store
