#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "broker/identity/agency_directory.h"
#include "broker/service/access_refusals.h"
#include "broker/service/broker_service.h"

namespace safeshare::service {

// What a reload did.
struct ReloadResult {
  std::string old_version;
  std::string new_version;
  std::vector<std::string> warnings;
};

// What one agency would gain or lose of one notification type under a
// proposed agreement set (PolicyImpact).
struct ImpactRow {
  uint64_t gained = 0;
  uint64_t lost = 0;
  uint64_t fields_changed = 0;
  std::set<std::string> gained_rules;
  std::set<std::string> lost_rules;
  std::set<std::string> changed_rules;
};

struct ImpactReport {
  std::string current_version;
  std::string proposed_version;
  uint64_t replayed = 0;
  std::map<std::pair<std::string, std::string>, ImpactRow> rows;  // (agency, type), changed only
  std::vector<std::string> warnings;
};

struct UrgentDisclosureRecord {
  store::RoutedNotification notification;  // body cleared
  store::Recipient recipient;
};

// The use cases of the partnership's information governance (IG) role:
// reloading the agreements, the impact of a proposed change, the review of
// urgent disclosures. Every other role is refused PERMISSION_DENIED, once
// the refusal is audited (`access_refused`, see AccessRefusals).
// Thread-safe; the referenced objects must outlive it.
class GovernanceService {
 public:
  // Builds a policy from an agreements directory (the broker's agencies and
  // config), or says why not, naming file, line and key.
  using PolicyLoader = std::function<absl::StatusOr<std::shared_ptr<const policy::Policy>>(
      const std::filesystem::path& dir)>;
  template <typename T>
  using Done = std::function<void(absl::StatusOr<T>)>;

  GovernanceService(routing::PolicyHolder& policy, Partnership partnership, store::Store& store,
                    std::filesystem::path agreements_dir, PolicyLoader load);

  // Re-reads the agreements directory and replaces the policy in force once
  // the change is audited. A broken file leaves the running policy in force
  // (FAILED_PRECONDITION with the loader's message), audited too
  // (`policy_changed`, not applied). `actor` is the agency that asked, or
  // "broker" for SIGHUP.
  void Reload(const AgencyId& actor, Done<ReloadResult> done);
  void Reload(const identity::Caller& caller, Done<ReloadResult> done);

  // Replays the routing of notifications stored in the last `window_days`
  // under the agreement files given (name, content), against engagement,
  // interests and person links as they are now. Reads the store before it
  // returns (unless refused): call off the RPC threads.
  void Impact(const identity::Caller& caller,
              const std::vector<std::pair<std::string, std::string>>& files, uint32_t window_days,
              Done<ImpactReport> done) const;

  // Urgent disclosures stored after `after` (and not before `since_micros`),
  // oldest first, at most `limit`. Reads the store, as Impact.
  void UrgentDisclosures(const identity::Caller& caller, int64_t since_micros, Sequence after,
                         size_t limit, Done<std::vector<UrgentDisclosureRecord>> done) const;

  // For the rpc layer, which audits certificates no agency holds.
  const AccessRefusals& refusals() const { return refusals_; }

 private:
  absl::StatusOr<ImpactReport> ReplayImpact(
      const identity::Caller& caller, const std::vector<std::pair<std::string, std::string>>& files,
      uint32_t window_days) const;
  absl::StatusOr<std::vector<UrgentDisclosureRecord>> ReadUrgentDisclosures(int64_t since_micros,
                                                                            Sequence after,
                                                                            size_t limit) const;

  routing::PolicyHolder& policy_;
  Partnership partnership_;
  store::Store& store_;
  AccessRefusals refusals_{store_};
  const std::filesystem::path agreements_dir_;
  const PolicyLoader load_;
};

}  // namespace safeshare::service
