#include "broker/store/writer.h"

#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "broker/audit/chain.h"
#include "broker/core/status_macros.h"
#include "broker/store/schema_sql.h"

namespace safeshare::store {
namespace {

absl::Status AddRequestHashColumn(Connection& db) {
  auto query = db.Prepare(kRequestHashColumnQuery);
  if (!query.ok()) return query.status();
  auto row = query->Step();
  if (!row.ok()) return row.status();
  const bool present = *row && query->Int(0) > 0;
  query->Reset();
  return present ? absl::OkStatus() : db.Exec(kAddRequestHashSql);
}

}  // namespace

struct Writer::Statements {
  Statement begin, commit, rollback;
  Statement find_key, insert_notification, insert_delivery, insert_audit;
  Statement upsert_subscription, get_cursor, set_cursor, last_delivery, acked_range;
};

absl::StatusOr<std::unique_ptr<Writer>> Writer::Open(const std::filesystem::path& path) {
  auto db = Connection::Open(path, /*read_only=*/false);
  if (!db.ok()) return db.status();
  SAFESHARE_RETURN_IF_ERROR((*db)->Exec(kSchemaSql));
  SAFESHARE_RETURN_IF_ERROR(AddRequestHashColumn(**db));
  auto stmts = PrepareStatements(**db);
  if (!stmts.ok()) return stmts.status();
  std::unique_ptr<Writer> writer(new Writer(std::move(*db), std::move(*stmts)));
  SAFESHARE_RETURN_IF_ERROR(writer->LoadHeads());
  return writer;
}

Writer::Writer(std::unique_ptr<Connection> db, std::unique_ptr<Statements> stmts)
    : db_(std::move(db)), stmts_(std::move(stmts)) {}

Writer::~Writer() = default;

absl::Status Writer::LoadHeads() {
  auto heads = db_->Prepare(
      "SELECT (SELECT coalesce(max(seq),0) FROM notifications),"
      " (SELECT coalesce(max(id),0) FROM audit),"
      " coalesce((SELECT entry_hash FROM audit ORDER BY id DESC LIMIT 1), '')");
  if (!heads.ok()) return heads.status();
  auto row = heads->Step();
  if (!row.ok()) return row.status();
  committed_seq_ = heads->Int(0);
  committed_audit_id_ = heads->Int(1);
  committed_hash_ = heads->Text(2);
  if (committed_hash_.empty()) committed_hash_ = std::string(audit::kGenesisHash);
  Rollback();
  return absl::OkStatus();
}

absl::Status Writer::Begin(int64_t now_micros) {
  now_ = now_micros;
  woken_.clear();
  return stmts_->begin.Run();
}

absl::Status Writer::Commit() {
  SAFESHARE_RETURN_IF_ERROR(stmts_->commit.Run());
  committed_seq_ = next_seq_ - 1;
  committed_audit_id_ = next_audit_id_ - 1;
  committed_hash_ = head_hash_;
  return absl::OkStatus();
}

void Writer::Rollback() {
  (void)stmts_->rollback.Run();  // fails harmlessly when no transaction is open
  next_seq_ = committed_seq_ + 1;
  next_audit_id_ = committed_audit_id_ + 1;
  head_hash_ = committed_hash_;
  woken_.clear();
}

absl::Status Writer::Append(audit::Entry e) {
  e.id = next_audit_id_;
  e.at_micros = now_;
  const auto head = audit::Link(head_hash_, e);
  auto& s = stmts_->insert_audit;
  s.Bind(1, e.id).Bind(2, e.at_micros).Bind(3, e.actor).Bind(4, audit::ActionName(e.action));
  s.Bind(5, e.notification_id).Bind(6, e.case_ref).Bind(7, e.recipient).Bind(8, e.subscription);
  s.Bind(9, e.rule).Bind(10, e.lawful_basis).Bind(11, e.purpose).Bind(12, e.detail);
  s.Bind(13, e.content_hash).Bind(14, e.prev_hash).Bind(15, e.entry_hash);
  SAFESHARE_RETURN_IF_ERROR(s.Run());
  ++next_audit_id_;
  head_hash_ = head;
  return absl::OkStatus();
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
    SAFESHARE_RETURN_IF_ERROR(RefuseReusedKey(n, result.id.value(), case_ref));
    return absl::AlreadyExistsError("notification.idempotency_key: already used for notification " +
                                    result.id.value() +
                                    " with different content; use a new key for new content");
  }
  audit::Entry e{.actor = n.publisher.value(),
                 .action = audit::Action::kDuplicate,
                 .notification_id = result.id.value(),
                 .case_ref = case_ref,
                 .purpose = n.purpose,
                 .detail = "retry of an earlier publish; stored once",
                 .content_hash = content_hash};
  SAFESHARE_RETURN_IF_ERROR(Append(std::move(e)));
  return result;
}

