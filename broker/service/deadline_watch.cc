#include "broker/service/deadline_watch.h"

#include <algorithm>

#include <boost/asio/post.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/notification.h"
#include "broker/core/logging.h"
#include "broker/core/status_macros.h"

namespace safeshare::service {
namespace {

const std::shared_ptr<spdlog::logger>& Log() {
  static const auto log = ModuleLogger("deadlines");
  return log;
}

}  // namespace

DeadlineWatch::DeadlineWatch(store::Store& store, const routing::PolicyHolder& policy,
                             config::DeadlinesConfig config, Raise raise, const Clock& clock)
    : store_(store),
      policy_(policy),
      config_(std::move(config)),
      calendar_(config_.calendar),
      raise_(std::move(raise)),
      clock_(clock) {}

DeadlineWatch::~DeadlineWatch() { Stop(); }

void DeadlineWatch::Start() {
  {
    absl::MutexLock lock(&mu_);
    if (started_) return;
    started_ = true;
  }
  const auto policy = policy_.Current();
  const bool leads = std::any_of(
      policy->agencies().begin(), policy->agencies().end(), [&](const config::Agency& a) {
        return std::find(config_.lead_roles.begin(), config_.lead_roles.end(), a.role) !=
               config_.lead_roles.end();
      });
  Log()->info("deadlines {}, checked every {}; second-level escalations to {}",
              policy->HasDeadlines() ? "set by the agreements" : "not set by any agreement",
              config::PeriodText(config_.check_every),
              leads ? "the agencies of roles " + absl::StrJoin(config_.lead_roles, ", ")
                    : "nobody: no agency has a lead role (deadlines.lead_roles)");
  boost::asio::post(thread_, [this] { Run(); });
}

void DeadlineWatch::Stop() {
  {
    absl::MutexLock lock(&mu_);
    if (!started_ || stopped_) return;
    stopped_ = true;
  }
  boost::asio::post(thread_, [this] { timer_.cancel(); });
  thread_.join();
}

void DeadlineWatch::Run() {
  {
    absl::MutexLock lock(&mu_);
    if (stopped_) return;
  }
  if (auto raised = CheckOnce(); !raised.ok()) {
    Log()->warn("deadline check failed (tried again at the next): {}", raised.status().ToString());
  }
  Arm();
}

void DeadlineWatch::Arm() {
  auto after = std::chrono::duration_cast<std::chrono::microseconds>(config_.check_every);
  if (const int64_t next = NextDue(); next != 0) {
    const auto until = std::chrono::microseconds(std::max<int64_t>(0, next - clock_.WallMicros()));
    after = std::min(after, until);
  }
  timer_.expires_after(after);
  timer_.async_wait([this](const boost::system::error_code& error) {
    if (!error) Run();
  });
}

int64_t DeadlineWatch::NextDue() const {
  absl::MutexLock lock(&mu_);
  int64_t next = 0;
  for (const auto& [key, pending] : pending_) {
    if (pending.raised >= 2) continue;
    const int64_t due = pending.overdue.DueMicros(pending.raised + 1);
    if (next == 0 || due < next) next = due;
  }
  for (const auto& [key, expected] : expected_) {
    // Level 2's time depends on the rule; the periodic check finds it.
    if (expected.raised == 0 && (next == 0 || expected.open.due_micros < next)) {
      next = expected.open.due_micros;
    }
  }
  return next;
}

absl::Status DeadlineWatch::ReadNew(const std::shared_ptr<const policy::Policy>& policy) {
  if (policy->version() != policy_version_) {  // deadlines may have changed: read them all again
    policy_version_ = policy->version();
    pending_.clear();
    read_through_ = Sequence();
  }
  if (!policy->HasDeadlines()) return absl::OkStatus();
  while (true) {
    store::UnacknowledgedQuery query;
    query.after = read_through_;
    query.limit = kPage;
    auto page = store_.ReadUnacknowledged(query);
    if (!page.ok()) return page.status();
    for (const auto& delivery : *page) {
      read_through_ = std::max(read_through_, delivery.sequence);
      auto overdue = DeadlineOf(delivery, *policy, calendar_);
      if (!overdue) continue;
      pending_.insert_or_assign(Key{delivery.sequence.value(), delivery.recipient.value()},
                                Pending{*std::move(overdue), 0});
    }
    if (page->size() < kPage) return absl::OkStatus();
  }
}

absl::StatusOr<bool> DeadlineWatch::StillUnacknowledged(
    const store::UnacknowledgedDelivery& d) const {
  store::UnacknowledgedQuery query;
  query.agency = d.recipient.value();
  query.after = Sequence(d.sequence.value() - 1);
  query.limit = 1;
  auto page = store_.ReadUnacknowledged(query);
  if (!page.ok()) return page.status();
  return !page->empty() && page->front().sequence == d.sequence;
}

absl::Status DeadlineWatch::ReadExpectations() {
  store::AuditQuery query;
  query.actions = {"expectation_opened", "expectation_met"};
  query.after_id = audit_read_through_;
  query.limit = kPage;
  while (true) {
    auto page = store_.QueryAudit(query);
    if (!page.ok()) return page.status();
    for (const auto& entry : *page) {
      query.after_id = audit_read_through_ = entry.id;
      if (entry.action == audit::Action::kExpectationMet) {
        expected_.erase(MetKey(entry));
      } else if (auto open = ParseOpened(entry)) {
        std::string key = open->Key();  // before `open` is moved from
        expected_.emplace(std::move(key), Expected{*std::move(open), 0, false});
      }
    }
    if (page->size() < kPage) return absl::OkStatus();
  }
}

absl::Status DeadlineWatch::Record(audit::Entry entry) {
  absl::Notification recorded;
  absl::Status status;
  store_.RecordEvent(
      std::move(entry),
      [&](absl::Status s) {
        status = std::move(s);
        recorded.Notify();
      },
      /*can_wait=*/false);
  recorded.WaitForNotification();
  return status;
}

absl::StatusOr<bool> DeadlineWatch::RaiseOnce(const v1::Notification& n,
                                              std::vector<store::Recipient> recipients,
                                              const std::string& what) {
  auto found = store_.FindPublished(BrokerPublisher(), n.idempotency_key());
  if (!found.ok()) return found.status();
  if (found->has_value()) return false;
  if (recipients.empty()) return false;  // nobody to tell (no lead agency): logged at Start
  absl::Notification stored;
  absl::StatusOr<store::PublishResult> result;
  raise_(n, std::move(recipients), [&](absl::StatusOr<store::PublishResult> r) {
    result = std::move(r);
    stored.Notify();
  });
  stored.WaitForNotification();
  if (!result.ok()) return result.status();
  Log()->info("escalated: {}", what);
  return !result->duplicate;
}

absl::StatusOr<uint32_t> DeadlineWatch::RaiseDeadlines(const policy::Policy& policy, int64_t now) {
  uint32_t raised = 0;
  for (auto it = pending_.begin(); it != pending_.end();) {
    Pending& pending = it->second;
    const int level = pending.raised + 1;
    if (level > 2 || pending.overdue.DueMicros(level) > now) {
      it = level > 2 ? pending_.erase(it) : std::next(it);
      continue;
    }
    auto waiting = StillUnacknowledged(pending.overdue.delivery);
    if (!waiting.ok()) return waiting.status();
    if (!*waiting) {
      it = pending_.erase(it);
      continue;
    }
    const auto& d = pending.overdue.delivery;
    auto raised_now =
        RaiseOnce(EscalationNotification(pending.overdue, level),
                  EscalationRecipients(pending.overdue, level, policy, config_.lead_roles),
                  absl::StrCat("level ", level, ": ", d.type, " ", d.id.value(), " (sequence ",
                               d.sequence.value(), ") not acknowledged by ", d.recipient.value(),
                               " under ", pending.overdue.deadline.AgreementName(), " ",
                               pending.overdue.deadline.rule->id));
    if (!raised_now.ok()) return raised_now.status();
    pending.raised = level;  // stays: level 2 may be due too
    if (*raised_now) ++raised;
  }
  return raised;
}

absl::StatusOr<std::set<std::string>> DeadlineWatch::CasesPublishedOn() {
  std::set<std::string> cases;
  if (published_read_through_ < 0) {  // from here on; what came before is looked at whole
    published_read_through_ = static_cast<int64_t>(store_.AuditTreeSize());
    return cases;
  }
  store::AuditQuery query;
  query.actions = {"published"};
  query.after_id = published_read_through_;
  query.limit = kPage;
  while (true) {
    auto page = store_.QueryAudit(query);
    if (!page.ok()) return page.status();
    for (const auto& entry : *page) {
      query.after_id = published_read_through_ = entry.id;
      cases.insert(entry.case_ref);
    }
    if (page->size() < kPage) return cases;
  }
}

absl::StatusOr<uint32_t> DeadlineWatch::CheckExpectations(const policy::Policy& policy,
                                                          int64_t now) {
  auto touched = CasesPublishedOn();
  if (!touched.ok()) return touched.status();
  uint32_t raised = 0;
  for (auto it = expected_.begin(); it != expected_.end();) {
    Expected& expected = it->second;
    const OpenExpectation& open = expected.open;
    absl::StatusOr<std::optional<audit::Entry>> meeting = std::nullopt;
    if (!expected.looked || touched->count(open.case_ref.value()) != 0) {
      meeting = FindMeeting(store_, policy, open);
      expected.looked = true;
    }
    if (!meeting.ok()) return meeting.status();
    if (meeting->has_value()) {
      if (auto met = Record(MetEntry(open, **meeting)); !met.ok()) return met;
      Log()->info("expectation {} met on case {} by {}", open.id, open.case_ref.value(),
                  (*meeting)->notification_id);
      it = expected_.erase(it);
      continue;
    }
    const auto ref = policy.FindExpectation(open.id);
    const int level = expected.raised + 1;
    if (ref.rule == nullptr || level > 2) {  // a rule since removed is no longer escalated
      ++it;
      continue;
    }
    const int64_t lead_due = calendar_.DueAfter(open.due_micros, ref.rule->escalate_after);
    if ((level == 1 ? open.due_micros : lead_due) > now) {
      ++it;
      continue;
    }
    auto raised_now = RaiseOnce(
        ExpectationEscalation(open, ref, level, lead_due),
        ExpectationRecipients(open, ref, level, policy, config_.lead_roles),
        absl::StrCat("level ", level, ": expectation ", open.id, " of ", open.opened_type, " ",
                     open.opened_by.value(), " unmet on case ", open.case_ref.value()));
    if (!raised_now.ok()) return raised_now.status();
    expected.raised = level;  // stays: met later, it is still closed on the record
    if (*raised_now) ++raised;
  }
  return raised;
}

absl::StatusOr<uint32_t> DeadlineWatch::CheckOnce() {
  absl::MutexLock check(&check_mu_);
  absl::MutexLock lock(&mu_);
  const auto policy = policy_.Current();
  SAFESHARE_RETURN_IF_ERROR(ReadNew(policy));
  SAFESHARE_RETURN_IF_ERROR(ReadExpectations());
  // Brokers sharing a database raise one at a time (Store::HoldsDuty).
  const bool duty = store_.Failure().ok() && store_.HoldsDuty(store::Duty::kDeadlines);
  if (duty != holds_duty_) {
    holds_duty_ = duty;
    Log()->info(duty ? "this broker raises escalations now"
                     : "escalations are another broker's to raise (or wait for the database)");
  }
  if (!duty) return 0;
  const int64_t now = clock_.WallMicros();
  auto deadlines = RaiseDeadlines(*policy, now);
  if (!deadlines.ok()) return deadlines.status();
  auto expectations = CheckExpectations(*policy, now);
  if (!expectations.ok()) return expectations.status();
  return *deadlines + *expectations;
}

}  // namespace safeshare::service
