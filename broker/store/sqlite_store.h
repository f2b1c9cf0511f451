#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "broker/audit/audit_entry.h"
#include "broker/store/group_commit.h"
#include "broker/store/records.h"

namespace safeshare::store {

class ReaderPool;

// The embedded durable store: notifications, deliveries, subscription
// positions and the hash-chained audit log in one SQLite database (WAL,
// synchronous=FULL). Writes are group-committed by one writer thread; every
// completion callback runs, in commit order, on the store's completion thread
// after the data is on disk, and must not block. Reads use a pool of read-only connections and may
// run on any thread. Thread-safe.
class SqliteStore {
 public:
  template <typename T>
  using Done = std::function<void(absl::StatusOr<T>)>;
  using CommitListener = GroupCommit::CommitListener;

  static absl::StatusOr<std::unique_ptr<SqliteStore>> Open(const std::filesystem::path& path);
  ~SqliteStore();  // completes queued writes first

  // Registers the one listener told, after each commit, which agencies have
  // new deliveries. Call before the first write.
  void SetCommitListener(CommitListener listener);

  // Stores the notification, its deliveries and audit entries atomically,
  // or, when (publisher, idempotency_key) was seen before with the same
  // request_hash, answers with the first notification and audits the
  // duplicate; with a different request_hash, audits the refusal and answers
  // ALREADY_EXISTS naming the first notification id.
  void Publish(NewNotification n, Done<PublishResult> done);
  // Audits a refused publish; `done` once the entry is durable.
  void RecordRefusal(Refusal refusal, std::function<void(absl::Status)> done);
  // Creates the subscription if new; answers its acknowledged position.
  void OpenSubscription(AgencyId agency, SubscriptionName name, Done<Sequence> done);
  // Cumulative acknowledgement through `through`, one audit entry per
  // newly acknowledged delivery.
  void Acknowledge(AgencyId agency, SubscriptionName name, Sequence through, Done<AckResult> done);
  // Audits deliveries handed to a stream; `done` once durable (or failed).
  // `can_wait`: nothing waits on `done` to make progress (the stream has
  // sent everything ready), so the entries may ride with the next publish's
  // commit (GroupCommit::kMaxLinger); a stream held back by this audit
  // passes false.
  void RecordDelivered(std::vector<DeliveredEvent> events, std::function<void(absl::Status)> done,
                       bool can_wait);

  // Up to `limit` deliveries for `agency` after `after`, in commit order.
  absl::StatusOr<std::vector<StoredDelivery>> ReadDeliveries(const AgencyId& agency, Sequence after,
                                                             size_t limit) const;
  // Audit entries with id > after_id, in order, at most `limit`.
  absl::StatusOr<std::vector<audit::Entry>> ReadAudit(int64_t after_id, size_t limit) const;

 private:
  SqliteStore(std::unique_ptr<ReaderPool> readers, std::unique_ptr<Writer> writer);
  void OnCommit(const std::set<AgencyId>& woken);

  std::unique_ptr<ReaderPool> readers_;
  std::mutex listener_mu_;
  CommitListener listener_ ABSL_GUARDED_BY(listener_mu_);
  GroupCommit commits_;  // last: its thread stops before the rest is destroyed
};

}  // namespace safeshare::store