// A key reused for other content is refused, not stored; the refusal is
// audited against the first notification, so the audit shows the conflict.
absl::Status Writer::RefuseReusedKey(const NewNotification& n, const std::string& first_id,
                                     const std::string& case_ref) {
  return Append(audit::Entry{
      .actor = n.publisher.value(),
      .action = audit::Action::kPublishRefused,
      .notification_id = first_id,
      .case_ref = case_ref,
      .purpose = n.purpose,
      .detail = n.type + ": idempotency key already used for this notification with different "
                         "content; the new content was not stored"});
}

absl::StatusOr<PublishResult> Writer::Publish(const NewNotification& n) {
  if (auto dup = Duplicate(n); dup.ok() || !absl::IsNotFound(dup.status())) return dup;
  const Sequence seq(static_cast<uint64_t>(next_seq_));
  SAFESHARE_RETURN_IF_ERROR(InsertNotification(n, seq));
  ++next_seq_;
  PublishResult result{n.id, seq, {}, false};
  for (const auto& r : n.recipients) {
    result.routed_to.push_back(r.agency);
    woken_.insert(r.agency);
  }
  return result;
}

absl::Status Writer::InsertNotification(const NewNotification& n, Sequence seq) {
  const auto seq_value = static_cast<int64_t>(seq.value());
  std::vector<std::string> routed;
  for (const auto& r : n.recipients) routed.push_back(r.agency.value());
  const auto routed_to = absl::StrJoin(routed, ",");
  auto& s = stmts_->insert_notification;
  s.Bind(1, seq_value)
      .Bind(2, n.id.value())
      .Bind(3, n.publisher.value())
      .Bind(4, n.idempotency_key);
  s.Bind(5, n.case_ref.value()).Bind(6, n.type).Bind(7, n.purpose).BindBlob(8, *n.body);
  s.Bind(9, n.content_hash).Bind(10, routed_to).Bind(11, now_).Bind(12, n.request_hash);
  SAFESHARE_RETURN_IF_ERROR(s.Run());
  for (const auto& r : n.recipients) {
    auto& d = stmts_->insert_delivery;
    SAFESHARE_RETURN_IF_ERROR(d.Bind(1, r.agency.value())
                                  .Bind(2, seq_value)
                                  .Bind(3, r.rule)
                                  .Bind(4, r.lawful_basis)
                                  .Run());
  }
  audit::Entry base{.actor = n.publisher.value(),
                    .notification_id = n.id.value(),
                    .case_ref = n.case_ref.value(),
                    .purpose = n.purpose,
                    .content_hash = n.content_hash};
  audit::Entry published = base;
  published.action = audit::Action::kPublished;
  published.detail =
      n.type + " sequence " + std::to_string(seq_value) + " routed to [" + routed_to + "]";
  SAFESHARE_RETURN_IF_ERROR(Append(std::move(published)));
  for (const auto& agency : n.withheld) {
    audit::Entry withheld = base;
    withheld.action = audit::Action::kWithheld;
    withheld.recipient = agency.value();
    withheld.detail =
        "no sharing rule lets this agency receive " + n.type + " from " + n.publisher.value();
    SAFESHARE_RETURN_IF_ERROR(Append(std::move(withheld)));
  }
  return absl::OkStatus();
}

absl::Status Writer::Refuse(const Refusal& r) {
  return Append(audit::Entry{.actor = r.publisher.value(),
                             .action = audit::Action::kPublishRefused,
                             .case_ref = r.case_ref,
                             .detail = r.type + ": " + r.reason});
}

absl::StatusOr<Sequence> Writer::OpenSubscription(const AgencyId& agency,
                                                  const SubscriptionName& name) {
  SAFESHARE_RETURN_IF_ERROR(stmts_->upsert_subscription.Bind(1, agency.value())
                                .Bind(2, name.value())
                                .Bind(3, now_)
                                .Run());
  auto& s = stmts_->get_cursor;
  s.Bind(1, agency.value()).Bind(2, name.value());
  auto row = s.Step();
  const int64_t cursor = row.ok() && *row ? s.Int(0) : 0;
  s.Reset();
  if (!row.ok()) return row.status();
  SAFESHARE_RETURN_IF_ERROR(
      Append(audit::Entry{.actor = agency.value(),
                          .action = audit::Action::kSubscribed,
                          .recipient = agency.value(),
                          .subscription = name.value(),
                          .detail = "resumes after sequence " + std::to_string(cursor)}));
  return Sequence(static_cast<uint64_t>(cursor));
}

