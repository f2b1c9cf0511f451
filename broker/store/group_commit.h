#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "broker/store/writer.h"

namespace safeshare::store {

// One unit of work for the writer. `apply` runs inside a shared transaction on
// the writer thread and must fail before writing anything or succeed; `done`
// runs on the completion thread once the transaction is durable (with OK) or
// has failed (with the error). `done` must not block.
struct WriteOp {
  std::function<absl::Status(Writer&)> apply;
  std::function<void(absl::Status)> done;
  // Whether the op may wait (at most GroupCommit::kMaxLinger) for one that
  // may not, to share its commit and sync: audit of deliveries and
  // acknowledgements ride with the next publish instead of costing a sync
  // of their own, so a publish rarely queues behind them.
  bool can_wait = false;
};

// Group commit, after LevelDB's DBImpl::Write: callers queue operations; one
// writer thread takes everything queued (up to a bound), applies it in one
// transaction and syncs once. A second thread then completes the batch's
// operations in order, so answering callers (which may send on the network)
// overlaps with the next batch's writing and syncing. Callers never wait on
// the disk themselves. When only ops that can wait are queued, the writer
// lingers (at most kMaxLinger after the oldest) for one that cannot, so at a
// moderate rate the audit of deliveries and acknowledgements shares the
// publishes' syncs instead of adding its own.
class GroupCommit {
 public:
  // Called after each durable commit, once that batch's operations are
  // completed, with the agencies that have new deliveries. Runs on the
  // completion thread; must not block.
  using CommitListener = std::function<void(const std::set<AgencyId>&)>;

  GroupCommit(std::unique_ptr<Writer> writer, CommitListener listener);
  ~GroupCommit();  // completes queued operations, then stops the thread

  // Thread-safe. After a fatal store error every op fails with UNAVAILABLE.
  void Submit(WriteOp op);

 private:
  // A written batch waiting to be completed.
  struct Outcome {
    std::vector<WriteOp> ops;
    std::vector<absl::Status> results;  // per op; all the batch error on failure
    std::set<AgencyId> woken;
  };

  void Run();
  std::vector<WriteOp> TakeBatch();
  Outcome Execute(std::vector<WriteOp> batch);
  void Complete();

 public:
  static constexpr std::chrono::microseconds kMaxLinger{2000};

 private:
  static constexpr size_t kMaxBatch = 512;

  std::unique_ptr<Writer> writer_;  // only touched by thread_
  CommitListener listener_;
  std::mutex mu_;
  std::condition_variable wake_;
  struct Queued {
    WriteOp op;
    std::chrono::steady_clock::time_point at;
  };
  std::deque<Queued> queue_ ABSL_GUARDED_BY(mu_);
  size_t urgent_queued_ ABSL_GUARDED_BY(mu_) = 0;  // ops in queue_ that may not wait
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status fatal_;  // only touched by thread_
  std::mutex done_mu_;
  std::condition_variable done_wake_;
  std::deque<Outcome> outcomes_ ABSL_GUARDED_BY(done_mu_);
  bool writer_done_ ABSL_GUARDED_BY(done_mu_) = false;
  std::thread completer_;
  std::thread thread_;
};

}  // namespace safeshare::store
