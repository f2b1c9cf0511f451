#include "broker/store/group_commit.h"

#include "broker/core/logging.h"
#include "broker/store/store.h"

namespace safeshare::store {
namespace {

const std::shared_ptr<spdlog::logger>& Log() {
  static const auto log = ModuleLogger("store");
  return log;
}

}  // namespace

Failure Classify(const absl::Status& status) {
  if (errors::IsRefusedAlone(status)) return Failure::kOperation;
  switch (status.code()) {
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kAborted:  // a constraint violation (SqliteError)
      return Failure::kOperation;
    case absl::StatusCode::kAlreadyExists:
      return Failure::kAudited;
    case absl::StatusCode::kResourceExhausted:
    case absl::StatusCode::kUnavailable:
      return Failure::kBatch;
    default:
      return Failure::kFatal;
  }
}

GroupCommit::GroupCommit(std::unique_ptr<Writer> writer, const Clock& clock, Options options,
                         CommitListener listener, FatalListener on_fatal, LeavesListener on_leaves)
    : writer_(std::move(writer)),
      clock_(clock),
      options_(std::move(options)),
      listener_(std::move(listener)),
      on_fatal_(std::move(on_fatal)),
      on_leaves_(std::move(on_leaves)),
      completer_([this] { Complete(); }),
      thread_([this] { Run(); }) {}

GroupCommit::~GroupCommit() {
  Close();
  {
    absl::MutexLock lock(&done_mu_);
    stop_completer_ = true;
  }
  completer_.join();
}

void GroupCommit::Close() {
  {
    absl::MutexLock lock(&mu_);
    closed_ = true;
  }
  if (thread_.joinable()) thread_.join();  // applies what was queued
  writer_.reset();                         // checkpoints and closes the database
  absl::MutexLock lock(&done_mu_);
  done_mu_.Await(absl::Condition(
      +[](GroupCommit* self) ABSL_EXCLUSIVE_LOCKS_REQUIRED(self->done_mu_) {
        return self->outcomes_.empty() && !self->completing_;
      },
      this));
}

absl::Status GroupCommit::Fatal() const {
  absl::MutexLock lock(&fatal_mu_);
  return fatal_;
}

void GroupCommit::Submit(WriteOp op) {
  absl::MutexLock lock(&mu_);
  if (closed_) {
    return Reject(std::move(op), errors::ShuttingDown());
  }
  if (queue_.size() >= options_.max_queued) {
    return Reject(std::move(op), errors::Overloaded(queue_.size()));
  }
  if (!op.can_wait) ++urgent_queued_;
  queue_.push_back({std::move(op), std::chrono::steady_clock::now()});
}

void GroupCommit::Reject(WriteOp op, absl::Status why) {
  Outcome outcome;
  outcome.ops.push_back(std::move(op));
  outcome.results.push_back(std::move(why));
  PushOutcome(std::move(outcome));
}

std::vector<WriteOp> GroupCommit::TakeBatch(bool may_idle) {
  absl::MutexLock lock(&mu_);
  const absl::Condition work(
      +[](GroupCommit* self) ABSL_EXCLUSIVE_LOCKS_REQUIRED(self->mu_) {
        return self->closed_ || !self->queue_.empty();
      },
      this);
  if (!may_idle) {
    mu_.Await(work);
  } else if (!mu_.AwaitWithTimeout(work, absl::FromChrono(kIndexWhenIdle))) {
    return {};  // idle: time to file the audit entries in the index
  }
  // Only ops that can wait, and not a full batch of them: linger for an
  // urgent op to carry them, at most kMaxLinger after the oldest was queued.
  if (!queue_.empty() && urgent_queued_ == 0 && queue_.size() < kMaxBatch) {
    const auto linger = queue_.front().at + kMaxLinger - std::chrono::steady_clock::now();
    mu_.AwaitWithTimeout(absl::Condition(
                             +[](GroupCommit* self) ABSL_EXCLUSIVE_LOCKS_REQUIRED(self->mu_) {
                               return self->closed_ || self->urgent_queued_ > 0 ||
                                      self->queue_.size() >= kMaxBatch;
                             },
                             this),
                         absl::FromChrono(linger));
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
    auto batch = TakeBatch(/*may_idle=*/writer_->Unindexed() > 0 || writer_->CheckpointWanted());
    if (!batch.empty()) {
      PushOutcome(Execute(std::move(batch)));
      if (writer_->Unindexed() >= static_cast<int64_t>(kIndexBatch)) IndexAudit();
      continue;
    }
    // Idle, or closed and drained: file every entry, so that a clean stop
    // leaves the index complete.
    while (writer_->Unindexed() > 0 && IndexAudit()) {
    }
    if (writer_->CheckpointWanted()) CheckpointDeletedContent();
    absl::MutexLock lock(&mu_);
    if (closed_ && queue_.empty()) return;
  }
}

bool GroupCommit::IndexAudit() {
  if (!Fatal().ok()) return false;
  auto filed = writer_->IndexAudit(kIndexBatch);
  if (filed.ok()) {
    if (index_failing_) Log()->info("the audit index is being updated again");
    index_failing_ = false;
    return *filed > 0;
  }
  if (Classify(filed.status()) == Failure::kFatal) {
    BecomeFatal(filed.status());
  } else if (!index_failing_) {  // once, not at every retry
    Log()->warn(
        "could not file audit entries in the query index ({}); audit queries still find them "
        "(read from the log), and filing is retried",
        filed.status().ToString());
  }
  index_failing_ = true;
  return false;
}

void GroupCommit::CheckpointDeletedContent() {
  if (!Fatal().ok()) return;
  auto done = writer_->CheckpointLog();
  if (!done.ok()) {
    Log()->warn("could not checkpoint after deleting content ({}); retried when idle",
                done.status().ToString());
  } else if (*done) {
    Log()->debug("write-ahead log checkpointed after deleting content");
  }
}

void GroupCommit::PushOutcome(Outcome outcome) {
  {
    absl::MutexLock lock(&done_mu_);
    outcomes_.push_back(std::move(outcome));
  }
}

void GroupCommit::Complete() {
  while (true) {
    std::deque<Outcome> ready;
    {
      absl::MutexLock lock(&done_mu_);
      completing_ = false;
      done_mu_.Await(absl::Condition(
          +[](GroupCommit* self) ABSL_EXCLUSIVE_LOCKS_REQUIRED(self->done_mu_) {
            return self->stop_completer_ || !self->outcomes_.empty();
          },
          this));
      if (outcomes_.empty()) return;  // stopping and everything completed
      ready.swap(outcomes_);
      completing_ = true;
    }
    for (auto& outcome : ready) {
      for (size_t i = 0; i < outcome.ops.size(); ++i) outcome.ops[i].done(outcome.results[i]);
      if (!outcome.woken.empty() && listener_) listener_(outcome.woken);
    }
  }
}

// Applies every op, each in its own savepoint. Returns the error that fails
// the whole batch, or OK (ops refused on their own have their own result).
absl::Status GroupCommit::ApplyAll(std::vector<WriteOp>& ops, std::vector<absl::Status>& results) {
  for (size_t i = 0; i < ops.size(); ++i) {
    if (auto st = writer_->Savepoint(); !st.ok()) return st;
    results[i] = ops[i].apply(*writer_);
    if (results[i].ok() || Classify(results[i]) == Failure::kAudited) {
      if (auto st = writer_->ReleaseSavepoint(); !st.ok()) return st;
    } else if (Classify(results[i]) == Failure::kOperation) {
      if (auto st = writer_->RollbackToSavepoint(); !st.ok()) return st;
    } else {
      return results[i];
    }
  }
  return absl::OkStatus();
}

GroupCommit::Outcome GroupCommit::Execute(std::vector<WriteOp> batch) {
  Outcome outcome{std::move(batch), {}, {}};
  auto& ops = outcome.ops;
  if (!Fatal().ok()) {
    outcome.results.assign(ops.size(), errors::StoreFailed());
    return outcome;
  }
  absl::Status status;
  const auto started = std::chrono::steady_clock::now();
  const auto observe = [&] {
    if (!options_.on_batch) return;
    options_.on_batch(ops.size(),
                      std::chrono::duration_cast<std::chrono::microseconds>(
                          std::chrono::steady_clock::now() - started),
                      status.code());
  };
  for (int attempt = 1; attempt <= kBusyAttempts; ++attempt) {
    outcome.results.assign(ops.size(), absl::OkStatus());
    status = writer_->Begin(clock_.WallMicros());
    if (status.ok()) status = ApplyAll(ops, outcome.results);
    if (status.ok()) status = writer_->Commit();
    if (status.ok()) {
      observe();
      outcome.woken = writer_->woken();
      auto leaves = writer_->TakeCommittedLeaves();
      if (on_leaves_ && !leaves.empty()) on_leaves_(std::move(leaves));
      return outcome;
    }
    writer_->Rollback();
    if (!absl::IsUnavailable(status)) break;  // only a busy database is worth retrying
    std::this_thread::sleep_for(std::chrono::milliseconds(20 * attempt));
  }
  observe();
  Log()->error("write batch of {} failed, nothing in it was stored: {}", ops.size(),
               status.ToString());
  if (Classify(status) == Failure::kFatal) {
    BecomeFatal(status);
    status = errors::StoreFailed();
  } else {  // the client's words, without the database's
    status = absl::IsResourceExhausted(status) ? errors::DiskFull() : errors::Busy();
  }
  outcome.results.assign(ops.size(), status);
  return outcome;
}

void GroupCommit::BecomeFatal(const absl::Status& cause) {
  {
    absl::MutexLock lock(&fatal_mu_);
    if (!fatal_.ok()) return;
    fatal_ = cause;
  }
  Log()->critical(
      "the store is no longer trusted ({}); refusing all writes and reporting NOT_SERVING until "
      "an operator restores the store and restarts the broker",
      cause.ToString());
  if (on_fatal_) on_fatal_(cause);
}

}  // namespace safeshare::store
