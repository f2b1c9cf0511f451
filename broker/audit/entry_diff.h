#pragma once

#include <string>
#include <vector>

#include "broker/audit/audit_entry.h"

namespace safeshare::audit {

// One field in which two versions of an entry differ: its name ("recipient",
// "lines[2].agency", "lines" when the counts differ) and each value as a
// report shows it (strings quoted).
struct FieldDifference {
  std::string field;
  std::string now;   // in the entry examined
  std::string then;  // in the entry it is compared with
};

// Every field the canonical encoding covers (not prev_hash or entry_hash)
// in which `now` and `then` differ, in encoding order.
std::vector<FieldDifference> Differences(const Entry& now, const Entry& then);

// The names of those fields, for reports.
std::vector<std::string> DifferingFields(const Entry& a, const Entry& b);

// `recipient is "probation" but was "police" when saved`, joined with "; ".
std::string DescribeDifferences(const std::vector<FieldDifference>& differences);

}  // namespace safeshare::audit
