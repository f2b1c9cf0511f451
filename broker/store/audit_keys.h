#pragma once

#include <string>
#include <vector>

#include "broker/audit/audit_entry.h"
#include "broker/store/records.h"

// The index behind Store::QueryAudit: each entry is filed under keys
// "case:<ref>", "agency:<id>", "notification:<id>", "person:<keyed hash>"
// and "action:<name>", taken from the entry and from every line, so a query
// is index lookups (SQLite: audit_postings.h) rather than a scan. Both
// stores file and match entries with these functions.
namespace safeshare::store {

// The keys of `entry`, each once: its case, actor, recipient, notification
// and action, and every line's case, agency, notification and outcome, and
// its person hashes. Empty values are not keys.
std::vector<std::string> AuditKeys(const audit::Entry& entry);

// The keys the SQLite store files in its index (Writer::IndexAudit): those
// of AuditKeys, except that a notification the entry places at a sequence
// (a line with both, or an entry whose lines are all about one sequence) is
// filed as SequenceKey(sequence). Notification ids are random, so filing
// every delivery and acknowledgement line under one wrote a page all over
// the index per line; sequences grow, so their keys land on the last pages.
// A query for a notification looks for both keys.
std::vector<std::string> IndexKeys(const audit::Entry& entry);
// "seq:" and the sequence, zero-padded to 20 digits.
std::string SequenceKey(int64_t seq);

// The key conditions of `query`: an entry matches when, for every inner
// list, it has at least one of its keys. In order of how few entries a
// condition usually selects (notification, person, case, agency, actions),
// so the first condition with a single key is the best to start from.
std::vector<std::vector<std::string>> KeyConditions(const AuditQuery& query);

// Whether `entry` (with its keys `keys`) meets `conditions` and the time
// range of `query` (paging aside).
bool MatchesQuery(const AuditQuery& query, const std::vector<std::vector<std::string>>& conditions,
                  const audit::Entry& entry);

}  // namespace safeshare::store
