#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "broker/audit/audit_entry.h"
#include "broker/core/data_keys.h"
#include "broker/store/action_records.h"
#include "broker/store/database.h"
#include "broker/store/records.h"

namespace safeshare::store {

// Read-only connections with their prepared statements, lent to one thread at
// a time. They read committed data while the writer writes (SQLite's WAL,
// PostgreSQL's MVCC).
class ReaderPool {
 public:
  // `keys` open the bodies read (body_seal.h).
  static absl::StatusOr<std::unique_ptr<ReaderPool>> Open(std::shared_ptr<const Database> database,
                                                          std::shared_ptr<const DataKeys> keys);
  ~ReaderPool();

  // Each body is checked against its content hash (DATA_LOSS on mismatch).
  absl::StatusOr<std::vector<StoredDelivery>> Deliveries(const AgencyId& agency, Sequence after,
                                                         size_t limit);
  // See subscription_query.h.
  absl::StatusOr<DeliveryPage> SubscriptionPage(const AgencyId& agency, Sequence after,
                                                size_t limit, const DeliveryFilter& filter);
  absl::StatusOr<std::vector<SubscriptionStats>> Subscriptions(const AgencyId& agency,
                                                               const SubscriptionName& name);
  // See attempts_query.h.
  absl::StatusOr<std::vector<DeliveryAttempt>> Attempts(const AgencyId& agency,
                                                        const SubscriptionName& name,
                                                        Sequence acked_through);
  absl::StatusOr<std::vector<ParkedDelivery>> Parked(const AgencyId& agency,
                                                     const SubscriptionName& name, Sequence after,
                                                     size_t limit);
  absl::StatusOr<std::vector<audit::Entry>> Audit(int64_t after_id, size_t limit);
  // See audit_query.h.
  absl::StatusOr<std::vector<audit::Entry>> QueryAudit(const AuditQuery& query);
  absl::StatusOr<std::vector<UnacknowledgedDelivery>> Unacknowledged(
      const UnacknowledgedQuery& query);
  absl::StatusOr<StoredCheckpoint> Checkpoint(uint64_t tree_size);
  // See audit_query.h.
  absl::StatusOr<std::optional<NotificationId>> Published(const AgencyId& publisher,
                                                          const std::string& idempotency_key);
  // See routing_state_query.h.
  absl::StatusOr<CaseState> Case(const CaseRef& case_ref);
  absl::StatusOr<RoutingState> Routing();
  absl::StatusOr<RoutingState> Routing(const RoutingChanges& which);
  // See retention_query.h.
  // See action_query.h.
  absl::StatusOr<std::vector<StoredAction>> Actions(const NotificationId& id);
  absl::StatusOr<std::vector<HeldNotification>> Held(Sequence after,
                                                     const std::vector<std::string>& types,
                                                     size_t limit);
  absl::StatusOr<std::vector<RoutedNotification>> Routed(Sequence after, int64_t since_micros,
                                                         size_t limit, bool urgent_only);

 private:
  struct Reader;
  class Lease;
  ReaderPool(std::shared_ptr<const Database> database, std::shared_ptr<const DataKeys> keys);
  absl::StatusOr<std::unique_ptr<Reader>> Acquire();
  void Release(std::unique_ptr<Reader> reader);
  // Runs `read` with a reader lent for its duration.
  template <typename F>
  auto WithReader(F read) -> decltype(read(std::declval<Reader&>()));
  // The same, inside one read transaction on the reader's connection.
  template <typename F>
  auto InReadTransaction(F read) -> decltype(read(std::declval<Connection&>()));

  const std::shared_ptr<const Database> database_;
  const std::shared_ptr<const DataKeys> keys_;
  absl::Mutex mu_;
  std::vector<std::unique_ptr<Reader>> idle_ ABSL_GUARDED_BY(mu_);
};

}  // namespace safeshare::store
