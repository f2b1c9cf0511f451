#include "broker/store/group_commit.h"

#include <chrono>

#include "broker/core/logging.h"

namespace safeshare::store {
namespace {

int64_t NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Errors after which the database file can no longer be trusted to hold what
// we think it holds (a failed fsync may have dropped pages): stop writing.
bool IsFatal(const absl::Status& status) {
  return !status.ok() && !absl::IsResourceExhausted(status) && !absl::IsInvalidArgument(status) &&
         !absl::IsNotFound(status) && !absl::IsAlreadyExists(status);
}

}  // namespace

GroupCommit::GroupCommit(std::unique_ptr<Writer> writer, CommitListener listener)
    : writer_(std::move(writer)),
      listener_(std::move(listener)),
      completer_([this] { Complete(); }),
      thread_([this] { Run(); }) {}

GroupCommit::~GroupCommit() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();  // drains the queue; the completer then drains the outcomes
  completer_.join();
}

void GroupCommit::Submit(WriteOp op) {
  bool wake = true;
  {
    std::lock_guard lock(mu_);
    if (!op.can_wait) ++urgent_queued_;
    // An op that can wait need not wake a writer already lingering for it,
    // unless it fills a batch.
    wake = !op.can_wait || queue_.empty() || queue_.size() + 1 >= kMaxBatch;
    queue_.push_back({std::move(op), std::chrono::steady_clock::now()});
  }
  if (wake) wake_.notify_one();
}

std::vector<WriteOp> GroupCommit::TakeBatch() {
  std::unique_lock lock(mu_);
  wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
  // Only ops that can wait, and not a full batch of them: linger for an
  // urgent op to carry them, at most kMaxLinger after the oldest was queued.
  if (!queue_.empty() && urgent_queued_ == 0 && queue_.size() < kMaxBatch) {
    wake_.wait_until(lock, queue_.front().at + kMaxLinger, [this] {
      return stopping_ || urgent_queued_ > 0 || queue_.size() >= kMaxBatch;
    });
  }
  std::vector<WriteOp> batch;
  while (!queue_.empty() && batch.size() < kMaxBatch) {
    if (!queue_.front().op.can_wait) --urgent_queued_;
    batch.push_back(std::move(queue_.front().op));
    queue_.pop_front();
  }
  return batch;
}

void GroupCommit::Run() {
  while (true) {
    auto batch = TakeBatch();
    if (batch.empty()) break;  // stopping and drained
    auto outcome = Execute(std::move(batch));
    {
      std::lock_guard lock(done_mu_);
      outcomes_.push_back(std::move(outcome));
    }
    done_wake_.notify_one();
  }
  {
    std::lock_guard lock(done_mu_);
    writer_done_ = true;
  }
  done_wake_.notify_one();
}

void GroupCommit::Complete() {
  while (true) {
    std::deque<Outcome> ready;
    {
      std::unique_lock lock(done_mu_);
      done_wake_.wait(lock, [this] { return writer_done_ || !outcomes_.empty(); });
      if (outcomes_.empty()) return;  // writer finished and everything completed
      ready.swap(outcomes_);
    }
    for (auto& outcome : ready) {
      for (size_t i = 0; i < outcome.ops.size(); ++i) outcome.ops[i].done(outcome.results[i]);
      if (!outcome.woken.empty() && listener_) listener_(outcome.woken);
    }
  }
}

GroupCommit::Outcome GroupCommit::Execute(std::vector<WriteOp> batch) {
  static const auto log = ModuleLogger("store");
  Outcome outcome{std::move(batch), {}, {}};
  auto& ops = outcome.ops;
  if (!fatal_.ok()) {
    outcome.results.assign(ops.size(), fatal_);
    return outcome;
  }
  outcome.results.resize(ops.size());
  absl::Status status = writer_->Begin(NowMicros());
  for (size_t i = 0; status.ok() && i < ops.size(); ++i) {
    outcome.results[i] = ops[i].apply(*writer_);
    // A business refusal (not found, invalid, a reused key) wrote nothing but
    // its own audit entry, which commits; anything else means the transaction
    // is in an unknown state.
    if (IsFatal(outcome.results[i]) || absl::IsResourceExhausted(outcome.results[i])) {
      status = outcome.results[i];
    }
  }
  if (status.ok()) status = writer_->Commit();
  if (status.ok()) {
    outcome.woken = writer_->woken();
    return outcome;
  }
  writer_->Rollback();
  log->error("write batch of {} failed, nothing in it was stored: {}", ops.size(),
             status.ToString());
  if (IsFatal(status)) {
    fatal_ = absl::UnavailableError("the store failed (" + std::string(status.message()) +
                                    "); the broker refuses writes until an operator restarts it");
    log->critical("store is no longer trusted; refusing all writes until restart");
  }
  outcome.results.assign(ops.size(), status);
  return outcome;
}

}  // namespace safeshare::store
