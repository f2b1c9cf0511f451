#pragma once

#include <chrono>
#include <cstdint>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "broker/audit/checkpoint.h"
#include "broker/config/broker_config.h"
#include "broker/core/clock.h"
#include "broker/store/store.h"

namespace safeshare::service {

// Checks the key file (owner only, as config/broker.yaml `audit.signing_key`
// requires) and loads it to sign checkpoints under `config.origin`. Errors
// name the setting and the file, never the key.
absl::StatusOr<audit::CheckpointSigner> LoadCheckpointSigner(const config::AuditConfig& config);

struct CheckpointSchedule {
  uint64_t every_entries = 1000;   // sign once the log grew by this many entries
  std::chrono::seconds every{60};  // or once this long passed and it grew at all
  // How often the log's size is looked at: a lock and a read, nothing
  // more. A checkpoint lags the entry that made it due by at most this.
  std::chrono::milliseconds poll{200};
};

// Signs the audit log's tree head (audit::CheckpointSigner) and keeps it in
// the store (Store::SaveCheckpoint) when the log has grown by
// `every_entries`, when `every` has passed since the last checkpoint and
// the log grew, once at Start if the log grew since the last saved
// checkpoint (a crash skipped the one at shutdown), and once at Stop.
//
// Never two checkpoints of the same size: one is signed only for a size
// larger than the last saved, and one save at a time. A save that fails is
// logged and tried again at the next poll (none while the store has failed). Its timer runs on a
// thread of its own (Boost.Asio), never on the store's or gRPC's. Thread-safe; the store and clock
// must outlive it.
class Checkpointer {
 public:
  Checkpointer(store::Store& store, audit::CheckpointSigner signer, CheckpointSchedule schedule,
               const Clock& clock = SystemClock());
  ~Checkpointer();  // Stop()s if Start()ed and not stopped
  Checkpointer(const Checkpointer&) = delete;
  Checkpointer& operator=(const Checkpointer&) = delete;

  // Reads the latest saved checkpoint, signs one at once if the log has
  // grown since, and starts the timer.
  absl::Status Start();
  // Stops the timer, waits for a save in flight, and signs a last
  // checkpoint if the log grew since the last one; returns once it is
  // saved (or why not). Call after the last write and before the store
  // closes. Idempotent.
  absl::Status Stop();

  // The size of the last checkpoint saved (0: none yet).
  uint64_t last_saved_size() const;

 private:
  void Arm();
  void Poll();
  // Signs and saves the tree of `size` entries; `done` once saved (or not).
  void Sign(uint64_t size, std::function<void(absl::Status)> done);
  bool Due(uint64_t size) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool Idle() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return !saving_; }

  store::Store& store_;
  const audit::CheckpointSigner signer_;
  const CheckpointSchedule schedule_;
  const Clock& clock_;
  boost::asio::thread_pool thread_{1};
  boost::asio::steady_timer timer_{thread_};

  mutable absl::Mutex mu_;
  uint64_t last_size_ ABSL_GUARDED_BY(mu_) = 0;
  std::chrono::steady_clock::time_point last_time_ ABSL_GUARDED_BY(mu_);
  bool saving_ ABSL_GUARDED_BY(mu_) = false;   // one save at a time
  bool overdue_ ABSL_GUARDED_BY(mu_) = false;  // grown since the last checkpoint, at Start
  bool started_ ABSL_GUARDED_BY(mu_) = false;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace safeshare::service
