#pragma once

#include "broker/store/database.h"
#include "broker/store/pg_db.h"

namespace safeshare::store {

// One PostgreSQL database, which several brokers may share. Each write
// transaction takes one transaction-scoped advisory lock (the append lock)
// before anything else, so sequences and audit ids are assigned and
// committed in one order across every broker: a reader never sees sequence
// N+1 before N, and the audit log is one chain with no fork or gap. The
// writer reads the heads under that lock (Dialect::shared). Reads run in
// REPEATABLE READ READ ONLY transactions, one snapshot each.
//
// Opening the writer applies the schema migrations (pg_schema_sql.h) under
// another advisory lock, so brokers starting together migrate once, and
// refuses a database a newer build migrated.
class PostgresDatabase final : public Database {
 public:
  explicit PostgresDatabase(PgParams params);

  std::string Name() const override { return name_; }
  const Dialect& dialect() const override { return dialect_; }
  absl::StatusOr<std::unique_ptr<Connection>> OpenWriter() const override;
  absl::StatusOr<std::unique_ptr<Connection>> OpenReader() const override;
  // VACUUM of the notification and view tables, so deleted content leaves
  // their pages (and TOAST) now rather than at the next autovacuum.
  absl::StatusOr<bool> ScrubLog(Connection& writer) const override;
  // LISTEN on kPgCommitChannel, on a connection of its own.
  std::unique_ptr<CommitWatch> WatchCommits() const override;
  // pg_try_advisory_lock(kPgDutyLocks, duty), session-scoped, on a
  // connection of the claim's own.
  std::unique_ptr<DutyClaim> ClaimDuty(Duty duty) const override;
  // pg_try_advisory_lock(kPgClaimLocks, PgClaimKey(agency, name)) per
  // subscription, session-scoped, all on one connection of the claims' own
  // (pg_claims.cc).
  std::unique_ptr<SubscriptionClaims> ClaimSubscriptions() const override;
  std::string Origin() const override { return origin_; }

 private:
  PgParams params_;
  std::string name_;
  std::string origin_;  // random, per process
  Dialect dialect_;
};

// The advisory lock keys (one 64-bit space per database): the append lock
// and the migration lock.
inline constexpr int64_t kPgAppendLock = 0x5AFE5A4E0001;
inline constexpr int64_t kPgMigrationLock = 0x5AFE5A4E0002;
// The first key of the duty locks (two 32-bit keys: their own space).
inline constexpr int32_t kPgDutyLocks = 0x5AFE;
// The first key of the subscription claims (a space of their own, apart
// from the duty locks).
inline constexpr int32_t kPgClaimLocks = 0x5AFC;
// The second key of subscription (agency, name)'s claim: a hash, the same
// in every broker and build, in 0..2^31-1 (so pg_locks shows it as is).
// Subscriptions whose keys collide share one claim: on one broker at a time
// they are consumed together, never one on two brokers.
int32_t PgClaimKey(const AgencyId& agency, const SubscriptionName& name);
// The NOTIFY channel of commit announcements (CommitAnnouncement).
inline constexpr const char* kPgCommitChannel = "safeshare_commits";

}  // namespace safeshare::store
