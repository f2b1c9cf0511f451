#pragma once

#include <memory>
#include <set>
#include <string>

#include "absl/status/statusor.h"
#include "broker/audit/audit_entry.h"
#include "broker/store/records.h"
#include "broker/store/sqlite_db.h"

namespace safeshare::store {

// The store's single writer: the write connection, its prepared statements
// and the head of the audit hash chain. Used only by the group-commit thread,
// so it needs no locking. Each operation either fails before it has written
// anything or succeeds; Rollback() forgets everything since Begin().
class Writer {
 public:
  static absl::StatusOr<std::unique_ptr<Writer>> Open(const std::filesystem::path& path);
  ~Writer();

  absl::Status Begin(int64_t now_micros);
  absl::Status Commit();
  void Rollback();

  absl::StatusOr<PublishResult> Publish(const NewNotification& n);
  absl::Status Refuse(const Refusal& refusal);
  absl::StatusOr<Sequence> OpenSubscription(const AgencyId& agency, const SubscriptionName& name);
  absl::StatusOr<AckResult> Acknowledge(const AgencyId& agency, const SubscriptionName& name,
                                        Sequence through);
  absl::Status Delivered(const DeliveredEvent& event);

  // Agencies with new deliveries in the current transaction.
  const std::set<AgencyId>& woken() const { return woken_; }

 private:
  struct Statements;
  static absl::StatusOr<std::unique_ptr<Statements>> PrepareStatements(Connection& db);
  Writer(std::unique_ptr<Connection> db, std::unique_ptr<Statements> stmts);
  absl::Status LoadHeads();
  absl::Status Append(audit::Entry entry);
  absl::StatusOr<PublishResult> Duplicate(const NewNotification& n);
  absl::Status RefuseReusedKey(const NewNotification& n, const std::string& first_id,
                               const std::string& case_ref);
  absl::Status InsertNotification(const NewNotification& n, Sequence seq);
  absl::Status AuditAcknowledged(const AgencyId& agency, const SubscriptionName& name,
                                 int64_t after, int64_t through);

  std::unique_ptr<Connection> db_;
  std::unique_ptr<Statements> stmts_;
  int64_t now_ = 0;
  // Committed heads, and the heads including the open transaction.
  int64_t committed_seq_ = 0, next_seq_ = 1;
  int64_t committed_audit_id_ = 0, next_audit_id_ = 1;
  std::string committed_hash_, head_hash_;
  std::set<AgencyId> woken_;
};

}  // namespace safeshare::store
