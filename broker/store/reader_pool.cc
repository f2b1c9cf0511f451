#include "broker/store/reader_pool.h"

#include "broker/store/action_query.h"

#include "broker/core/status_macros.h"
#include "broker/store/attempts_query.h"
#include "broker/store/audit_query.h"
#include "broker/store/audit_rows.h"
#include "broker/store/delivery_query.h"
#include "broker/store/retention_query.h"
#include "broker/store/routing_state_query.h"
#include "broker/store/store.h"
#include "broker/store/subscription_query.h"

namespace safeshare::store {
struct ReaderPool::Reader {
  std::unique_ptr<Connection> db;
  Statement deliveries;
  Statement audit;
  Statement latest, delivery_page;  // a subscription's reads (QueryDeliveryPage)
};

// Returns the reader to the pool when it goes out of scope.
class ReaderPool::Lease {
 public:
  Lease(ReaderPool& pool, std::unique_ptr<Reader> reader)
      : pool_(pool), reader_(std::move(reader)) {}
  ~Lease() { pool_.Release(std::move(reader_)); }
  Reader& get() { return *reader_; }

 private:
  ReaderPool& pool_;
  std::unique_ptr<Reader> reader_;
};

absl::StatusOr<std::unique_ptr<ReaderPool>> ReaderPool::Open(
    std::shared_ptr<const Database> database, std::shared_ptr<const DataKeys> keys) {
  std::unique_ptr<ReaderPool> pool(new ReaderPool(std::move(database), std::move(keys)));
  auto first = pool->Acquire();  // fail early if the database cannot be read
  if (!first.ok()) return first.status();
  pool->Release(std::move(*first));
  return pool;
}

ReaderPool::ReaderPool(std::shared_ptr<const Database> database,
                       std::shared_ptr<const DataKeys> keys)
    : database_(std::move(database)), keys_(std::move(keys)) {}
ReaderPool::~ReaderPool() = default;

absl::StatusOr<std::unique_ptr<ReaderPool::Reader>> ReaderPool::Acquire() {
  {
    absl::MutexLock lock(&mu_);
    if (!idle_.empty()) {
      auto reader = std::move(idle_.back());
      idle_.pop_back();
      return reader;
    }
  }
  auto db = database_->OpenReader();
  if (!db.ok()) return db.status();
  auto deliveries = (*db)->Prepare(DeliveryQuery(/*with_body=*/true, "ORDER BY d.seq LIMIT ?3"));
  if (!deliveries.ok()) return deliveries.status();
  auto audit = (*db)->Prepare(std::string("SELECT ") + kAuditColumns +
                              " FROM audit a WHERE a.id>?1 ORDER BY a.id LIMIT ?2");
  if (!audit.ok()) return audit.status();
  auto latest = (*db)->Prepare(kLatestSql);
  if (!latest.ok()) return latest.status();
  auto page = (*db)->Prepare(DeliveryQuery(/*with_body=*/true, DeliveryPageTail()));
  if (!page.ok()) return page.status();
  return std::unique_ptr<Reader>(new Reader{std::move(*db), std::move(*deliveries),
                                            std::move(*audit), std::move(*latest),
                                            std::move(*page)});
}

void ReaderPool::Release(std::unique_ptr<Reader> reader) {
  absl::MutexLock lock(&mu_);
  idle_.push_back(std::move(reader));
}

template <typename F>
auto ReaderPool::WithReader(F read) -> decltype(read(std::declval<Reader&>())) {
  auto acquired = Acquire();
  if (!acquired.ok()) return acquired.status();
  Lease reader(*this, std::move(*acquired));
  return read(reader.get());
}

template <typename F>
auto ReaderPool::InReadTransaction(F read) -> decltype(read(std::declval<Connection&>())) {
  return WithReader([&](Reader& reader) -> decltype(read(std::declval<Connection&>())) {
    // One committed state for every query of the read.
    SAFESHARE_RETURN_IF_ERROR(reader.db->Exec(database_->dialect().begin_read));
    auto result = read(*reader.db);
    (void)reader.db->Exec("COMMIT");
    return result;
  });
}

absl::StatusOr<std::vector<StoredDelivery>> ReaderPool::Deliveries(const AgencyId& agency,
                                                                   Sequence after, size_t limit) {
  return WithReader([&](Reader& reader) -> absl::StatusOr<std::vector<StoredDelivery>> {
    auto& s = reader.deliveries;
    s.Bind(1, agency.value())
        .Bind(2, static_cast<int64_t>(after.value()))
        .Bind(3, static_cast<int64_t>(limit));
    auto rows = CollectRows<SealedDelivery>(s, SealedAt);
    if (!rows.ok()) return rows.status();
    return OpenDeliveries(*std::move(rows), *keys_);
  });
}

absl::StatusOr<DeliveryPage> ReaderPool::SubscriptionPage(const AgencyId& agency, Sequence after,
                                                          size_t limit,
                                                          const DeliveryFilter& filter) {
  return WithReader([&](Reader& reader) {
    return QueryDeliveryPage(*keys_, reader.latest, reader.delivery_page, agency, after, limit,
                             filter);
  });
}

absl::StatusOr<std::vector<SubscriptionStats>> ReaderPool::Subscriptions(
    const AgencyId& agency, const SubscriptionName& name) {
  return InReadTransaction(
      [&](Connection& db) { return QuerySubscriptionStats(db, agency, name); });
}

absl::StatusOr<std::vector<DeliveryAttempt>> ReaderPool::Attempts(const AgencyId& agency,
                                                                  const SubscriptionName& name,
                                                                  Sequence acked_through) {
  return InReadTransaction(
      [&](Connection& db) { return QueryAttempts(db, agency, name, acked_through); });
}

absl::StatusOr<std::vector<ParkedDelivery>> ReaderPool::Parked(const AgencyId& agency,
                                                               const SubscriptionName& name,
                                                               Sequence after, size_t limit) {
  return InReadTransaction(
      [&](Connection& db) { return QueryParked(db, agency, name, after, limit); });
}

absl::StatusOr<std::vector<audit::Entry>> ReaderPool::Audit(int64_t after_id, size_t limit) {
  return WithReader([&](Reader& reader) {
    auto& s = reader.audit;
    s.Bind(1, after_id).Bind(2, static_cast<int64_t>(limit));
    return CollectRows<audit::Entry>(s, AuditEntryFromRow);
  });
}

absl::StatusOr<std::vector<audit::Entry>> ReaderPool::QueryAudit(const AuditQuery& query) {
  return InReadTransaction([&](Connection& db) { return QueryAuditEntries(db, query); });
}

absl::StatusOr<std::vector<UnacknowledgedDelivery>> ReaderPool::Unacknowledged(
    const UnacknowledgedQuery& query) {
  return InReadTransaction([&](Connection& db) { return QueryUnacknowledged(db, query); });
}

absl::StatusOr<StoredCheckpoint> ReaderPool::Checkpoint(uint64_t tree_size) {
  return WithReader([&](Reader& reader) { return QueryCheckpoint(*reader.db, tree_size); });
}

absl::StatusOr<std::optional<NotificationId>> ReaderPool::Published(
    const AgencyId& publisher, const std::string& idempotency_key) {
  return WithReader(
      [&](Reader& reader) { return QueryPublished(*reader.db, publisher, idempotency_key); });
}

absl::StatusOr<std::vector<StoredAction>> ReaderPool::Actions(const NotificationId& id) {
  return WithReader([&](Reader& reader) { return QueryActions(*reader.db, *keys_, id); });
}

absl::StatusOr<std::vector<HeldNotification>> ReaderPool::Held(
    Sequence after, const std::vector<std::string>& types, size_t limit) {
  return InReadTransaction([&](Connection& db) { return QueryHeld(db, after, types, limit); });
}

absl::StatusOr<CaseState> ReaderPool::Case(const CaseRef& case_ref) {
  return InReadTransaction([&](Connection& db) { return QueryCase(db, case_ref); });
}

absl::StatusOr<RoutingState> ReaderPool::Routing() {
  return InReadTransaction([](Connection& db) { return QueryRoutingState(db); });
}

absl::StatusOr<RoutingState> ReaderPool::Routing(const RoutingChanges& which) {
  return InReadTransaction([&](Connection& db) { return QueryRoutingChanges(db, which); });
}

absl::StatusOr<std::vector<RoutedNotification>> ReaderPool::Routed(Sequence after,
                                                                   int64_t since_micros,
                                                                   size_t limit, bool urgent_only) {
  return InReadTransaction([&](Connection& db) {
    return QueryRouted(db, *keys_, after, since_micros, limit, urgent_only);
  });
}

}  // namespace safeshare::store
