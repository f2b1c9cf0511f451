#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "broker/config/deadlines_config.h"
#include "broker/core/clock.h"
#include "broker/policy/working_calendar.h"
#include "broker/routing/policy_snapshot.h"
#include "broker/service/escalation.h"
#include "broker/service/expectations.h"
#include "broker/store/store.h"

namespace safeshare::service {

// Raises the escalations of deadlines that pass (escalation.h), and closes
// and escalates expectations (expectations.h). Deadlines: a
// delivery whose recipient has not acknowledged it by the deadline its
// agreement sets is escalated to the recipient and the publisher (level 1),
// and, still unacknowledged the deadline's escalate_after later, to the
// safeguarding lead (level 2). Each level is a notification stored, routed,
// delivered and audited like any other, raised once: its idempotency key
// names the delivery and the level, and the watch looks it up
// (Store::FindPublished) before raising it, so neither a restart nor a
// second broker sharing the database raises it twice.
//
// State: the pending deadlines, read from the store's unacknowledged
// deliveries (all of them at the first check, then those routed since the
// last; again from the start when the policy changes), so a restart
// rebuilds them. A check runs at Start, at each pending level's due time
// and every config.check_every (which also picks up deliveries another
// broker routed). An acknowledgement is noticed when a level falls due:
// the watch rereads the delivery then, and escalates nothing acknowledged,
// not even a second before the deadline. Of brokers sharing a database only
// the one holding the deadlines duty raises; the others keep their state
// current to take over. Time is the Clock's (tests set it). Its timer runs
// on a thread of its own (Boost.Asio). Thread-safe; the store, policy and
// clock must outlive it.
//
// Expectations: the open ones are read from the audit log (the
// `expectation_opened` and `expectation_met` entries after the last read,
// so every broker sees those opened through the others). At each check the
// broker holding the duty looks for the expected notification of each
// (FindMeeting) and records `expectation_met` when it is there; one still
// unmet at its due time is escalated (kind EXPECTATION_UNMET) to the
// agencies expected to publish and the publisher that opened it, and
// escalate_after later to the safeguarding lead, each level once as above.
class DeadlineWatch {
 public:
  // Stores one escalation (BrokerService::Raise).
  using Raise = std::function<void(const v1::Notification&, std::vector<store::Recipient>,
                                   std::function<void(absl::StatusOr<store::PublishResult>)>)>;

  DeadlineWatch(store::Store& store, const routing::PolicyHolder& policy,
                config::DeadlinesConfig config, Raise raise, const Clock& clock = SystemClock());
  ~DeadlineWatch();  // Stop()s
  DeadlineWatch(const DeadlineWatch&) = delete;
  DeadlineWatch& operator=(const DeadlineWatch&) = delete;

  void Start();
  // Cancels the timer and waits for a check in progress. Idempotent.
  void Stop();

  // One check now, on the caller's thread (what the timer runs): reads
  // what was routed since the last check and raises every level due.
  // Answers how many escalations it raised.
  absl::StatusOr<uint32_t> CheckOnce();
  // When the next pending level falls due (wall-clock micros); 0: none.
  int64_t NextDue() const;
  const policy::WorkingCalendar& calendar() const { return calendar_; }

  static constexpr size_t kPage = 500;

 private:
  struct Pending {
    OverdueDelivery overdue;
    int raised = 0;  // levels raised (or found raised) so far
  };
  struct Expected {
    OpenExpectation open;
    int raised = 0;
    // Its case's publishes were all looked at once (FindMeeting); since
    // then only a publish on its case can meet it.
    bool looked = false;
  };
  using Key = std::pair<uint64_t, std::string>;  // (sequence, recipient)

  void Arm();
  void Run();
  // Adds the deliveries routed since the last read, under `policy`.
  absl::Status ReadNew(const std::shared_ptr<const policy::Policy>& policy)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Adds the expectations opened since the last read, drops those met.
  absl::Status ReadExpectations() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The cases published on since the last call (none the first time: every
  // expectation is then looked at whole), so a check looks for the meeting
  // of only the expectations a publish may have met.
  absl::StatusOr<std::set<std::string>> CasesPublishedOn() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<bool> StillUnacknowledged(const store::UnacknowledgedDelivery& d) const;
  // Raises the due levels of deadlines; of expectations, after closing
  // those met. Both answer how many escalations they raised.
  absl::StatusOr<uint32_t> RaiseDeadlines(const policy::Policy& policy, int64_t now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<uint32_t> CheckExpectations(const policy::Policy& policy, int64_t now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Raises `n` (idempotency key set) to `recipients` unless it was raised
  // before; true when this call raised it. `what` names it in the log.
  absl::StatusOr<bool> RaiseOnce(const v1::Notification& n,
                                 std::vector<store::Recipient> recipients, const std::string& what);
  // Writes `entry` to the audit log and waits until it is durable.
  absl::Status Record(audit::Entry entry);

  store::Store& store_;
  const routing::PolicyHolder& policy_;
  const config::DeadlinesConfig config_;
  const policy::WorkingCalendar calendar_;
  const Raise raise_;
  const Clock& clock_;

  mutable absl::Mutex mu_;
  std::map<Key, Pending> pending_ ABSL_GUARDED_BY(mu_);
  Sequence read_through_ ABSL_GUARDED_BY(mu_);  // unacknowledged deliveries read up to here
  std::string policy_version_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, Expected> expected_ ABSL_GUARDED_BY(mu_);  // by OpenExpectation::Key
  int64_t audit_read_through_ ABSL_GUARDED_BY(mu_) = 0;       // expectation entries read up to here
  int64_t published_read_through_ ABSL_GUARDED_BY(mu_) = -1;  // -1: not yet read
  bool holds_duty_ ABSL_GUARDED_BY(mu_) = false;              // at the last check, for the log
  bool started_ ABSL_GUARDED_BY(mu_) = false;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
  // Checks run one at a time (the timer's thread, or a test's).
  absl::Mutex check_mu_ ABSL_ACQUIRED_BEFORE(mu_);

  boost::asio::thread_pool thread_{1};
  boost::asio::steady_timer timer_{thread_};
};

}  // namespace safeshare::service
