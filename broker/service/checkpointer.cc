#include "broker/service/checkpointer.h"

#include <boost/asio/post.hpp>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "broker/core/logging.h"

namespace safeshare::service {
namespace {

const std::shared_ptr<spdlog::logger>& Log() {
  static const auto log = ModuleLogger("checkpoint");
  return log;
}

// The latest saved checkpoint must still describe the log: as many entries
// at least, and the same root over them. Otherwise entries were removed or
// rewritten since it was signed, and the broker must not sign over that.
absl::Status CheckAgainst(const store::Store& store, const store::StoredCheckpoint& latest) {
  const uint64_t size = store.AuditTreeSize();
  const std::string restore =
      "; restore the store from a backup and check it with `safeshare audit verify`";
  if (size < latest.tree_size) {
    return absl::DataLossError(absl::StrCat("audit log: it holds ", size,
                                            " entries but a checkpoint was signed at ",
                                            latest.tree_size, ": entries were removed", restore));
  }
  auto root = store.AuditRoot(latest.tree_size);
  if (!root.ok()) return root.status();
  if (*root != latest.root) {
    return absl::DataLossError(absl::StrCat(
        "audit log: its first ", latest.tree_size,
        " entries no longer hash to the root of the checkpoint signed at that size: the log was "
        "altered",
        restore));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<audit::CheckpointSigner> LoadCheckpointSigner(const config::AuditConfig& config) {
  return audit::CheckpointSigner::Load(config.signing_key, config.origin);
}

Checkpointer::Checkpointer(store::Store& store, audit::CheckpointSigner signer,
                           CheckpointSchedule schedule, const Clock& clock)
    : store_(store), signer_(std::move(signer)), schedule_(schedule), clock_(clock) {}

Checkpointer::~Checkpointer() {
  if (auto stopped = Stop(); !stopped.ok()) Log()->error("{}", stopped.ToString());
}

uint64_t Checkpointer::last_saved_size() const {
  absl::MutexLock lock(&mu_);
  return last_size_;
}

absl::Status Checkpointer::Start() {
  auto latest = store_.ReadCheckpoint(0);
  if (!latest.ok() && !absl::IsNotFound(latest.status())) return latest.status();
  if (latest.ok()) {
    auto intact = CheckAgainst(store_, *latest);
    if (!intact.ok() && store_.AuditTreeSize() < latest->tree_size) {
      // Brokers sharing a database: another may have signed over entries
      // it committed after this broker read the log at start-up. Any write
      // reads them in first (the writer catches up with other brokers'
      // entries); saving that same checkpoint again changes nothing else.
      // Entries really removed are still missing afterwards.
      absl::Notification saved;
      store_.SaveCheckpoint(*latest, [&saved](const absl::Status&) { saved.Notify(); });
      saved.WaitForNotification();
      intact = CheckAgainst(store_, *latest);
    }
    if (!intact.ok()) return intact;
  }
  const uint64_t size = store_.AuditTreeSize();
  {
    absl::MutexLock lock(&mu_);
    last_size_ = latest.ok() ? latest->tree_size : 0;
    last_time_ = clock_.Steady();
    // Grown while the broker was down (a crash skipped the last one).
    overdue_ = size > last_size_;
    started_ = true;
  }
  Log()->info(
      "audit checkpoints under {} every {} entries or {} s; log {} entries, last "
      "checkpoint at {}",
      signer_.origin(), schedule_.every_entries, schedule_.every.count(), size,
      latest.ok() ? latest->tree_size : 0);
  boost::asio::post(thread_, [this] { Poll(); });
  return absl::OkStatus();
}

bool Checkpointer::Due(uint64_t size) const {
  if (saving_ || stopped_ || size <= last_size_) return false;
  return overdue_ || size - last_size_ >= schedule_.every_entries ||
         clock_.Steady() - last_time_ >= schedule_.every;
}

void Checkpointer::Poll() {
  const uint64_t size = store_.AuditTreeSize();
  // A failed store takes the broker out of service and says so once; a
  // save every poll would only repeat it.
  const bool failed = !store_.Failure().ok();
  bool due = false;
  {
    absl::MutexLock lock(&mu_);
    if (stopped_) return;  // not re-armed: Stop's join ends the thread
    due = !failed && Due(size);
    if (due) saving_ = true;
  }
  if (due) Sign(size, [](const absl::Status&) {});
  Arm();
}

void Checkpointer::Arm() {
  timer_.expires_after(schedule_.poll);
  timer_.async_wait([this](const boost::system::error_code& error) {
    if (!error) Poll();
  });
}

// REQUIRES: saving_ was set by the caller, for this save.
void Checkpointer::Sign(uint64_t size, std::function<void(absl::Status)> done) {
  auto root = store_.AuditRoot(size);
  if (!root.ok()) {
    absl::MutexLock lock(&mu_);
    saving_ = false;
    return done(root.status());
  }
  store::StoredCheckpoint checkpoint{size, *root, signer_.Sign(size, *root), clock_.WallMicros()};
  store_.SaveCheckpoint(
      std::move(checkpoint), [this, size, done = std::move(done)](const absl::Status& saved) {
        {
          absl::MutexLock lock(&mu_);
          saving_ = false;
          if (saved.ok() || absl::IsAlreadyExists(saved)) {
            last_size_ = std::max(last_size_, size);
            last_time_ = clock_.Steady();
            overdue_ = false;
          }
        }
        if (saved.ok()) Log()->info("audit checkpoint signed at {} entries", size);
        if (!saved.ok() && !absl::IsAlreadyExists(saved)) {
          Log()->error("audit checkpoint at {} entries not saved (tried again later): {}", size,
                       saved.ToString());
        }
        done(absl::IsAlreadyExists(saved) ? absl::OkStatus() : saved);
      });
}

absl::Status Checkpointer::Stop() {
  {
    absl::MutexLock lock(&mu_);
    if (!started_ || stopped_) return absl::OkStatus();
    stopped_ = true;
  }
  // The timer is the pool thread's alone: cancel it there, then let the
  // thread finish.
  boost::asio::post(thread_, [this] { timer_.cancel(); });
  thread_.join();
  const uint64_t size = store_.AuditTreeSize();
  {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(this, &Checkpointer::Idle));
    if (size <= last_size_) return absl::OkStatus();
    saving_ = true;
  }
  absl::Notification saved;
  absl::Status result;
  Sign(size, [&](absl::Status status) {
    result = std::move(status);
    saved.Notify();
  });
  saved.WaitForNotification();
  return result;
}

}  // namespace safeshare::service
