#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <set>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

#include "absl/status/status.h"
#include "broker/core/clock.h"
#include "broker/store/writer.h"

namespace safeshare::store {

// One unit of work for the writer. `apply` runs inside a shared transaction
// on the writer thread, inside its own savepoint; `done` runs on the
// completion thread once the transaction is durable (with OK) or has failed
// (with the error). `done` must not block.
struct WriteOp {
  std::function<absl::Status(Writer&)> apply;
  std::function<void(absl::Status)> done;
  // Whether the op may wait (at most GroupCommit::kMaxLinger) for one that
  // may not, to share its commit and sync.
  bool can_wait = false;
};

// How a failed operation or batch is treated.
enum class Failure {
  kOperation,  // refused on its own (NOT_FOUND, INVALID_ARGUMENT, constraint,
               // errors::IsRefusedAlone):
               // rolled back to its savepoint, the rest of the batch commits
  kAudited,    // refused, with the refusal audited (ALREADY_EXISTS, a reused
               // idempotency key): its audit entry commits, nothing else
  kBatch,      // transient (disk full, busy): the batch stored nothing
  kFatal,      // the file can no longer be trusted (failed sync, corruption)
};
Failure Classify(const absl::Status& status);

// Group commit, after LevelDB's DBImpl::Write: callers queue operations; one
// writer thread takes everything queued (up to a bound), applies it in one
// transaction and syncs once. A second thread then completes the batch's
// operations in order, so answering callers overlaps with the next batch's
// writing and syncing. Callers never wait on the disk themselves. When only
// ops that can wait are queued, the writer lingers (at most kMaxLinger after
// the oldest) for one that cannot. Between batches, the writer files the
// committed audit entries in the query index (IndexAudit).
//
// Failures: an operation refused on its own fails alone; a busy database is
// retried (kBusyAttempts) before the batch fails UNAVAILABLE; a full disk
// fails the batch RESOURCE_EXHAUSTED; a fatal error fails the batch, calls
// `on_fatal` once, and every later op fails UNAVAILABLE until restart.
class GroupCommit {
 public:
  using CommitListener = std::function<void(const std::set<AgencyId>&)>;
  using FatalListener = std::function<void(const absl::Status&)>;
  // The Merkle leaves of a commit's audit entries, in id order.
  using LeavesListener = std::function<void(std::vector<audit::Hash>)>;

  struct Options {
    // Ops queued beyond this are refused RESOURCE_EXHAUSTED at once, so a
    // stalled disk cannot grow the queue (and memory) without bound.
    size_t max_queued = 20'000;
    // After each batch's commit attempt, on the writer thread: how many ops
    // it held, how long applying and committing took (busy retries
    // included), and the code of the error that failed it (OK when it
    // committed). For metrics; must be quick and must not block.
    std::function<void(size_t ops, std::chrono::microseconds took, absl::StatusCode code)> on_batch;
  };

  // `listener`: after each durable commit, once that batch's operations are
  // completed, with the agencies that have new deliveries (completion
  // thread). `on_fatal`: once, on the writer thread. `on_leaves`: after each
  // durable commit that wrote audit entries, on the writer thread, before
  // that batch's operations are completed (so whoever is told an entry is
  // durable finds it in the tree). None may block.
  GroupCommit(std::unique_ptr<Writer> writer, const Clock& clock, Options options,
              CommitListener listener, FatalListener on_fatal, LeavesListener on_leaves = nullptr);
  ~GroupCommit();  // Close(), then stops the completion thread

  // Thread-safe. `op.done` never runs inline.
  void Submit(WriteOp op);
  // Applies and completes everything queued, then closes the writer; later
  // ops fail UNAVAILABLE. Idempotent; not from the completion thread.
  void Close();
  // The fatal error once there was one, else OK. Thread-safe.
  absl::Status Fatal() const;
  // Stops trusting the store (e.g. a read found damaged data): logs, calls
  // `on_fatal` once, and refuses every later write. Thread-safe.
  void BecomeFatal(const absl::Status& cause);

  static constexpr std::chrono::microseconds kMaxLinger{2000};
  static constexpr int kBusyAttempts = 3;

 private:
  // A written batch (or refused ops) waiting to be completed.
  struct Outcome {
    std::vector<WriteOp> ops;
    std::vector<absl::Status> results;  // per op
    std::set<AgencyId> woken;
  };
  struct Queued {
    WriteOp op;
    std::chrono::steady_clock::time_point at;
  };

  void Run();
  // The next batch; empty when closed and drained or, if `may_idle`, when
  // nothing was queued for kIndexWhenIdle.
  std::vector<WriteOp> TakeBatch(bool may_idle);
  // Files up to kIndexBatch committed audit entries in the query index
  // (Writer::IndexAudit); true when it filed some. A transient failure is
  // logged once and retried later (queries read unfiled entries from the
  // log); a fatal one fails the store.
  bool IndexAudit();
  // After retention deleted content: the write-ahead log into the file and
  // truncated (Writer::CheckpointLog), when no reader holds it; else
  // tried again when next idle.
  void CheckpointDeletedContent();
  Outcome Execute(std::vector<WriteOp> batch);
  absl::Status ApplyAll(std::vector<WriteOp>& ops, std::vector<absl::Status>& results);
  void Reject(WriteOp op, absl::Status why);
  void PushOutcome(Outcome outcome);
  void Complete();

  static constexpr size_t kMaxBatch = 512;
  // The audit index is updated after a commit once this many entries wait,
  // and whenever the writer has been idle for kIndexWhenIdle: large sorted
  // batches under load, a complete index soon after it.
  static constexpr size_t kIndexBatch = 256;
  static constexpr std::chrono::milliseconds kIndexWhenIdle{100};

  std::unique_ptr<Writer> writer_;  // only touched by thread_
  bool index_failing_ = false;      // only touched by thread_
  const Clock& clock_;
  const Options options_;
  CommitListener listener_;
  FatalListener on_fatal_;
  LeavesListener on_leaves_;

  // Waits are absl::Mutex conditions (Await), which the unlocking thread
  // evaluates: a queued op that can wait does not wake a lingering writer.
  absl::Mutex mu_;
  std::deque<Queued> queue_ ABSL_GUARDED_BY(mu_);
  size_t urgent_queued_ ABSL_GUARDED_BY(mu_) = 0;  // ops in queue_ that may not wait
  bool closed_ ABSL_GUARDED_BY(mu_) = false;

  mutable absl::Mutex fatal_mu_;
  absl::Status fatal_ ABSL_GUARDED_BY(fatal_mu_);

  absl::Mutex done_mu_;
  std::deque<Outcome> outcomes_ ABSL_GUARDED_BY(done_mu_);
  bool completing_ ABSL_GUARDED_BY(done_mu_) = false;  // a batch is being completed
  bool stop_completer_ ABSL_GUARDED_BY(done_mu_) = false;
  std::thread completer_;
  std::thread thread_;
};

}  // namespace safeshare::store