absl::StatusOr<AckResult> Writer::Acknowledge(const AgencyId& agency, const SubscriptionName& name,
                                              Sequence through) {
  auto& s = stmts_->get_cursor;
  s.Bind(1, agency.value()).Bind(2, name.value());
  auto row = s.Step();
  const bool exists = row.ok() && *row;
  const int64_t cursor = exists ? s.Int(0) : 0;
  s.Reset();
  if (!row.ok()) return row.status();
  if (!exists) {
    return absl::NotFoundError("subscription '" + name.value() +
                               "' does not exist for your agency; open it with Subscribe first");
  }
  const auto target = static_cast<int64_t>(through.value());
  if (target <= cursor) return AckResult{Sequence(static_cast<uint64_t>(cursor)), 0};
  auto& last = stmts_->last_delivery;
  last.Bind(1, agency.value());
  auto last_row = last.Step();
  const int64_t last_seq = last_row.ok() && *last_row ? last.Int(0) : 0;
  last.Reset();
  if (!last_row.ok()) return last_row.status();
  if (target > last_seq) {
    return absl::InvalidArgumentError("sequence: " + std::to_string(target) +
                                      " has not been delivered to your agency (latest is " +
                                      std::to_string(last_seq) +
                                      "); acknowledge a sequence you received");
  }
  const int64_t before = next_audit_id_;
  SAFESHARE_RETURN_IF_ERROR(AuditAcknowledged(agency, name, cursor, target));
  SAFESHARE_RETURN_IF_ERROR(
      stmts_->set_cursor.Bind(1, agency.value()).Bind(2, name.value()).Bind(3, target).Run());
  return AckResult{through, static_cast<uint32_t>(next_audit_id_ - before)};
}

absl::Status Writer::AuditAcknowledged(const AgencyId& agency, const SubscriptionName& name,
                                       int64_t after, int64_t through) {
  auto& s = stmts_->acked_range;
  s.Bind(1, agency.value()).Bind(2, after).Bind(3, through);
  std::vector<audit::Entry> entries;
  while (true) {
    auto row = s.Step();
    if (!row.ok()) {
      s.Reset();
      return row.status();
    }
    if (!*row) break;
    entries.push_back(audit::Entry{.actor = agency.value(),
                                   .action = audit::Action::kAcknowledged,
                                   .notification_id = s.Text(1),
                                   .case_ref = s.Text(2),
                                   .recipient = agency.value(),
                                   .subscription = name.value(),
                                   .rule = s.Text(3),
                                   .lawful_basis = s.Text(4),
                                   .purpose = s.Text(5),
                                   .detail = "sequence " + std::to_string(s.Int(0)),
                                   .content_hash = s.Text(6)});
  }
  s.Reset();
  for (auto& e : entries) SAFESHARE_RETURN_IF_ERROR(Append(std::move(e)));
  return absl::OkStatus();
}

absl::Status Writer::Delivered(const DeliveredEvent& d) {
  return Append(audit::Entry{.actor = d.recipient.value(),
                             .action = audit::Action::kDelivered,
                             .notification_id = d.id.value(),
                             .case_ref = d.case_ref.value(),
                             .recipient = d.recipient.value(),
                             .subscription = d.subscription.value(),
                             .rule = d.rule,
                             .lawful_basis = d.lawful_basis,
                             .purpose = d.purpose,
                             .detail = "sequence " + std::to_string(d.sequence.value()),
                             .content_hash = d.content_hash});
}

absl::StatusOr<std::unique_ptr<Writer::Statements>> Writer::PrepareStatements(Connection& db) {
  const char* sql[] = {
      "BEGIN IMMEDIATE",
      "COMMIT",
      "ROLLBACK",
      "SELECT id, seq, routed_to, case_ref, content_hash, request_hash FROM notifications"
      " WHERE publisher=?1 AND idempotency_key=?2",
      "INSERT INTO notifications(seq,id,publisher,idempotency_key,case_ref,type,purpose,body,"
      "content_hash,routed_to,stored_at,request_hash) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,"
      "?12)",
      "INSERT INTO deliveries(recipient,seq,rule,lawful_basis) VALUES(?1,?2,?3,?4)",
      "INSERT INTO audit(id,at,actor,action,notification_id,case_ref,recipient,subscription,rule,"
      "lawful_basis,purpose,detail,content_hash,prev_hash,entry_hash)"
      " VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15)",
      "INSERT INTO subscriptions(agency,name,acked_through,created_at) VALUES(?1,?2,0,?3)"
      " ON CONFLICT(agency,name) DO NOTHING",
      "SELECT acked_through FROM subscriptions WHERE agency=?1 AND name=?2",
      "UPDATE subscriptions SET acked_through=?3 WHERE agency=?1 AND name=?2",
      "SELECT coalesce(max(seq),0) FROM deliveries WHERE recipient=?1",
      "SELECT d.seq, n.id, n.case_ref, d.rule, d.lawful_basis, n.purpose, n.content_hash"
      " FROM deliveries d JOIN notifications n ON n.seq=d.seq"
      " WHERE d.recipient=?1 AND d.seq>?2 AND d.seq<=?3 ORDER BY d.seq",
  };
  std::vector<Statement> prepared;
  for (const char* text : sql) {
    auto stmt = db.Prepare(text);
    if (!stmt.ok()) return stmt.status();
    prepared.push_back(std::move(*stmt));
  }
  auto it = std::make_move_iterator(prepared.begin());
  return std::unique_ptr<Writer::Statements>(new Writer::Statements{
      *it++, *it++, *it++, *it++, *it++, *it++, *it++, *it++, *it++, *it++, *it++, *it++});
}

}  // namespace safeshare::store
