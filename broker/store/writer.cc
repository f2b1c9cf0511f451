#include "broker/store/writer.h"

#include <utility>

#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "broker/audit/chain.h"
#include "broker/core/logging.h"
#include "broker/core/status_macros.h"
#include "broker/store/audit_entries.h"
#include "broker/store/audit_rows.h"
#include "broker/store/delivery_query.h"
#include "broker/store/schema_sql.h"
#include "broker/store/store.h"
#include "broker/store/store_check.h"
#include "broker/store/subscription_query.h"
#include "broker/store/writer_statements.h"

namespace safeshare::store {
namespace {

// Entries read per step when catching up with other brokers' commits.
constexpr int kCatchUpPage = 1000;

// The statements struct, its members initialised in order from `prepared`.
template <typename T, size_t... I>
std::unique_ptr<T> MakeStatements(std::vector<Statement>& prepared, std::index_sequence<I...>) {
  return std::unique_ptr<T>(new T{std::move(prepared[I])...});
}

}  // namespace

absl::StatusOr<std::unique_ptr<Writer>> Writer::Open(std::shared_ptr<const Database> database) {
  auto db = database->OpenWriter();
  if (!db.ok()) return db.status();
  auto stmts = PrepareStatements(**db, database->dialect());
  if (!stmts.ok()) return stmts.status();
  std::unique_ptr<Writer> writer(
      new Writer(std::move(database), std::move(*db), std::move(*stmts)));
  SAFESHARE_RETURN_IF_ERROR(writer->LoadHeads());
  return writer;
}

Writer::Writer(std::shared_ptr<const Database> database, std::unique_ptr<Connection> db,
               std::unique_ptr<Statements> stmts)
    : database_(std::move(database)), db_(std::move(db)), stmts_(std::move(stmts)) {}

Writer::~Writer() {
  // Statements first: they belong to the connection.
  stmts_.reset();
  database_->AtClose(*db_);
}

absl::StatusOr<Writer::Heads> Writer::ReadHeads() {
  auto& s = stmts_->read_heads;
  auto row = s.Step();
  if (!row.ok()) {
    s.Reset();
    return row.status();
  }
  Heads heads{s.Int(0), s.Int(1), s.Int(3), s.Int(4), s.Text(2)};
  s.Reset();
  if (heads.hash.empty()) heads.hash = std::string(audit::kGenesisHash);
  return heads;
}

absl::Status Writer::LoadHeads() {
  auto heads = ReadHeads();
  if (!heads.ok()) return heads.status();
  committed_seq_ = heads->seq;
  committed_audit_id_ = heads->audit_id;
  committed_hash_ = heads->hash;
  committed_audit_at_ = heads->audit_at;
  indexed_through_ = heads->indexed_through;
  Rollback();
  return absl::OkStatus();
}

absl::Status Writer::BeginLocked() {
  SAFESHARE_RETURN_IF_ERROR(stmts_->begin.Run());
  if (stmts_->append_lock) SAFESHARE_RETURN_IF_ERROR(stmts_->append_lock->Run());
  return absl::OkStatus();
}

absl::Status Writer::Begin(int64_t now_micros) {
  now_ = now_micros;
  woken_.clear();
  routing_ = {};
  leaves_.clear();
  SAFESHARE_RETURN_IF_ERROR(BeginLocked());
  return database_->dialect().shared ? CatchUp() : absl::OkStatus();
}

absl::Status Writer::CatchUp() {
  auto heads = ReadHeads();
  if (!heads.ok()) return heads.status();
  if (heads->audit_id > committed_audit_id_) {
    auto leaves = LeavesAfter(committed_audit_id_, heads->audit_id);
    if (!leaves.ok()) return leaves.status();
    leaves_ = std::move(*leaves);
  }
  next_seq_ = heads->seq + 1;
  next_audit_id_ = heads->audit_id + 1;
  head_hash_ = heads->hash;
  head_audit_at_ = heads->audit_at;
  indexed_through_ = heads->indexed_through;
  return absl::OkStatus();
}

absl::StatusOr<std::vector<audit::Hash>> Writer::LeavesAfter(int64_t after, int64_t through) {
  std::vector<audit::Hash> leaves;
  auto& read = stmts_->entries_after;
  while (after < through) {
    read.Bind(1, after).Bind(2, through);
    auto page = CollectRows<audit::Entry>(read, AuditEntryFromRow);
    if (!page.ok()) return page.status();
    if (page->empty()) break;
    for (const auto& e : *page) {
      if (e.id != after + 1) {
        return absl::DataLossError("audit entry " + std::to_string(after + 1) + " is missing");
      }
      leaves.push_back(audit::EntryLeafHash(e));
      after = e.id;
    }
  }
  if (after != through) {
    return absl::DataLossError("audit entry " + std::to_string(after + 1) + " is missing");
  }
  return leaves;
}

absl::Status Writer::Commit() {
  if (stmts_->announce_commit && (!woken_.empty() || !routing_.empty())) {
    const std::string announcement =
        CommitAnnouncement(database_->Origin(), Latest(), woken_, routing_);
    SAFESHARE_RETURN_IF_ERROR(stmts_->announce_commit->Bind(1, announcement).Run());
  }
  SAFESHARE_RETURN_IF_ERROR(stmts_->commit.Run());
  committed_seq_ = next_seq_ - 1;
  committed_audit_id_ = next_audit_id_ - 1;
  committed_hash_ = head_hash_;
  committed_audit_at_ = head_audit_at_;
  return absl::OkStatus();
}

void Writer::Rollback() {
  (void)stmts_->rollback.Run();  // fails harmlessly when no transaction is open
  next_seq_ = committed_seq_ + 1;
  next_audit_id_ = committed_audit_id_ + 1;
  head_hash_ = committed_hash_;
  head_audit_at_ = committed_audit_at_;
  woken_.clear();
  routing_ = {};
  leaves_.clear();
}

absl::Status Writer::Savepoint() {
  mark_ = {next_seq_, next_audit_id_, head_audit_at_, head_hash_, leaves_.size()};
  return stmts_->savepoint.Run();
}

absl::Status Writer::ReleaseSavepoint() { return stmts_->release.Run(); }

absl::Status Writer::RollbackToSavepoint() {
  SAFESHARE_RETURN_IF_ERROR(stmts_->rollback_to.Run());
  next_seq_ = mark_.next_seq;
  next_audit_id_ = mark_.next_audit_id;
  head_audit_at_ = mark_.audit_at;
  head_hash_ = mark_.head_hash;
  leaves_.resize(mark_.leaves);
  return stmts_->release.Run();
}

absl::StatusOr<PublishResult> Writer::Duplicate(const NewNotification& n) {
  auto& s = stmts_->find_key;
  s.Bind(1, n.publisher.value()).Bind(2, n.idempotency_key);
  auto row = s.Step();
  if (!row.ok() || !*row) {
    s.Reset();
    return row.ok() ? absl::NotFoundError("new") : row.status();
  }
  PublishResult result{
      NotificationId(s.Text(0)), Sequence(static_cast<uint64_t>(s.Int(1))), {}, true};
  for (const auto& agency : absl::StrSplit(s.Text(2), ',', absl::SkipEmpty())) {
    result.routed_to.emplace_back(std::string(agency));
  }
  const auto case_ref = s.Text(3), content_hash = s.Text(4), request_hash = s.Text(5);
  s.Reset();
  if (!request_hash.empty() && request_hash != n.request_hash) {
    SAFESHARE_RETURN_IF_ERROR(Append(entries::ReusedKey(n, result, case_ref)));
    return errors::ReusedKey(result.id);
  }
  SAFESHARE_RETURN_IF_ERROR(Append(entries::Duplicate(n, result, case_ref, content_hash)));
  return result;
}

absl::StatusOr<PublishResult> Writer::Publish(const NewNotification& n,
                                              const SealedBodies& sealed) {
  SAFESHARE_RETURN_IF_ERROR(CheckNewNotification(n));
  if (sealed.views.size() != n.views.size()) {
    return absl::InvalidArgumentError("the sealed views do not match the notification's");
  }
  if (auto dup = Duplicate(n); dup.ok() || !absl::IsNotFound(dup.status())) return dup;
  const Sequence seq(static_cast<uint64_t>(next_seq_));
  SAFESHARE_RETURN_IF_ERROR(InsertNotification(n, sealed, seq));
  ++next_seq_;
  PublishResult result{n.id, seq, {}, false};
  for (const auto& r : n.recipients) {
    result.routed_to.push_back(r.agency);
    woken_.insert(r.agency);
  }
  return result;
}

absl::Status Writer::InsertNotification(const NewNotification& n, const SealedBodies& sealed,
                                        Sequence seq) {
  const auto seq_value = static_cast<int64_t>(seq.value());
  const auto routed_to = absl::StrJoin(n.recipients, ",", [](std::string* out, const Recipient& r) {
    out->append(r.agency.value());
  });
  auto& s = stmts_->insert_notification;
  s.Bind(1, seq_value)
      .Bind(2, n.id.value())
      .Bind(3, n.publisher.value())
      .Bind(4, n.idempotency_key);
  s.Bind(5, n.case_ref.value()).Bind(6, n.type).Bind(7, n.purpose).BindBlob(8, sealed.body);
  s.Bind(9, n.content_hash).Bind(10, routed_to).Bind(11, now_).Bind(12, n.request_hash);
  s.Bind(13, sealed.key);
  SAFESHARE_RETURN_IF_ERROR(s.Run());
  for (size_t k = 0; k < n.views.size(); ++k) {
    SAFESHARE_RETURN_IF_ERROR(stmts_->insert_view.Bind(1, seq_value)
                                  .Bind(2, static_cast<int64_t>(k + 1))
                                  .BindBlob(3, sealed.views[k])
                                  .Bind(4, n.views[k].content_hash)
                                  .Bind(5, sealed.key)
                                  .Run());
  }
  SAFESHARE_RETURN_IF_ERROR(InsertDeliveries(n, seq_value));
  SAFESHARE_RETURN_IF_ERROR(LinkPeople(n, seq_value));
  SAFESHARE_RETURN_IF_ERROR(Append(entries::Published(n, seq)));
  for (const auto& opening : n.expectations) {
    SAFESHARE_RETURN_IF_ERROR(Append(entries::ExpectationOpened(n, seq, opening)));
  }
  return EngageFromMinutes(n);
}

absl::Status Writer::InsertDeliveries(const NewNotification& n, int64_t seq) {
  for (const auto& r : n.recipients) {
    const auto withheld = absl::StrJoin(r.withheld_fields, ",");
    const auto linked = JoinCases(r.linked_cases);
    auto& d = stmts_->insert_delivery;
    d.Bind(1, r.agency.value()).Bind(2, seq).Bind(3, r.rule).Bind(4, r.lawful_basis);
    d.Bind(5, r.agreement).Bind(6, PurposeOf(n, r)).Bind(7, int64_t{r.view}).Bind(8, withheld);
    d.Bind(9, linked).Bind(10, int64_t{r.urgent}).Bind(11, r.urgent_reason);
    SAFESHARE_RETURN_IF_ERROR(d.Run());
  }
  return absl::OkStatus();
}

absl::Status Writer::Refuse(const Refusal& r) { return Append(entries::Refused(r)); }

absl::StatusOr<std::vector<DeliveryFacts>> Writer::AcknowledgedRange(const AgencyId& agency,
                                                                     int64_t after, int64_t through,
                                                                     const DeliveryFilter& filter) {
  const std::string types = JoinTypes(filter), cases = JoinCases(filter.case_refs);
  auto& s = stmts_->acked_range;
  s.Bind(1, agency.value()).Bind(2, after).Bind(3, through).Bind(4, types).Bind(5, cases);
  return CollectRows<DeliveryFacts>(s, DeliveryFactsAt);
}

absl::StatusOr<std::unique_ptr<Writer::Statements>> Writer::PrepareStatements(
    Connection& db, const Database::Dialect& dialect) {
  const std::string acked_range = DeliveryQuery(
      /*with_body=*/false, "AND d.seq<=?3 AND " + FilterCondition(4, 5) + " ORDER BY d.seq");
  const std::string unindexed_entries =
      std::string("SELECT ") + kAuditColumns + " FROM audit a WHERE a.id>?1 ORDER BY a.id LIMIT ?2";
  const std::string entries_after =
      std::string("SELECT ") + kAuditColumns +
      " FROM audit a WHERE a.id>?1 AND a.id<=?2 ORDER BY a.id LIMIT " +
      std::to_string(kCatchUpPage);
  const char* sql[] = {
      dialect.begin_write.c_str(),
      "COMMIT",
      "ROLLBACK",
      "SELECT id, seq, routed_to, case_ref, content_hash, request_hash FROM notifications"
      " WHERE publisher=?1 AND idempotency_key=?2",
      "INSERT INTO notifications(seq,id,publisher,idempotency_key,case_ref,type,purpose,body,"
      "content_hash,routed_to,stored_at,request_hash,body_key) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,"
      "?10,?11,?12,?13)",
      "INSERT INTO deliveries(recipient,seq,rule,lawful_basis,agreement,purpose,view,withheld,"
      "linked_cases,urgent,urgent_reason) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11)",
      "INSERT INTO audit(id,at,clock_stepped_back_from,actor,action,notification_id,case_ref,"
      "recipient,subscription,rule,lawful_basis,purpose,detail,content_hash,prev_hash,entry_hash,"
      "version,lines) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18)",
      "INSERT INTO subscriptions(agency,name,acked_through,created_at,filter_types,filter_cases,"
      "delivered_through,consumer_mode,ack_wait_ms,max_deliver,max_in_flight)"
      " VALUES(?1,?2,?3,?4,?5,?6,?3,?7,?8,?9,?10)",
      "SELECT acked_through, filter_types, filter_cases, delivered_through FROM subscriptions"
      " WHERE agency=?1 AND name=?2",
      "UPDATE subscriptions SET acked_through=?3 WHERE agency=?1 AND name=?2",
      acked_range.c_str(),
      "SAVEPOINT op",
      "RELEASE op",
      "ROLLBACK TO op",
      "INSERT INTO views(seq,view,body,content_hash,body_key) VALUES(?1,?2,?3,?4,?5)",
      "INSERT INTO person_links(person_hash,case_ref,first_seq) VALUES(?1,?2,?3)"
      " ON CONFLICT(person_hash,case_ref) DO NOTHING",
      "INSERT INTO cases(case_ref,closed,changed_at) VALUES(?1,?2,?3)"
      " ON CONFLICT(case_ref) DO UPDATE SET closed=excluded.closed, changed_at=excluded.changed_at",
      "INSERT INTO engagements(case_ref,agency,since,until,source) VALUES(?1,?2,?3,0,?4)",
      "UPDATE engagements SET until=?3 WHERE case_ref=?1 AND agency=?2 AND until=0",
      "INSERT INTO person_interests(person_hash,agency,registered_at) VALUES(?1,?2,?3)"
      " ON CONFLICT(person_hash,agency) DO NOTHING",
      "DELETE FROM person_interests WHERE person_hash=?1 AND agency=?2",
      "INSERT INTO audit_postings(key,last_id,first_id,ids) VALUES(?1,?2,?3,?4)",
      "INSERT INTO checkpoints(tree_size,root,note,signed_at) VALUES(?1,?2,?3,?4)"
      " ON CONFLICT(tree_size) DO NOTHING",
      unindexed_entries.c_str(),
      "UPDATE audit_index SET indexed_through=?1",
      dialect.sync_lazily.c_str(),
      dialect.sync_fully.c_str(),
      "UPDATE subscriptions SET delivered_through=?3"
      " WHERE agency=?1 AND name=?2 AND delivered_through<?3",
      "UPDATE deliveries SET acked_at=?3 WHERE recipient=?1 AND seq=?2 AND acked_at=0",
      "SELECT seq, state, attempts, at FROM delivery_attempts WHERE agency=?1 AND subscription=?2"
      " ORDER BY seq",
      "INSERT INTO delivery_attempts(agency,subscription,seq,state,attempts,at)"
      " VALUES(?1,?2,?3,?4,?5,?6) ON CONFLICT(agency,subscription,seq) DO UPDATE SET"
      " state=excluded.state, attempts=excluded.attempts, at=excluded.at",
      "DELETE FROM delivery_attempts WHERE agency=?1 AND subscription=?2 AND seq=?3",
      "SELECT (SELECT coalesce(max(seq),0) FROM notifications),"
      " (SELECT coalesce(max(id),0) FROM audit),"
      " coalesce((SELECT entry_hash FROM audit ORDER BY id DESC LIMIT 1), ''),"
      " coalesce((SELECT at FROM audit ORDER BY id DESC LIMIT 1), 0),"
      " (SELECT indexed_through FROM audit_index)",
      entries_after.c_str(),
  };
  std::vector<Statement> prepared;
  for (const char* text : sql) {
    auto stmt = db.Prepare(text);
    if (!stmt.ok()) return stmt.status();
    prepared.push_back(std::move(*stmt));
  }
  auto stmts =
      MakeStatements<Writer::Statements>(prepared, std::make_index_sequence<std::size(sql)>());
  if (!dialect.append_lock.empty()) {
    auto lock = db.Prepare(dialect.append_lock);
    if (!lock.ok()) return lock.status();
    stmts->append_lock.emplace(std::move(*lock));
  }
  if (!dialect.announce_commit.empty()) {
    auto announce = db.Prepare(dialect.announce_commit);
    if (!announce.ok()) return announce.status();
    stmts->announce_commit.emplace(std::move(*announce));
  }
  return stmts;
}

}  // namespace safeshare::store
