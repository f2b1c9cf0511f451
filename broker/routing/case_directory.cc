#include "broker/routing/case_directory.h"

namespace safeshare::routing {

void CaseDirectory::SetCase(const CaseRef& case_ref, bool closed, std::set<AgencyId> engaged) {
  absl::MutexLock order(&change_mu_);
  absl::MutexLock lock(&mu_);
  cases_[case_ref] = Case{closed, std::move(engaged)};
}

void CaseDirectory::Engage(const CaseRef& case_ref, const std::vector<AgencyId>& agencies) {
  absl::MutexLock order(&change_mu_);
  absl::MutexLock lock(&mu_);
  auto& c = cases_[case_ref];
  c.engaged.insert(agencies.begin(), agencies.end());
}

void CaseDirectory::Link(const std::vector<std::string>& person_hashes, const CaseRef& case_ref) {
  absl::MutexLock order(&change_mu_);
  absl::MutexLock lock(&mu_);
  cases_.try_emplace(case_ref);
  for (const auto& hash : person_hashes) person_cases_[hash].insert(case_ref);
}

void CaseDirectory::SetInterest(const AgencyId& agency,
                                const std::vector<std::string>& person_hashes, bool withdraw) {
  absl::MutexLock order(&change_mu_);
  absl::MutexLock lock(&mu_);
  for (const auto& hash : person_hashes) {
    if (!withdraw) {
      interests_[hash].insert(agency);
      continue;
    }
    auto it = interests_.find(hash);
    if (it == interests_.end()) continue;
    it->second.erase(agency);
    if (it->second.empty()) interests_.erase(it);
  }
}

absl::Status CaseDirectory::Refresh(const std::function<absl::StatusOr<Reread>()>& read) {
  absl::MutexLock order(&change_mu_);
  auto facts = read();
  if (!facts.ok()) return facts.status();
  absl::MutexLock lock(&mu_);
  Apply(*std::move(facts));
  return absl::OkStatus();
}

void CaseDirectory::Apply(Reread facts) {
  if (facts.everything) {
    cases_.clear();
    interests_.clear();
    person_cases_.clear();
  }
  for (auto& c : facts.cases) cases_[c.case_ref] = Case{c.closed, std::move(c.engaged)};
  for (auto& [hash, agencies] : facts.interests) {
    if (agencies.empty()) {
      interests_.erase(hash);
    } else {
      interests_[hash] = std::move(agencies);
    }
  }
  for (auto& [hash, linked] : facts.person_cases) {
    for (const auto& case_ref : linked) cases_.try_emplace(case_ref);
    if (linked.empty()) {
      person_cases_.erase(hash);
    } else {
      person_cases_[hash] = std::move(linked);
    }
  }
}

policy::CaseFacts CaseDirectory::Facts(const CaseRef& case_ref,
                                       const std::vector<std::string>& person_hashes,
                                       bool linked_cases) const {
  policy::CaseFacts facts;
  absl::MutexLock lock(&mu_);
  if (auto it = cases_.find(case_ref); it != cases_.end()) {
    facts.case_closed = it->second.closed;
    facts.engaged = it->second.engaged;
  }
  for (const auto& hash : person_hashes) {
    if (auto it = interests_.find(hash); it != interests_.end()) {
      facts.person_interest.insert(it->second.begin(), it->second.end());
    }
    if (!linked_cases) continue;
    auto linked = person_cases_.find(hash);
    if (linked == person_cases_.end()) continue;
    for (const auto& other : linked->second) {
      if (other == case_ref) continue;
      auto c = cases_.find(other);
      if (c == cases_.end()) continue;
      for (const auto& agency : c->second.engaged) facts.linked_cases[agency].insert(other);
    }
  }
  return facts;
}

}  // namespace safeshare::routing
