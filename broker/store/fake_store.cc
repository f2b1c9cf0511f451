#include "broker/store/fake_store.h"

#include <algorithm>

#include "broker/audit/chain.h"
#include "broker/store/audit_entries.h"
#include "broker/store/delivery_query.h"

namespace safeshare::store {

FakeStore::FakeStore(const Clock& clock)
    : clock_(clock), head_(audit::kGenesisHash), thread_([this] { Run(); }) {}

FakeStore::~FakeStore() { Close(); }

void FakeStore::FailNextSync() {
  absl::MutexLock lock(&mu_);
  fail_sync_ = true;
}

void FakeStore::FillDisk(bool full) {
  absl::MutexLock lock(&mu_);
  disk_full_ = full;
}

void FakeStore::CorruptBody(Sequence seq) {
  absl::MutexLock lock(&mu_);
  notifications_.at(seq.value() - 1).body.append("!");
}

void FakeStore::CorruptView(Sequence seq, uint32_t view) {
  absl::MutexLock lock(&mu_);
  notifications_.at(seq.value() - 1).views.at(view - 1).append("!");
}

void FakeStore::HoldCommits(bool held) {
  {
    absl::MutexLock lock(&mu_);
    held_ = held;
  }
}

size_t FakeStore::queued() const {
  absl::MutexLock lock(&mu_);
  return queue_.size();
}

absl::Status FakeStore::Failure() const {
  absl::MutexLock lock(&mu_);
  return fatal_;
}

void FakeStore::Close() {
  {
    absl::MutexLock lock(&mu_);
    if (stopped_) return;
    closed_ = true;
    held_ = false;
  }
  thread_.join();
  absl::MutexLock lock(&mu_);
  stopped_ = true;
}

void FakeStore::Submit(Apply apply, StatusDone done) {
  {
    absl::MutexLock lock(&mu_);
    if (!closed_) {
      queue_.push_back({std::move(apply), std::move(done)});
      return;
    }
  }
  // Closed: answer from a thread of its own, never inline.
  std::thread([done = std::move(done)] { done(errors::ShuttingDown()); }).detach();
}

void FakeStore::Run() {
  while (true) {
    Queued op;
    std::set<AgencyId> woken;
    absl::Status result;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](FakeStore* self) ABSL_EXCLUSIVE_LOCKS_REQUIRED(self->mu_) {
            return (!self->queue_.empty() && !self->held_) ||
                   (self->closed_ && self->queue_.empty());
          },
          this));
      if (queue_.empty()) return;  // closed and drained
      op = std::move(queue_.front());
      queue_.pop_front();
      result = Commit(op.apply, woken);
    }
    op.done(result);
    if (!woken.empty()) NotifyCommit(woken);
  }
}

absl::Status FakeStore::Commit(Apply& apply, std::set<AgencyId>& woken) {
  if (!fatal_.ok()) return errors::StoreFailed();
  if (disk_full_) return errors::DiskFull();
  if (fail_sync_) {
    fail_sync_ = false;
    fatal_ = absl::InternalError("fake: fdatasync failed");
    NotifyFailure(fatal_);
    return errors::StoreFailed();
  }
  return apply(woken);
}

void FakeStore::Append(audit::Entry e) {
  e.id = static_cast<int64_t>(audit_.size()) + 1;
  e.at_micros = clock_.WallMicros();
  const int64_t previous = audit_.empty() ? 0 : audit_.back().at_micros;
  e.clock_stepped_back_from = e.at_micros < previous ? previous : 0;
  const audit::Hash leaf = audit::LinkAndLeaf(head_, e);
  head_ = e.entry_hash;
  // Applied means committed here: the tree grows before the op's `done`.
  AppendAuditLeaves({leaf});
  audit_.push_back(std::move(e));
}

void FakeStore::Publish(NewNotification n, Done<PublishResult> done) {
  SubmitTyped<PublishResult>([this, n = std::move(n)](std::set<AgencyId>& woken)
                                 ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return DoPublish(n, woken); },
                             std::move(done));
}

