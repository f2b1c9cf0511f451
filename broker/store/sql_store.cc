#include "broker/store/sql_store.h"

#include "broker/core/logging.h"
#include "broker/store/reader_pool.h"
#include "broker/store/sqlite_database.h"

namespace safeshare::store {
namespace {

// How long the watch waits for an announcement before checking whether the
// store is closing.
constexpr std::chrono::milliseconds kWatchInterval{250};

// Adapts a typed operation to the writer: the result is kept until the
// transaction is durable, then handed to `done`.
template <typename T>
WriteOp TypedOp(std::function<absl::StatusOr<T>(Writer&)> apply, Store::Done<T> done,
                bool can_wait = false) {
  auto result = std::make_shared<absl::StatusOr<T>>(absl::UnknownError("not applied"));
  return WriteOp{[apply = std::move(apply), result](Writer& w) {
                   *result = apply(w);
                   return result->status();
                 },
                 [done = std::move(done), result](absl::Status status) {
                   if (status.ok()) {
                     done(std::move(*result));
                   } else {
                     done(status);
                   }
                 },
                 can_wait};
}

}  // namespace

absl::StatusOr<std::unique_ptr<SqlStore>> SqlStore::Open(
    const std::shared_ptr<const Database>& database, std::shared_ptr<const DataKeys> keys,
    const Options& options) {
  // Checks the database and creates the schema before readers open.
  auto writer = Writer::Open(database);
  if (!writer.ok()) return database->AtStartUp(writer.status());
  auto readers = ReaderPool::Open(database, keys);
  if (!readers.ok()) return database->AtStartUp(readers.status());
  std::unique_ptr<SqlStore> store(
      new SqlStore(database, std::move(keys), std::move(*readers), std::move(*writer), options));
  if (auto loaded = store->LoadAuditTree(); !loaded.ok()) return database->AtStartUp(loaded);
  if (auto watch = database->WatchCommits()) store->WatchForeignCommits(std::move(watch));
  return store;
}

absl::StatusOr<std::unique_ptr<SqlStore>> SqlStore::OpenSqlite(const std::filesystem::path& path,
                                                               std::shared_ptr<const DataKeys> keys,
                                                               const Options& options) {
  return Open(std::make_shared<SqliteDatabase>(path), std::move(keys), options);
}

absl::Status SqlStore::LoadAuditTree() {
  constexpr size_t kPage = 10'000;
  int64_t after = 0;
  while (true) {
    auto page = readers_->Audit(after, kPage);
    if (!page.ok()) return page.status();
    std::vector<audit::Hash> leaves;
    leaves.reserve(page->size());
    for (const auto& e : *page) {
      if (e.id != after + 1) {
        return absl::DataLossError("audit entry " + std::to_string(after + 1) + " is missing");
      }
      leaves.push_back(audit::EntryLeafHash(e));
      after = e.id;
    }
    AppendAuditLeaves(leaves);
    if (page->size() < kPage) return absl::OkStatus();
  }
}

SqlStore::SqlStore(std::shared_ptr<const Database> database, std::shared_ptr<const DataKeys> keys,
                   std::unique_ptr<ReaderPool> readers, std::unique_ptr<Writer> writer,
                   const Options& options)
    : database_(std::move(database)),
      keys_(std::move(keys)),
      readers_(std::move(readers)),
      commits_(
          std::move(writer), *options.clock, options.commit,
          [this](const std::set<AgencyId>& woken) { NotifyCommit(woken); },
          [this](const absl::Status& cause) { NotifyFailure(cause); },
          [this](const std::vector<audit::Hash>& leaves) { AppendAuditLeaves(leaves); }) {}

SqlStore::~SqlStore() { Close(); }

void SqlStore::Close() {
  {
    absl::MutexLock lock(&watch_mu_);
    watch_stopped_ = true;
  }
  if (watcher_.joinable()) watcher_.join();
  commits_.Close();
}

absl::Status SqlStore::Reachable() const {
  absl::MutexLock lock(&reachable_mu_);
  return reachable_;
}

void SqlStore::SetReachable(const absl::Status& now) {
  {
    absl::MutexLock lock(&reachable_mu_);
    if (reachable_.ok() == now.ok()) return;  // transitions only
    reachable_ = now;
  }
  if (now.ok()) {
    ModuleLogger("store")->info("{} answers again", database_->Name());
  } else {  // once per outage, not at every retry
    ModuleLogger("store")->error("{} does not answer ({}); writes fail UNAVAILABLE until it does",
                                 database_->Name(), now.ToString());
  }
  NotifyReachability(now);
}

void SqlStore::WatchForeignCommits(std::unique_ptr<CommitWatch> watch) {
  watcher_ = std::thread([this, watch = std::move(watch)] {
    while (true) {
      {
        absl::MutexLock lock(&watch_mu_);
        if (watch_stopped_) return;
      }
      auto commits = watch->Wait(kWatchInterval);
      if (!commits.ok()) {
        SetReachable(absl::UnavailableError(commits.status().message()));
        absl::MutexLock lock(&watch_mu_);
        watch_mu_.AwaitWithTimeout(absl::Condition(&watch_stopped_), absl::Milliseconds(500));
        continue;
      }
      SetReachable(absl::OkStatus());
      for (const auto& c : *commits) NotifyForeignCommit(c);
    }
  });
}

void SqlStore::Publish(NewNotification n, Done<PublishResult> done) {
  // Sealed on the caller's thread: the commit thread does no encryption.
  SealedBodies sealed = SealBodies(*keys_, n);
  commits_.Submit(TypedOp<PublishResult>(
      [n = std::move(n), sealed = std::move(sealed)](Writer& w) { return w.Publish(n, sealed); },
      std::move(done)));
}

void SqlStore::RecordRefusal(Refusal refusal, StatusDone done) {
  commits_.Submit(WriteOp{[refusal = std::move(refusal)](Writer& w) { return w.Refuse(refusal); },
                          std::move(done)});
}

void SqlStore::CreateSubscription(SubscriptionSpec spec, Done<SubscriptionRecord> done) {
  commits_.Submit(TypedOp<SubscriptionRecord>(
      [spec = std::move(spec)](Writer& w) { return w.CreateSubscription(spec); }, std::move(done)));
}

void SqlStore::OpenSubscription(AgencyId agency, SubscriptionName name, bool create_if_missing,
                                size_t max_per_agency, Done<SubscriptionRecord> done) {
  commits_.Submit(TypedOp<SubscriptionRecord>(
      [agency = std::move(agency), name = std::move(name), create_if_missing,
       max_per_agency](Writer& w) {
        return w.OpenSubscription(agency, name, create_if_missing, max_per_agency);
      },
      std::move(done)));
}

void SqlStore::ResetSubscription(AgencyId agency, SubscriptionName name, StartPosition to,
                                 Done<SubscriptionRecord> done) {
  commits_.Submit(
      TypedOp<SubscriptionRecord>([agency = std::move(agency), name = std::move(name),
                                   to](Writer& w) { return w.ResetSubscription(agency, name, to); },
                                  std::move(done)));
}

void SqlStore::DeleteSubscription(AgencyId agency, SubscriptionName name,
                                  Done<SubscriptionRecord> done) {
  commits_.Submit(TypedOp<SubscriptionRecord>(
      [agency = std::move(agency), name = std::move(name)](Writer& w) {
        return w.DeleteSubscription(agency, name);
      },
      std::move(done)));
}

void SqlStore::Acknowledge(AckRequest request, Done<AckResult> done) {
  commits_.Submit(TypedOp<AckResult>(
      [request = std::move(request)](Writer& w) { return w.Acknowledge(request); }, std::move(done),
      /*can_wait=*/true));
}

void SqlStore::RecordAction(NewAction a, Done<ActionResult> done) {
  SealedNote note = SealNote(*keys_, a);  // on the caller's thread, as bodies are
  commits_.Submit(TypedOp<ActionResult>(
      [a = std::move(a), note = std::move(note)](Writer& w) { return w.RecordAction(a, note); },
      std::move(done)));
}

absl::StatusOr<std::vector<StoredAction>> SqlStore::ReadActions(const NotificationId& id) const {
  return Checked(readers_->Actions(id));
}

void SqlStore::Park(std::vector<DeliveredEvent> events, Done<uint32_t> done) {
  commits_.Submit(TypedOp<uint32_t>(
      [events = std::move(events)](Writer& w) { return w.Park(events); }, std::move(done)));
}

void SqlStore::ReleaseParked(AgencyId agency, SubscriptionName name,
                             std::vector<Sequence> sequences, Done<uint32_t> done) {
  commits_.Submit(TypedOp<uint32_t>(
      [agency = std::move(agency), name = std::move(name), sequences = std::move(sequences)](
          Writer& w) { return w.ReleaseParked(agency, name, sequences); },
      std::move(done)));
}

void SqlStore::RecordDelivered(std::vector<DeliveredEvent> events, StatusDone done, bool can_wait) {
  commits_.Submit(WriteOp{[events = std::move(events)](Writer& w) { return w.Delivered(events); },
                          std::move(done), can_wait});
}

void SqlStore::ChangeCase(CaseChange change, Done<CaseState> done) {
  commits_.Submit(TypedOp<CaseState>(
      [change = std::move(change)](Writer& w) { return w.ChangeCase(change); }, std::move(done)));
}

void SqlStore::ChangeInterests(InterestChange change, Done<uint32_t> done) {
  commits_.Submit(TypedOp<uint32_t>(
      [change = std::move(change)](Writer& w) { return w.ChangeInterests(change); },
      std::move(done)));
}

void SqlStore::RecordPolicyChange(PolicyChange change, StatusDone done) {
  commits_.Submit(
      WriteOp{[change = std::move(change)](Writer& w) { return w.RecordPolicyChange(change); },
              std::move(done)});
}

template <typename T>
absl::StatusOr<T> SqlStore::Checked(absl::StatusOr<T> read) const {
  if (absl::IsDataLoss(read.status())) {
    ModuleLogger("store")->critical("store damage detected while reading: {}",
                                    std::string(read.status().message()));
    commits_.BecomeFatal(read.status());
  }
  return read;
}

absl::StatusOr<RoutingState> SqlStore::ReadRoutingState() const {
  return Checked(readers_->Routing());
}

absl::StatusOr<RoutingState> SqlStore::ReadRoutingChanges(const RoutingChanges& which) const {
  return Checked(readers_->Routing(which));
}

bool SqlStore::HoldsDuty(Duty duty) {
  absl::MutexLock lock(&duties_mu_);
  auto& claim = duties_[duty];
  if (claim == nullptr) claim = database_->ClaimDuty(duty);
  return claim->Held();
}

bool SqlStore::ClaimSubscription(const AgencyId& agency, const SubscriptionName& name) {
  absl::MutexLock lock(&claims_mu_);
  if (claims_ == nullptr) claims_ = database_->ClaimSubscriptions();
  return claims_->Take(agency, name);
}

void SqlStore::ReleaseSubscription(const AgencyId& agency, const SubscriptionName& name) {
  absl::MutexLock lock(&claims_mu_);
  if (claims_ != nullptr) claims_->Release(agency, name);
}

absl::StatusOr<CaseState> SqlStore::ReadCase(const CaseRef& case_ref) const {
  return Checked(readers_->Case(case_ref));
}

absl::StatusOr<std::vector<RoutedNotification>> SqlStore::ReadRouted(Sequence after,
                                                                     int64_t since_micros,
                                                                     size_t limit,
                                                                     bool urgent_only) const {
  return Checked(readers_->Routed(after, since_micros, limit, urgent_only));
}

absl::StatusOr<std::vector<HeldNotification>> SqlStore::ReadHeld(
    Sequence after, const std::vector<std::string>& types, size_t limit) const {
  return Checked(readers_->Held(after, types, limit));
}

void SqlStore::DeleteContent(std::vector<ContentDeletion> deletions, Done<uint32_t> done) {
  commits_.Submit(TypedOp<uint32_t>(
      [deletions = std::move(deletions)](Writer& w) { return w.DeleteContent(deletions); },
      std::move(done)));
}

absl::StatusOr<std::vector<StoredDelivery>> SqlStore::ReadDeliveries(const AgencyId& agency,
                                                                     Sequence after,
                                                                     size_t limit) const {
  return Checked(readers_->Deliveries(agency, after, limit));
}

absl::StatusOr<DeliveryPage> SqlStore::ReadDeliveryPage(const AgencyId& agency, Sequence after,
                                                        size_t limit,
                                                        const DeliveryFilter& filter) const {
  return Checked(readers_->SubscriptionPage(agency, after, limit, filter));
}

absl::StatusOr<std::vector<SubscriptionStats>> SqlStore::ReadSubscriptions(
    const AgencyId& agency, const SubscriptionName& name) const {
  return Checked(readers_->Subscriptions(agency, name));
}

absl::StatusOr<std::vector<DeliveryAttempt>> SqlStore::ReadAttempts(const AgencyId& agency,
                                                                    const SubscriptionName& name,
                                                                    Sequence acked_through) const {
  return Checked(readers_->Attempts(agency, name, acked_through));
}

absl::StatusOr<std::vector<ParkedDelivery>> SqlStore::ReadParked(const AgencyId& agency,
                                                                 const SubscriptionName& name,
                                                                 Sequence after,
                                                                 size_t limit) const {
  return Checked(readers_->Parked(agency, name, after, limit));
}

absl::StatusOr<std::vector<audit::Entry>> SqlStore::ReadAudit(int64_t after_id,
                                                              size_t limit) const {
  return Checked(readers_->Audit(after_id, limit));
}

void SqlStore::RecordEvent(audit::Entry entry, StatusDone done, bool can_wait) {
  commits_.Submit(WriteOp{[entry = std::move(entry)](Writer& w) { return w.RecordEvent(entry); },
                          std::move(done), can_wait});
}

absl::StatusOr<std::vector<audit::Entry>> SqlStore::QueryAudit(const AuditQuery& query) const {
  return Checked(readers_->QueryAudit(query));
}

absl::StatusOr<std::vector<UnacknowledgedDelivery>> SqlStore::ReadUnacknowledged(
    const UnacknowledgedQuery& query) const {
  return Checked(readers_->Unacknowledged(query));
}

void SqlStore::SaveCheckpoint(StoredCheckpoint checkpoint, StatusDone done) {
  commits_.Submit(WriteOp{
      [checkpoint = std::move(checkpoint)](Writer& w) { return w.SaveCheckpoint(checkpoint); },
      std::move(done)});
}

absl::StatusOr<StoredCheckpoint> SqlStore::ReadCheckpoint(uint64_t tree_size) const {
  return Checked(readers_->Checkpoint(tree_size));
}

absl::StatusOr<std::optional<NotificationId>> SqlStore::FindPublished(
    const AgencyId& publisher, const std::string& idempotency_key) const {
  return Checked(readers_->Published(publisher, idempotency_key));
}

}  // namespace safeshare::store
