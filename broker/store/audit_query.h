#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "broker/audit/audit_entry.h"
#include "broker/store/records.h"
#include "broker/store/sql.h"

// The reads of the audit log for information governance, on a read-only
// connection (ReaderPool): QueryAudit over the posting lists
// (audit_postings.h), the unacknowledged deliveries and the kept
// checkpoints.
namespace safeshare::store {

// Store::QueryAudit, inside a read transaction. The key conditions
// (audit_keys.h) take turns moving a candidate id forward along their
// posting lists until all agree (a leapfrog join); each agreed entry is
// read and checked with MatchesQuery, which applies the time range too,
// until query.limit. The entries the writer has not filed in the index yet
// (after audit_index.indexed_through) are read from the log and matched
// with MatchesQuery. Only the time range alone scans the log.
absl::StatusOr<std::vector<audit::Entry>> QueryAuditEntries(Connection& db,
                                                            const AuditQuery& query);

// Store::ReadUnacknowledged: the deliveries no subscription of their
// recipient has acknowledged (acked_at 0, read along the partial index
// deliveries_unacked), joined with their notifications. Inside one read
// transaction.
absl::StatusOr<std::vector<UnacknowledgedDelivery>> QueryUnacknowledged(
    Connection& db, const UnacknowledgedQuery& query);

// Store::ReadCheckpoint.
absl::StatusOr<StoredCheckpoint> QueryCheckpoint(Connection& db, uint64_t tree_size);
// Store::FindPublished: one lookup in the (publisher, idempotency_key) index.
absl::StatusOr<std::optional<NotificationId>> QueryPublished(Connection& db,
                                                             const AgencyId& publisher,
                                                             const std::string& idempotency_key);

}  // namespace safeshare::store
