#include "broker/store/database.h"

#include <cstdlib>

#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace safeshare::store {

std::string CommitAnnouncement(const std::string& origin, Sequence through,
                               const std::set<AgencyId>& agencies) {
  return origin + " " + std::to_string(through.value()) + " " +
         absl::StrJoin(agencies, ",",
                       [](std::string* out, const AgencyId& a) { out->append(a.value()); });
}

std::optional<ForeignCommit> ReadAnnouncement(std::string_view text, const std::string& own) {
  const std::vector<std::string> parts = absl::StrSplit(std::string(text), ' ');
  if (parts.size() != 3 || parts[0] == own) return std::nullopt;
  char* end = nullptr;
  const unsigned long long through = std::strtoull(parts[1].c_str(), &end, 10);
  if (end == parts[1].c_str() || *end != '\0') return std::nullopt;
  ForeignCommit commit{Sequence(through), {}};
  for (const auto& agency : absl::StrSplit(parts[2], ',', absl::SkipEmpty())) {
    commit.agencies.emplace(std::string(agency));
  }
  return commit;
}

}  // namespace safeshare::store
