// This broker's subscription claims on PostgreSQL: session-scoped advisory
// locks, all on one connection, so they end with that session when the
// broker stops, is killed or loses the database.
#include <map>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "broker/core/logging.h"
#include "broker/store/pg_database.h"

namespace safeshare::store {
namespace {

// What the take statement answers.
enum Answer : int64_t { kBusy = 0, kHeld = 1, kTaken = 2 };

// Each Take asks the server whether this session holds the lock, and tries
// to take it when not. A lock this broker took that the session no longer
// holds was lost: the connection was reopened underneath (PgConnection
// reconnects by itself) or failed, and the lock was free meanwhile.
class PgSubscriptionClaims final : public SubscriptionClaims {
 public:
  explicit PgSubscriptionClaims(PgParams params)
      : params_(std::move(params)),
        take_sql_(
            absl::StrCat("SELECT CASE WHEN EXISTS(SELECT 1 FROM pg_locks WHERE locktype='advisory'",
                         " AND pid=pg_backend_pid() AND classid=", kPgClaimLocks,
                         " AND objid=?1::int4::oid AND objsubid=2 AND granted) THEN ", kHeld,
                         " WHEN pg_try_advisory_lock(", kPgClaimLocks, ",?1::int4) THEN ", kTaken,
                         " ELSE ", kBusy, " END")),
        unlock_sql_(absl::StrCat("SELECT CASE WHEN pg_advisory_unlock(", kPgClaimLocks,
                                 ",?1::int4) THEN 1 ELSE 0 END")) {}

  bool Take(const AgencyId& agency, const SubscriptionName& name) override {
    Subscription subscription{agency, name};
    // Lost before: said once, so the caller stops delivering and releases.
    if (lost_.erase(subscription) > 0) return false;
    const int32_t key = PgClaimKey(agency, name);
    auto answer = Ask(take_sql_, key);
    if (!answer.ok()) {
      LoseAll();
      return false;
    }
    const bool taken_before = holders_.contains(key);
    if (*answer == kBusy) {
      if (taken_before) Lose(key);  // another broker has it now
      return false;
    }
    if (*answer == kTaken && taken_before) {
      // A new session: the lock was free for a while, so another broker
      // may have delivered meanwhile. Not kept: taken anew after release.
      Lose(key);
      if (!Ask(unlock_sql_, key).ok()) LoseAll();
      return false;
    }
    holders_[key].insert(std::move(subscription));
    return true;
  }

  void Release(const AgencyId& agency, const SubscriptionName& name) override {
    const Subscription subscription{agency, name};
    lost_.erase(subscription);
    const int32_t key = PgClaimKey(agency, name);
    auto holders = holders_.find(key);
    if (holders == holders_.end() || holders->second.erase(subscription) == 0) return;
    if (!holders->second.empty()) return;  // a colliding subscription still holds the lock
    holders_.erase(holders);
    auto unlocked = Ask(unlock_sql_, key);
    // Not unlocked: the session is gone or going (Ask closed it), or was
    // reopened and never held the lock; either way its other locks are gone.
    if (!unlocked.ok() || *unlocked != 1) LoseAll();
  }

 private:
  using Subscription = std::pair<AgencyId, SubscriptionName>;

  // Runs `sql` with `key`, (re)opening the connection first; an error
  // closes it, so the server ends the session and frees its locks.
  absl::StatusOr<int64_t> Ask(const std::string& sql, int32_t key) {
    if (conn_ == nullptr) {
      auto conn = PgConnection::Open(params_, /*read_only=*/false);
      if (!conn.ok()) return conn.status();
      conn_ = std::move(*conn);
    }
    const auto failed = [this](const absl::Status& status) {
      ModuleLogger("store")->warn("subscription claims: {}", status.ToString());
      conn_.reset();
      return status;
    };
    auto stmt = conn_->Prepare(sql);
    if (!stmt.ok()) return failed(stmt.status());
    auto row = stmt->Bind(1, int64_t{key}).Step();
    if (!row.ok()) return failed(row.status());
    const int64_t value = *row ? stmt->Int(0) : 0;
    stmt->Reset();
    return value;
  }

  void Lose(int32_t key) {
    auto holders = holders_.extract(key);
    if (holders.empty()) return;
    for (const auto& [agency, name] : holders.mapped()) {
      ModuleLogger("store")->warn("{} subscription {}: this broker lost its claim", agency.value(),
                                  name.value());
    }
    lost_.merge(holders.mapped());
  }

  void LoseAll() {
    while (!holders_.empty()) Lose(holders_.begin()->first);
    conn_.reset();
  }

  const PgParams params_;
  const std::string take_sql_, unlock_sql_;
  std::unique_ptr<PgConnection> conn_;
  // The locks this session took, each with the subscriptions that hold it.
  std::map<int32_t, std::set<Subscription>> holders_;
  // Claims lost since they were taken, not yet said or released.
  std::set<Subscription> lost_;
};

}  // namespace

int32_t PgClaimKey(const AgencyId& agency, const SubscriptionName& name) {
  // FNV-1a: stable across processes and builds, unlike absl::Hash.
  uint32_t hash = 2166136261u;
  const auto mix = [&hash](std::string_view text) {
    for (const unsigned char c : text) hash = (hash ^ c) * 16777619u;
  };
  mix(agency.value());
  mix(std::string_view("\0", 1));  // "ab"+"c" and "a"+"bc" differ
  mix(name.value());
  return static_cast<int32_t>(hash & 0x7fffffffu);
}

std::unique_ptr<SubscriptionClaims> PostgresDatabase::ClaimSubscriptions() const {
  return std::make_unique<PgSubscriptionClaims>(params_);
}

}  // namespace safeshare::store
