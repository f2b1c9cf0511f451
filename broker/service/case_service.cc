// BrokerService: case engagement and person interests.
#include <algorithm>

#include "broker/schema/notification_validator.h"
#include "broker/service/broker_service.h"

namespace safeshare::service {
namespace {

absl::Status CheckCaseRef(const std::string& case_ref) {
  if (schema::IsReference(case_ref)) return absl::OkStatus();
  return absl::InvalidArgumentError(
      "case_ref: give the case reference of 1-64 letters, digits and - _ / . used in its "
      "notifications");
}

// INVALID_ARGUMENT naming `field`[i] unless every id is an agency of the policy.
absl::Status CheckAgencies(const policy::Policy& policy, const std::vector<AgencyId>& ids,
                           std::string_view field) {
  for (size_t i = 0; i < ids.size(); ++i) {
    if (policy.FindAgency(ids[i]) == nullptr) {
      std::string known;
      for (const auto& agency : policy.agencies()) {
        known += (known.empty() ? "" : ", ") + agency.id.value();
      }
      return absl::InvalidArgumentError(
          std::string(field) + "[" + std::to_string(i) + "]: '" + ids[i].value() +
          "' is not an agency of the partnership; give one of " + known);
    }
  }
  return absl::OkStatus();
}

}  // namespace

void BrokerService::UpdateCase(const identity::Caller& caller, store::CaseChange change,
                               Done<store::CaseState> done) {
  if (!accepting_) return done(store::errors::ShuttingDown());
  const auto policy = partnership_.policy.Current();
  if (!refusals_.Allowed(caller, "Broker.UpdateCase", policy->MayManageCases(caller.role), done)) {
    return;
  }
  for (const auto& check :
       {CheckCaseRef(change.case_ref.value()), CheckAgencies(*policy, change.engage, "engage"),
        CheckAgencies(*policy, change.disengage, "disengage")}) {
    if (!check.ok()) return done(check);
  }
  change.actor = caller.agency;
  store_.ChangeCase(
      std::move(change), [this, done = std::move(done)](absl::StatusOr<store::CaseState> state) {
        if (state.ok()) {
          partnership_.cases.SetCase(state->case_ref, state->closed, CurrentlyEngaged(*state));
        }
        done(std::move(state));
      });
}

void BrokerService::GetCase(const identity::Caller& caller, const std::string& case_ref,
                            Done<store::CaseState> done) const {
  if (!refusals_.Allowed(caller, "Broker.GetCase",
                         partnership_.policy.Current()->MayManageCases(caller.role), done)) {
    return;
  }
  if (auto valid = CheckCaseRef(case_ref); !valid.ok()) return done(valid);
  done(store_.ReadCase(CaseRef(case_ref)));
}

void BrokerService::RegisterInterest(
    const identity::Caller& caller,
    const std::vector<std::pair<std::string, std::string>>& identifiers, bool withdraw,
    Done<uint32_t> done) {
  if (!accepting_) return done(store::errors::ShuttingDown());
  if (!refusals_.Allowed(caller, "Broker.RegisterInterest",
                         partnership_.policy.Current()->MayRegisterInterests(caller.role), done)) {
    return;
  }
  if (identifiers.empty()) {
    return done(absl::InvalidArgumentError(
        "identifiers: give at least one person identifier (scheme and value)"));
  }
  store::InterestChange change{caller.agency, {}, withdraw};
  for (size_t i = 0; i < identifiers.size(); ++i) {
    const auto& [scheme, value] = identifiers[i];
    if (scheme.empty() || scheme == "IDENTIFIER_SCHEME_UNSPECIFIED" ||
        PersonKey::Normalise(value).empty()) {
      return done(absl::InvalidArgumentError(
          "identifiers[" + std::to_string(i) +
          "]: give both scheme (e.g. IDENTIFIER_SCHEME_NDELIUS_CRN) and a value that is not "
          "blank"));
    }
    change.person_hashes.push_back(partnership_.person_key.Hash(scheme, value));
  }
  std::sort(change.person_hashes.begin(), change.person_hashes.end());
  change.person_hashes.erase(std::unique(change.person_hashes.begin(), change.person_hashes.end()),
                             change.person_hashes.end());
  store_.ChangeInterests(change,
                         [this, agency = caller.agency, hashes = change.person_hashes, withdraw,
                          done = std::move(done)](absl::StatusOr<uint32_t> changed) {
                           if (changed.ok())
                             partnership_.cases.SetInterest(agency, hashes, withdraw);
                           done(std::move(changed));
                         });
}

}  // namespace safeshare::service
