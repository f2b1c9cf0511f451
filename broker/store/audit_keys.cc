#include "broker/store/audit_keys.h"

#include <algorithm>
#include <set>
#include <utility>

namespace safeshare::store {
namespace {

void Add(std::vector<std::string>& keys, std::string_view kind, std::string_view value) {
  if (value.empty()) return;
  std::string key;
  key.reserve(kind.size() + 1 + value.size());
  key.append(kind).append(1, ':').append(value);
  keys.push_back(std::move(key));
}

}  // namespace

std::vector<std::string> AuditKeys(const audit::Entry& e) {
  std::vector<std::string> keys;
  keys.reserve(6 + 4 * e.lines.size() + e.person_hashes.size());
  Add(keys, "case", e.case_ref);
  Add(keys, "agency", e.actor);
  Add(keys, "agency", e.recipient);
  Add(keys, "notification", e.notification_id);
  Add(keys, "action", audit::ActionName(e.action));
  for (const auto& line : e.lines) {
    Add(keys, "case", line.case_ref);
    Add(keys, "agency", line.agency);
    Add(keys, "notification", line.notification_id);
    Add(keys, "action", audit::ActionName(line.outcome));
  }
  for (const auto& hash : e.person_hashes) Add(keys, "person", hash);
  // Lines repeat their entry's case, agencies and outcomes: each key once.
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  return keys;
}

std::vector<std::vector<std::string>> KeyConditions(const AuditQuery& q) {
  std::vector<std::vector<std::string>> out;
  for (const auto& [kind, value] :
       {std::pair<std::string_view, const std::string&>{"notification", q.notification_id},
        {"person", q.person_hash},
        {"case", q.case_ref},
        {"agency", q.agency}}) {
    if (!value.empty()) out.push_back({std::string(kind) + ":" + value});
  }
  if (!q.actions.empty()) {
    std::set<std::string> actions;
    for (const auto& a : q.actions) actions.insert("action:" + a);
    out.emplace_back(actions.begin(), actions.end());
  }
  return out;
}

bool MatchesQuery(const AuditQuery& q, const std::vector<std::vector<std::string>>& conditions,
                  const audit::Entry& e) {
  if (q.from_micros != 0 && e.at_micros < q.from_micros) return false;
  if (q.to_micros != 0 && e.at_micros >= q.to_micros) return false;
  const auto keys = AuditKeys(e);  // sorted
  return std::all_of(conditions.begin(), conditions.end(), [&](const auto& any_of) {
    return std::any_of(any_of.begin(), any_of.end(), [&](const std::string& key) {
      return std::binary_search(keys.begin(), keys.end(), key);
    });
  });
}

}  // namespace safeshare::store
