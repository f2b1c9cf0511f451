#include "broker/service/retention_sweeper.h"

#include <algorithm>

#include <boost/asio/post.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/notification.h"
#include "broker/audit/audit_report.h"
#include "broker/core/logging.h"
#include "broker/core/vocabulary.h"

namespace safeshare::service {
namespace {

const std::shared_ptr<spdlog::logger>& Log() {
  static const auto log = ModuleLogger("retention");
  return log;
}

constexpr int64_t kMicrosPerSecond = 1'000'000;

int64_t Micros(std::chrono::seconds period) { return period.count() * kMicrosPerSecond; }

// Those agencies publish and those the broker raises (escalations).
std::vector<std::string_view> AllTypes() {
  std::vector<std::string_view> types(kNotificationTypes.begin(), kNotificationTypes.end());
  types.insert(types.end(), kBrokerNotificationTypes.begin(), kBrokerNotificationTypes.end());
  return types;
}

}  // namespace

std::optional<store::ContentDeletion> DueForDeletion(const store::HeldNotification& held,
                                                     const policy::RetentionRule& rule,
                                                     int64_t now_micros) {
  const auto& periods = rule.periods;
  if (held.unacknowledged.empty()) {
    const bool acked = held.last_acknowledged_micros != 0;
    const int64_t since = std::max(held.last_acknowledged_micros, held.stored_at_micros);
    if (since + Micros(periods.acknowledged) > now_micros) return std::nullopt;
    const std::string why =
        acked ? "acknowledged by every recipient, the last on " + audit::FormatTime(since)
              : "routed to no agency, stored on " + audit::FormatTime(since);
    return store::ContentDeletion{
        held.sequence, true,
        absl::StrCat(why, "; kept ", config::PeriodText(periods.acknowledged), " under ",
                     rule.acknowledged_source)};
  }
  if (held.stored_at_micros + Micros(periods.unacknowledged) > now_micros) return std::nullopt;
  const std::string waiting =
      absl::StrJoin(held.unacknowledged, ", ",
                    [](std::string* out, const AgencyId& a) { out->append(a.value()); });
  return store::ContentDeletion{held.sequence, false,
                                absl::StrCat("not acknowledged by ", waiting, "; stored on ",
                                             audit::FormatTime(held.stored_at_micros), "; kept ",
                                             config::PeriodText(periods.unacknowledged),
                                             " unacknowledged under ", rule.unacknowledged_source)};
}

RetentionSweeper::RetentionSweeper(store::Store& store, const routing::PolicyHolder& policy,
                                   config::RetentionConfig config, const Clock& clock,
                                   BeforeDelete before_delete)
    : store_(store),
      policy_(policy),
      config_(config),
      clock_(clock),
      before_delete_(std::move(before_delete)) {}

RetentionSweeper::~RetentionSweeper() { Stop(); }

void RetentionSweeper::Start() {
  {
    absl::MutexLock lock(&mu_);
    if (started_) return;
    started_ = true;
  }
  const auto rules = Rules();
  std::vector<std::string> deleted, kept;
  for (const auto type : AllTypes()) {
    const auto rule = rules.find(std::string(type));
    if (rule == rules.end()) {
      kept.emplace_back(type);
    } else {
      deleted.push_back(absl::StrCat(std::string(type), " ",
                                     config::PeriodText(rule->second.periods.acknowledged), "/",
                                     config::PeriodText(rule->second.periods.unacknowledged)));
    }
  }
  Log()->info(
      "retention, checked every {}: content deleted when due (acknowledged/unacknowledged): {}; "
      "kept (no period set): {}",
      config::PeriodText(config_.sweep_every),
      deleted.empty() ? "none" : absl::StrJoin(deleted, ", "),
      kept.empty() ? "none" : absl::StrJoin(kept, ", "));
  boost::asio::post(thread_, [this] { Run(); });
}

void RetentionSweeper::Stop() {
  {
    absl::MutexLock lock(&mu_);
    if (!started_ || stopped_) return;
    stopped_ = true;
  }
  boost::asio::post(thread_, [this] { timer_.cancel(); });
  thread_.join();
}

void RetentionSweeper::Run() {
  {
    absl::MutexLock lock(&mu_);
    if (stopped_) return;
  }
  // Brokers sharing a database sweep one at a time (Store::HoldsDuty).
  const bool duty = store_.Failure().ok() && store_.HoldsDuty(store::Duty::kRetention);
  if (duty != holds_duty_) {
    holds_duty_ = duty;
    Log()->info(duty ? "this broker sweeps retention now"
                     : "retention sweeps are another broker's (or wait for the database)");
  }
  if (duty) {
    auto deleted = SweepOnce();
    if (!deleted.ok()) {
      Log()->warn("retention sweep failed (tried again at the next): {}",
                  deleted.status().ToString());
    }
  }
  Arm(more_due_ ? std::chrono::steady_clock::duration(std::chrono::seconds(1))
                : config_.sweep_every);
}

void RetentionSweeper::Arm(std::chrono::steady_clock::duration after) {
  timer_.expires_after(after);
  timer_.async_wait([this](const boost::system::error_code& error) {
    if (!error) Run();
  });
}

std::map<std::string, policy::RetentionRule> RetentionSweeper::Rules() const {
  const auto policy = policy_.Current();
  std::map<std::string, policy::RetentionRule> rules;
  for (const auto type : AllTypes()) {
    if (auto rule = policy->RetentionFor(type, config_.default_periods)) {
      rules.emplace(std::string(type), *std::move(rule));
    }
  }
  return rules;
}

absl::StatusOr<uint32_t> RetentionSweeper::SweepOnce() {
  more_due_ = false;
  const auto rules = Rules();
  if (rules.empty()) return 0u;
  std::vector<std::string> types;
  int64_t shortest = INT64_MAX;
  for (const auto& [type, rule] : rules) {
    types.push_back(type);
    shortest = std::min(shortest, Micros(rule.periods.acknowledged));
  }
  const int64_t now = clock_.WallMicros();
  uint32_t deleted = 0;
  Sequence after;
  // Bounded: each page moves `after` forward, and the deletions by kMaxPerSweep.
  while (true) {
    auto page = store_.ReadHeld(after, types, kPage);
    if (!page.ok()) return page.status();
    std::vector<store::ContentDeletion> due;
    bool recent = false;
    for (const auto& held : *page) {
      // Nothing stored since can be due under any period.
      if (held.stored_at_micros + shortest > now) {
        recent = true;
        break;
      }
      if (deleted + due.size() == kMaxPerSweep) {
        more_due_ = true;
        break;
      }
      auto deletion = DueForDeletion(held, rules.at(held.type), now);
      if (deletion) due.push_back(*std::move(deletion));
    }
    auto done = Delete(std::move(due));
    if (!done.ok()) return done.status();
    deleted += *done;
    if (recent || more_due_ || page->size() < kPage) break;
    after = page->back().sequence;
  }
  if (deleted > 0) {
    Log()->info("retention: content of {} notification{} deleted (audited content_deleted)",
                deleted, deleted == 1 ? "" : "s");
  }
  return deleted;
}

absl::StatusOr<uint32_t> RetentionSweeper::Delete(std::vector<store::ContentDeletion> batch) {
  if (batch.empty()) return 0u;
  if (before_delete_) before_delete_(batch.back().sequence);  // in sequence order
  absl::Notification finished;
  absl::StatusOr<uint32_t> result;
  store_.DeleteContent(std::move(batch), [&](absl::StatusOr<uint32_t> done) {
    result = std::move(done);
    finished.Notify();
  });
  finished.WaitForNotification();
  return result;
}

}  // namespace safeshare::service
