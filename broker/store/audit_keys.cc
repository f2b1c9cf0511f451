#include "broker/store/audit_keys.h"

#include <algorithm>
#include <cstdio>
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

// The sequence an entry is about when all its lines are about one stored
// notification (a decision, a batch of one), else 0.
int64_t SoleSequence(const audit::Entry& e) {
  if (e.lines.empty()) return 0;
  const int64_t seq = e.lines.front().sequence;
  const bool sole = std::all_of(e.lines.begin(), e.lines.end(), [&](const audit::Line& line) {
    return line.sequence == seq &&
           (line.notification_id.empty() || line.notification_id == e.notification_id);
  });
  return sole ? seq : 0;
}

void AddNotification(std::vector<std::string>& keys, std::string_view id, int64_t seq) {
  if (id.empty()) return;
  if (seq > 0) {
    keys.push_back(SequenceKey(seq));
  } else {
    Add(keys, "notification", id);
  }
}

std::vector<std::string> Keys(const audit::Entry& e, bool by_sequence) {
  std::vector<std::string> keys;
  keys.reserve(6 + 4 * e.lines.size() + e.person_hashes.size());
  Add(keys, "case", e.case_ref);
  Add(keys, "agency", e.actor);
  Add(keys, "agency", e.recipient);
  AddNotification(keys, e.notification_id, by_sequence ? SoleSequence(e) : 0);
  Add(keys, "action", audit::ActionName(e.action));
  for (const auto& line : e.lines) {
    Add(keys, "case", line.case_ref);
    Add(keys, "agency", line.agency);
    AddNotification(keys, line.notification_id, by_sequence ? line.sequence : 0);
    Add(keys, "action", audit::ActionName(line.outcome));
  }
  for (const auto& hash : e.person_hashes) Add(keys, "person", hash);
  // Lines repeat their entry's case, agencies and outcomes: each key once.
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  return keys;
}

}  // namespace

std::vector<std::string> AuditKeys(const audit::Entry& e) { return Keys(e, false); }

std::vector<std::string> IndexKeys(const audit::Entry& e) { return Keys(e, true); }

std::string SequenceKey(int64_t seq) {
  // Zero-padded, so the keys of one notification after another sort in
  // sequence order and land on the last pages of the index.
  char key[32];
  std::snprintf(key, sizeof(key), "seq:%020lld", static_cast<long long>(seq));
  return key;
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
