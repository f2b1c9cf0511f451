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
         !absl::IsNotFound(status);
}

}  // namespace

GroupCommit::GroupCommit(std::unique_ptr<Writer> writer, CommitListener listener)
    : writer_(std::move(writer)), listener_(std::move(listener)), thread_([this] { Run(); }) {}

GroupCommit::~GroupCommit() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void GroupCommit::Submit(WriteOp op) {
  {
    std::lock_guard lock(mu_);
    queue_.push_back(std::move(op));
  }
  wake_.notify_one();
}

std::vector<WriteOp> GroupCommit::TakeBatch() {
  std::unique_lock lock(mu_);
  wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
  std::vector<WriteOp> batch;
  while (!queue_.empty() && batch.size() < kMaxBatch) {
    batch.push_back(std::move(queue_.front()));
    queue_.pop_front();
  }
  return batch;
}

void GroupCommit::Run() {
  while (true) {
    auto batch = TakeBatch();
    if (batch.empty()) return;  // stopping and drained
    Execute(batch);
  }
}

void GroupCommit::Execute(std::vector<WriteOp>& batch) {
  static const auto log = ModuleLogger("store");
  if (!fatal_.ok()) {
    for (auto& op : batch) op.done(fatal_);
    return;
  }
  std::vector<absl::Status> results(batch.size());
  absl::Status status = writer_->Begin(NowMicros());
  for (size_t i = 0; status.ok() && i < batch.size(); ++i) {
    results[i] = batch[i].apply(*writer_);
    // A business refusal (not found, invalid) wrote nothing; anything else
    // means the transaction is in an unknown state.
    if (IsFatal(results[i]) || absl::IsResourceExhausted(results[i])) status = results[i];
  }
  if (status.ok()) status = writer_->Commit();
  if (!status.ok()) {
    writer_->Rollback();
    log->error("write batch of {} failed, nothing in it was stored: {}", batch.size(),
               status.ToString());
    if (IsFatal(status)) {
      fatal_ = absl::UnavailableError("the store failed (" + std::string(status.message()) +
                                      "); the broker refuses writes until an operator restarts it");
      log->critical("store is no longer trusted; refusing all writes until restart");
    }
    for (auto& op : batch) op.done(status);
    return;
  }
  for (size_t i = 0; i < batch.size(); ++i) batch[i].done(results[i]);
  if (!writer_->woken().empty() && listener_) listener_(writer_->woken());
}

}  // namespace safeshare::store
