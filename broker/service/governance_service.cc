#include "broker/service/governance_service.h"

#include <stdlib.h>

#include <chrono>
#include <fstream>

#include "absl/strings/str_replace.h"
#include "broker/core/logging.h"
#include "broker/schema/notification_validator.h"

namespace safeshare::service {
namespace {

constexpr uint32_t kDefaultWindowDays = 90;
constexpr size_t kReplayPage = 500;

const std::shared_ptr<spdlog::logger>& Log() {
  static const auto log = ModuleLogger("governance");
  return log;
}

// A private directory (mode 0700) removed with everything in it when the
// object goes, for a proposed agreement set sent over the wire.
class ScratchDirectory {
 public:
  static absl::StatusOr<ScratchDirectory> Make() {
    std::string templ = (std::filesystem::temp_directory_path() / "safeshare-impact-XXXXXX");
    if (mkdtemp(templ.data()) == nullptr) {
      return absl::UnavailableError(
          "cannot create a scratch directory for the proposed agreements");
    }
    return ScratchDirectory(templ);
  }
  ScratchDirectory(ScratchDirectory&& other) noexcept : path_(std::move(other.path_)) {
    other.path_.clear();
  }
  ScratchDirectory(const ScratchDirectory&) = delete;
  ScratchDirectory& operator=(const ScratchDirectory&) = delete;
  ScratchDirectory& operator=(ScratchDirectory&&) = delete;
  ~ScratchDirectory() {
    std::error_code ignored;
    if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  explicit ScratchDirectory(std::filesystem::path path) : path_(std::move(path)) {}
  std::filesystem::path path_;
};

// A file name that stays inside the scratch directory: a plain name ending
// in .yaml or .yml.
absl::Status CheckFileName(const std::string& name, size_t index) {
  const std::filesystem::path p(name);
  const auto ext = p.extension();
  if (name.empty() || p.has_parent_path() || name.front() == '.' ||
      (ext != ".yaml" && ext != ".yml")) {
    return absl::InvalidArgumentError("files[" + std::to_string(index) +
                                      "].name: give the agreement's plain file name ending in "
                                      ".yaml, e.g. 'strategy-minutes.yaml'");
  }
  return absl::OkStatus();
}

int64_t NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The decision recorded when the notification was routed, per agency:
// rule and withheld fields. Urgent disclosures are outside every agreement
// and are not compared.
std::map<AgencyId, const store::Recipient*> RoutedUnderRules(const store::RoutedNotification& n) {
  std::map<AgencyId, const store::Recipient*> out;
  for (const auto& r : n.recipients) {
    if (!r.urgent) out.emplace(r.agency, &r);
  }
  return out;
}

// Adds to `report` how `proposed` would decide `n` differently from how it
// was routed.
void Compare(const store::RoutedNotification& n, const v1::Notification& parsed,
             const policy::Policy& proposed, const Partnership& partnership, ImpactReport& report) {
  const auto before = RoutedUnderRules(n);
  const auto* publisher = proposed.FindAgency(n.publisher);
  if (publisher == nullptr) return;  // an agency no longer in the partnership
  const bool may_publish = proposed.MayPublish(publisher->role, n.type).ok();
  const auto after = proposed.Evaluate(
      *publisher, n.type,
      partnership.cases.Facts(n.case_ref, PersonHashes(parsed, partnership.person_key),
                              proposed.AnyRuleFor(n.type, policy::Condition::kLinkedCase)));
  for (const auto& d : after.agencies) {
    const auto was = before.find(d.agency);
    const bool had = was != before.end();
    const bool has = may_publish && d.allowed;
    if (had == has && (!had || was->second->withheld_fields == d.withheld)) continue;
    auto& row = report.rows[{d.agency.value(), n.type}];
    if (!had) {
      ++row.gained;
      row.gained_rules.insert(d.rule);
    } else if (!has) {
      ++row.lost;
      row.lost_rules.insert(was->second->rule);
    } else {
      ++row.fields_changed;
      row.changed_rules.insert(d.rule);
    }
  }
}

}  // namespace

GovernanceService::GovernanceService(routing::PolicyHolder& policy, Partnership partnership,
                                     store::Store& store, std::filesystem::path agreements_dir,
                                     PolicyLoader load)
    : policy_(policy),
      partnership_(partnership),
      store_(store),
      agreements_dir_(std::move(agreements_dir)),
      load_(std::move(load)) {}

void GovernanceService::Reload(const identity::Caller& caller, Done<ReloadResult> done) {
  if (!refusals_.RequireGovernance(caller, "Governance.ReloadPolicy", "policy reload", done)) {
    return;
  }
  Reload(caller.agency, std::move(done));
}

void GovernanceService::Reload(const AgencyId& actor, Done<ReloadResult> done) {
  const auto current = policy_.Current();
  auto next = load_(agreements_dir_);
  if (!next.ok()) {
    const std::string why(next.status().message());
    Log()->error("agreements not reloaded; policy {} stays in force: {}", current->version(), why);
    store::PolicyChange refused{actor, current->version(), "", false, why};
    return store_.RecordPolicyChange(
        std::move(refused), [why, done = std::move(done)](const absl::Status& st) {
          if (!st.ok()) return done(st);
          done(absl::FailedPreconditionError(
              "agreements not reloaded; the policy in force is unchanged: " + why));
        });
  }
  ReloadResult result{current->version(), (*next)->version(), (*next)->set().warnings};
  store::PolicyChange applied{actor, result.old_version, result.new_version, true, ""};
  store_.RecordPolicyChange(
      std::move(applied), [this, next = std::move(*next), result = std::move(result),
                           done = std::move(done)](const absl::Status& st) mutable {
        if (!st.ok()) return done(st);  // not audited: not applied
        policy_.Replace(std::move(next));
        Log()->info("agreements reloaded: {} -> {}", result.old_version, result.new_version);
        for (const auto& w : result.warnings) Log()->warn("{}", w);
        done(std::move(result));
      });
}

void GovernanceService::Impact(const identity::Caller& caller,
                               const std::vector<std::pair<std::string, std::string>>& files,
                               uint32_t window_days, Done<ImpactReport> done) const {
  if (!refusals_.RequireGovernance(caller, "Governance.PolicyImpact", "policy impact", done)) {
    return;
  }
  done(ReplayImpact(caller, files, window_days));
}

absl::StatusOr<ImpactReport> GovernanceService::ReplayImpact(
    const identity::Caller& caller, const std::vector<std::pair<std::string, std::string>>& files,
    uint32_t window_days) const {
  if (files.empty()) {
    return absl::InvalidArgumentError(
        "files: give the proposed agreement set, every file of it (name and content)");
  }
  auto scratch = ScratchDirectory::Make();
  if (!scratch.ok()) return scratch.status();
  for (size_t i = 0; i < files.size(); ++i) {
    if (auto valid = CheckFileName(files[i].first, i); !valid.ok()) return valid;
    std::ofstream(scratch->path() / files[i].first, std::ios::binary) << files[i].second;
  }
  auto proposed = load_(scratch->path());
  if (!proposed.ok()) {
    // Name the file as the caller sent it, not where the broker put it.
    return absl::InvalidArgumentError(
        "files: the proposed agreements do not load: " +
        absl::StrReplaceAll(proposed.status().message(), {{(scratch->path() / "").string(), ""}}));
  }
  ImpactReport report{
      policy_.Current()->version(), (*proposed)->version(), 0, {}, (*proposed)->set().warnings};
  const int64_t days = window_days == 0 ? kDefaultWindowDays : window_days;
  const int64_t since = NowMicros() - days * 86'400'000'000LL;
  Sequence after;
  while (true) {
    auto page = store_.ReadRouted(after, since, kReplayPage, /*urgent_only=*/false);
    if (!page.ok()) return page.status();
    for (const auto& n : *page) {
      if (n.content_deleted_micros != 0) continue;  // retention deleted it: nothing to replay
      v1::Notification parsed;
      if (!parsed.ParseFromString(n.body)) {
        return absl::DataLossError("notification at sequence " +
                                   std::to_string(n.sequence.value()) + " does not parse");
      }
      Compare(n, parsed, **proposed, partnership_, report);
      ++report.replayed;
    }
    if (page->size() < kReplayPage) break;
    after = page->back().sequence;
  }
  Log()->info("policy impact for {}: {} replayed under {}, {} changed rows", caller.agency.value(),
              report.replayed, report.proposed_version, report.rows.size());
  return report;
}

void GovernanceService::UrgentDisclosures(const identity::Caller& caller, int64_t since_micros,
                                          Sequence after, size_t limit,
                                          Done<std::vector<UrgentDisclosureRecord>> done) const {
  if (!refusals_.RequireGovernance(caller, "Governance.ListUrgentDisclosures",
                                   "urgent disclosure review", done)) {
    return;
  }
  done(ReadUrgentDisclosures(since_micros, after, limit));
}

absl::StatusOr<std::vector<UrgentDisclosureRecord>> GovernanceService::ReadUrgentDisclosures(
    int64_t since_micros, Sequence after, size_t limit) const {
  auto page = store_.ReadRouted(after, since_micros, limit, /*urgent_only=*/true);
  if (!page.ok()) return page.status();
  std::vector<UrgentDisclosureRecord> out;
  for (auto& n : *page) {
    n.body.clear();  // the review shows who and why, never content
    for (const auto& r : n.recipients) {
      if (r.urgent) out.push_back(UrgentDisclosureRecord{n, r});
    }
  }
  return out;
}

}  // namespace safeshare::service