absl::StatusOr<PublishResult> FakeStore::DoPublish(const NewNotification& n,
                                                   std::set<AgencyId>& woken) {
  if (auto st = CheckNewNotification(n); !st.ok()) return st;
  if (auto it = keys_.find({n.publisher, n.idempotency_key}); it != keys_.end()) {
    const auto& first = notifications_[it->second];
    PublishResult result{first.n.id, Sequence(it->second + 1), {}, true};
    for (const auto& r : first.n.recipients) result.routed_to.push_back(r.agency);
    if (first.n.request_hash != n.request_hash) {
      Append(entries::ReusedKey(n, result, first.n.case_ref.value()));
      return errors::ReusedKey(first.n.id);
    }
    Append(entries::Duplicate(n, result, first.n.case_ref.value(), first.n.content_hash));
    return result;
  }
  const Sequence seq(notifications_.size() + 1);
  Stored stored{n, *n.body, {}, clock_.WallMicros(), 0};
  for (const auto& view : n.views) stored.views.push_back(*view.body);
  for (auto& r : stored.n.recipients) r.purpose = PurposeOf(n, r);  // as stored
  notifications_.push_back(std::move(stored));
  keys_[{n.publisher, n.idempotency_key}] = notifications_.size() - 1;
  for (const auto& hash : n.person_hashes) person_cases_[hash].insert(n.case_ref);
  Append(entries::Published(n, seq));
  for (const auto& opening : n.expectations) Append(entries::ExpectationOpened(n, seq, opening));
  if (!n.engage.empty()) {
    const CaseChange change{n.publisher, n.case_ref, n.engage, {}, CaseStatusChange::kNone};
    (void)DoChangeCase(change, FromMinutes(n.id), n.id.value());  // cannot fail: no disengage
  }
  PublishResult result{n.id, seq, {}, false};
  for (const auto& r : n.recipients) {
    result.routed_to.push_back(r.agency);
    woken.insert(r.agency);
  }
  return result;
}

void FakeStore::RecordRefusal(Refusal refusal, StatusDone done) {
  Submit(
      [this, refusal = std::move(refusal)](std::set<AgencyId>&) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        Append(entries::Refused(refusal));
        return absl::OkStatus();
      },
      std::move(done));
}

void FakeStore::RecordDelivered(std::vector<DeliveredEvent> events, StatusDone done, bool) {
  Submit(
      [this, events = std::move(events)](std::set<AgencyId>&) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        for (auto& e : entries::Delivered(events)) Append(std::move(e));
        for (const auto& e : events) {
          auto it = subscriptions_.find({e.recipient, e.subscription});
          if (it == subscriptions_.end()) continue;  // deleted while its stream was open
          it->second.delivered_through = std::max(it->second.delivered_through, e.sequence);
          if (e.again) {
            attempts_[{e.recipient, e.subscription}][e.sequence.value()] = DeliveryAttempt{
                e.sequence, AttemptState::kRedelivered, e.attempt, clock_.WallMicros()};
          }
        }
        return absl::OkStatus();
      },
      std::move(done));
}

std::vector<DeliveryFacts> FakeStore::FactsOf(const AgencyId& agency, Sequence after,
                                              Sequence through, size_t limit) const {
  std::vector<DeliveryFacts> out;
  for (size_t i = after.value(); i < notifications_.size() && out.size() < limit; ++i) {
    const Sequence seq(i + 1);
    if (seq > through) break;
    const auto& n = notifications_[i].n;
    for (const auto& r : n.recipients) {
      if (r.agency != agency) continue;
      out.push_back({seq, n.id, n.case_ref, r.rule, r.lawful_basis, r.purpose,
                     *ViewOf(notifications_[i], r.view).second, r.agreement, r.linked_cases,
                     r.urgent});
    }
  }
  return out;
}

std::pair<const std::string*, const std::string*> FakeStore::ViewOf(const Stored& stored,
                                                                    uint32_t view) {
  if (view == 0) return {&stored.body, &stored.n.content_hash};
  return {&stored.views[view - 1], &stored.n.views[view - 1].content_hash};
}

absl::Status FakeStore::Damaged(absl::Status found) const {
  if (!found.ok() && fatal_.ok()) {
    fatal_ = found;
    NotifyFailure(fatal_);
  }
  return found;
}

absl::StatusOr<std::vector<StoredDelivery>> FakeStore::ReadDeliveries(const AgencyId& agency,
                                                                      Sequence after,
                                                                      size_t limit) const {
  std::vector<StoredDelivery> out;
  absl::MutexLock lock(&mu_);
  for (auto& facts : FactsOf(agency, after, Sequence(UINT64_MAX), limit)) {
    const auto& stored = notifications_[facts.sequence.value() - 1];
    if (stored.content_deleted_at != 0) continue;
    uint32_t view = 0;
    for (const auto& r : stored.n.recipients) {
      if (r.agency == agency) view = r.view;
    }
    StoredDelivery d{std::move(facts), *ViewOf(stored, view).first};
    if (auto st = CheckContentHash(d); !st.ok()) return Damaged(st);
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace safeshare::store
