#include "broker/store/database.h"

#include <cstdlib>

#include "absl/strings/str_split.h"

namespace safeshare::store {

namespace {

class SoleClaim final : public DutyClaim {
 public:
  bool Held() override { return true; }
};

class SoleSubscriptionClaims final : public SubscriptionClaims {
 public:
  bool Take(const AgencyId& agency, const SubscriptionName& name) override {
    (void)agency;
    (void)name;
    return true;
  }
  void Release(const AgencyId& agency, const SubscriptionName& name) override {
    (void)agency;
    (void)name;
  }
};

constexpr char kEverything[] = "*";

// Values are agency ids, case references and person hashes, none of which
// holds a space or a comma; one that did would be announced as "*".
bool Listable(std::string_view value) {
  return !value.empty() && value.find_first_of(" ,*") == std::string_view::npos;
}

template <typename Set, typename Text>
bool AppendList(std::string& out, const Set& values, const Text& text) {
  out.push_back(' ');
  bool first = true;
  for (const auto& v : values) {
    const std::string_view value = text(v);
    if (!Listable(value)) return false;
    if (!first) out.push_back(',');
    out.append(value);
    first = false;
  }
  return true;
}

}  // namespace

std::unique_ptr<DutyClaim> Database::ClaimDuty(Duty duty) const {
  (void)duty;
  return std::make_unique<SoleClaim>();
}

std::unique_ptr<SubscriptionClaims> Database::ClaimSubscriptions() const {
  return std::make_unique<SoleSubscriptionClaims>();
}

std::string CommitAnnouncement(const std::string& origin, Sequence through,
                               const std::set<AgencyId>& agencies, const RoutingChanges& routing) {
  std::string out = origin + " " + std::to_string(through.value());
  const auto agency = [](const AgencyId& a) -> std::string_view { return a.value(); };
  if (const size_t at = out.size(); !AppendList(out, agencies, agency)) {
    out.resize(at);
    out.push_back(' ');  // an empty list: possibly every agency
  }
  const size_t head = out.size();
  const bool listed =
      !routing.everything &&
      AppendList(out, routing.cases,
                 [](const CaseRef& c) -> std::string_view { return c.value(); }) &&
      AppendList(out, routing.persons, [](const std::string& p) -> std::string_view { return p; });
  if (!listed || out.size() > kMaxAnnouncement) {
    out.resize(head);
    out += std::string(" ") + kEverything + " " + kEverything;
  }
  return out;
}

std::optional<ForeignCommit> ReadAnnouncement(std::string_view text, const std::string& own) {
  const std::vector<std::string> parts = absl::StrSplit(std::string(text), ' ');
  if ((parts.size() != 3 && parts.size() != 5) || parts[0] == own) return std::nullopt;
  char* end = nullptr;
  const unsigned long long through = std::strtoull(parts[1].c_str(), &end, 10);
  if (end == parts[1].c_str() || *end != '\0') return std::nullopt;
  ForeignCommit commit{Sequence(through), {}, {}};
  for (const auto& agency : absl::StrSplit(parts[2], ',', absl::SkipEmpty())) {
    commit.agencies.emplace(std::string(agency));
  }
  if (parts.size() == 5) {
    commit.routing.everything = parts[3] == kEverything || parts[4] == kEverything;
    if (!commit.routing.everything) {
      for (const auto& c : absl::StrSplit(parts[3], ',', absl::SkipEmpty())) {
        commit.routing.cases.emplace(std::string(c));
      }
      for (const auto& p : absl::StrSplit(parts[4], ',', absl::SkipEmpty())) {
        commit.routing.persons.emplace(p);
      }
    }
  }
  return commit;
}

}  // namespace safeshare::store
