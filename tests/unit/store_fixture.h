#pragma once

// The store tests' fixture: StoreContract runs each test against both stores
// (SqliteStore on a real file in a fresh temp directory, and the in-memory
// FakeStore); SqliteStoreTest is SQLite only. Each test file instantiates
// the suites it uses. Every asynchronous completion is awaited through a
// future.
#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "broker/audit/audit_entry.h"
#include "broker/audit/chain.h"
#include "broker/core/clock.h"
#include "broker/store/fake_store.h"
#include "broker/store/pg_database.h"
#include "broker/store/sql_store.h"
#include "broker/store/sqlite_db.h"
#include "tests/support/test_data_keys.h"
#include "tests/support/test_postgres.h"
#include "tests/unit/completion.h"

namespace safeshare::store {

using ::safeshare::unit::Completion;

inline std::vector<std::string> Values(const std::vector<AgencyId>& ids) {
  std::vector<std::string> out;
  out.reserve(ids.size());
  for (const auto& id : ids) out.push_back(id.value());
  return out;
}

// The bytes of a file as they are on disk (a store file, its -wal).
inline std::string FileBytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

// A notification as the service would hand it over. The body is opaque bytes
// to the store (with a NUL, to show it is stored as a blob).
// `content` stands for what the publisher sent: retries carry the same.
inline NewNotification Note(const std::string& publisher, const std::string& key,
                            const std::vector<std::string>& recipients,
                            const std::vector<std::string>& withheld = {},
                            const std::string& content = "as sent") {
  static std::atomic<int> next_id{1};
  NewNotification n;
  n.id = NotificationId("n-" + std::to_string(next_id++));
  n.publisher = AgencyId(publisher);
  n.idempotency_key = key;
  n.case_ref = CaseRef("CASE-1");
  n.type = "strategy_minutes";
  n.purpose = "PURPOSE_STRATEGY_DISCUSSION";
  n.body = std::make_shared<const std::string>(std::string("body\0", 5) + n.id.value());
  n.content_hash = audit::ContentHash(*n.body);
  n.request_hash = audit::ContentHash(content);
  for (const auto& r : recipients)
    n.recipients.push_back({AgencyId(r), "ISA-03", "legal_obligation"});
  for (const auto& w : withheld) {
    n.denied.push_back({AgencyId(w), "no sharing rule lets this agency receive strategy_minutes"});
  }
  return n;
}

// Appends `e` to the audit table of a version 2 or 3 file as those builds
// did: encoding version 1 (whatever e.version says), linked after `head`.
// Returns its entry hash, the next entry's head.
inline std::string AppendVersion1Entry(Connection& db, audit::Entry e, const std::string& head) {
  e.version = 1;
  audit::Link(head, e);
  auto row =
      db.Prepare("INSERT INTO audit VALUES(?1,?2,0,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15)");
  EXPECT_TRUE(row.ok()) << row.status();
  if (!row.ok()) return "";
  const std::string action(audit::ActionName(e.action));
  row->Bind(1, e.id).Bind(2, e.at_micros).Bind(3, e.actor).Bind(4, action);
  row->Bind(5, e.notification_id).Bind(6, e.case_ref).Bind(7, e.recipient);
  row->Bind(8, e.subscription).Bind(9, e.rule).Bind(10, e.lawful_basis).Bind(11, e.purpose);
  row->Bind(12, e.detail).Bind(13, e.content_hash).Bind(14, e.prev_hash).Bind(15, e.entry_hash);
  EXPECT_TRUE(row->Run().ok());
  return e.entry_hash;
}

// The stores the contract suites run against: SQLite and the fake in the
// unit tests; PostgreSQL where the same sources are built into the tests
// labelled `postgres` (tests/unit/CMakeLists.txt), against the server
// tests/postgres/server.sh starts.
#ifdef SAFESHARE_STORE_TESTS_ON_POSTGRES
#define SAFESHARE_STORES ::testing::Values("postgres")
#else
#define SAFESHARE_STORES ::testing::Values("sqlite", "fake")
#endif

class StoreTestBase : public ::testing::Test {
 protected:
  // "sqlite", "fake" or "postgres".
  virtual std::string Kind() const { return "sqlite"; }
  bool Fake() const { return Kind() == "fake"; }
  bool Postgres() const { return Kind() == "postgres"; }
  void SetUp() override {
    std::string dir = (std::filesystem::path(::testing::TempDir()) / "store-XXXXXX").string();
    ASSERT_NE(mkdtemp(dir.data()), nullptr);
    dir_ = dir;
    if (Fake()) {
      fake_ = new FakeStore(clock_);
      store_.reset(fake_);
      return;
    }
    if (Postgres()) {
      auto server = testing::TestPostgres::Find();
      ASSERT_TRUE(server.ok()) << server.status();
      postgres_ = *server;
      auto database = postgres_->CreateDatabase();
      ASSERT_TRUE(database.ok()) << database.status();
      database_name_ = *database;
    }
    Reopen();
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
    if (postgres_ && !database_name_.empty()) {
      EXPECT_TRUE(postgres_->DropDatabase(database_name_).ok());
    }
  }

  // Runs `sql` on the store's database behind its back (not the fake's).
  // `byte`: how the SQL writes one zero byte there (x'00', '\x00'::bytea).
  void ExecBehindTheStore(const std::function<std::string(const std::string& byte)>& sql) {
    if (Postgres()) {
      auto db = store::PgConnection::Open(postgres_->Params(database_name_), false);
      ASSERT_TRUE(db.ok()) << db.status();
      const auto run = (*db)->Exec(sql("'\\x00'::bytea"));
      ASSERT_TRUE(run.ok()) << run;
      return;
    }
    auto db = SqliteConnection::Open(dir_ / "safeshare.db", /*read_only=*/false);
    ASSERT_TRUE(db.ok()) << db.status();
    const auto run = (*db)->Exec(sql("x'00'"));
    ASSERT_TRUE(run.ok()) << run;
  }

  // After a first publish by cfs to one recipient and a second attempt with
  // its key: checks that a new key then gets sequence 2 (the attempt used
  // none) and returns the attempt's audit entry, the second of three (each
  // publish is one "published" entry).
  audit::Entry SecondAttemptAudit() {
    auto next = Publish(Note("cfs", "k2", {"police"}));
    EXPECT_TRUE(next.ok() && next->sequence == Sequence(2)) << next.status();
    const auto audit = Audit();
    EXPECT_EQ(audit.size(), 3u);
    return audit.size() == 3 ? audit[1] : audit::Entry{};
  }

  // Destroys the SQL store (completing queued writes) and opens its
  // database again.
  void Reopen() {
    store_.reset();
    auto opened =
        Postgres()
            ? SqlStore::Open(std::make_shared<PostgresDatabase>(postgres_->Params(database_name_)),
                             TestDataKeys(), {.clock = &clock_})
            : SqlStore::OpenSqlite(dir_ / "safeshare.db", TestDataKeys(), {.clock = &clock_});
    ASSERT_TRUE(opened.ok()) << opened.status();
    store_ = std::move(*opened);
  }

  // Damages the stored body of `seq` behind the store's back.
  void CorruptBody(Sequence seq) {
    if (fake_ != nullptr) return fake_->CorruptBody(seq);
    ExecBehindTheStore([&](const std::string& byte) {
      return "UPDATE notifications SET body = body || " + byte +
             " WHERE seq = " + std::to_string(seq.value());
    });
  }

  absl::StatusOr<PublishResult> Publish(NewNotification n) {
    Completion<PublishResult> done;
    store_->Publish(std::move(n), done.Callback());
    return done.Get();
  }
  // Opens (creating if missing) and answers the subscription's position.
  absl::StatusOr<Sequence> Open(const std::string& agency, const std::string& name) {
    auto opened = OpenRecord(agency, name, /*create_if_missing=*/true);
    if (!opened.ok()) return opened.status();
    return opened->acked_through;
  }
  absl::StatusOr<SubscriptionRecord> OpenRecord(const std::string& agency, const std::string& name,
                                                bool create_if_missing, size_t max = 100) {
    Completion<SubscriptionRecord> done;
    store_->OpenSubscription(AgencyId(agency), SubscriptionName(name), create_if_missing, max,
                             done.Callback());
    return done.Get();
  }
  // Acknowledges through `through` as a subscriber does: after a stream of
  // the subscription was handed what its filter matches up to there (what
  // was not yet recorded as handed to it is recorded first, one batch).
  absl::StatusOr<AckResult> Ack(const std::string& agency, const std::string& name,
                                uint64_t through) {
    auto listed = store_->ReadSubscriptions(AgencyId(agency), SubscriptionName(name));
    if (listed.ok() && listed->size() == 1) {
      const auto& record = listed->front().record;
      auto page = store_->ReadDeliveryPage(AgencyId(agency), record.delivered_through, 100'000,
                                           record.filter);
      if (!page.ok()) return page.status();
      std::vector<StoredDelivery> handed;
      for (auto& d : page->deliveries) {
        if (d.sequence.value() <= through) handed.push_back(std::move(d));
      }
      if (!handed.empty()) {
        if (auto delivered = Hand(agency, name, handed); !delivered.ok()) return delivered;
      }
    }
    return AckOnly(agency, name, through);
  }
  // Acknowledges without recording anything as handed first.
  absl::StatusOr<AckResult> AckOnly(const std::string& agency, const std::string& name,
                                    uint64_t through) {
    Completion<AckResult> done;
    store_->Acknowledge(AgencyId(agency), SubscriptionName(name), Sequence(through),
                        done.Callback());
    return done.Get();
  }
  // Starts a write with `start` (handing it the `done`) and waits for it.
  static absl::Status Await(const std::function<void(Store::StatusDone)>& start) {
    Completion<bool> done;
    start([cb = done.Callback()](const absl::Status& s) {
      cb(s.ok() ? absl::StatusOr<bool>(true) : s);
    });
    return done.Get().status();
  }
  // Audits the delivery of sequence 1 to police's subscription "inbox" and
  // waits until the entry is durable.
  absl::Status AuditDelivery(bool can_wait) {
    return Await([&](Store::StatusDone done) {
      store_->RecordDelivered({DeliveredEvent{{Sequence(1), NotificationId("n"), CaseRef("CASE-1"),
                                               "ISA-03", "legal_obligation", "p", "h"},
                                              AgencyId("police"),
                                              SubscriptionName("inbox")}},
                              std::move(done), can_wait);
    });
  }
  // Audits `agency`'s stored deliveries `sequences` as handed to its
  // subscription `name`, in one batch.
  absl::Status Deliver(const std::string& agency, const std::string& name,
                       const std::vector<uint64_t>& sequences) {
    auto stored = store_->ReadDeliveries(AgencyId(agency), Sequence(0), 100'000);
    if (!stored.ok()) return stored.status();
    std::vector<StoredDelivery> handed;
    for (const auto& d : *stored) {
      if (std::find(sequences.begin(), sequences.end(), d.sequence.value()) != sequences.end()) {
        handed.push_back(d);
      }
    }
    return Hand(agency, name, handed);
  }
  // Audits `deliveries` as handed to `agency`'s subscription `name`, one batch.
  absl::Status Hand(const std::string& agency, const std::string& name,
                    const std::vector<StoredDelivery>& deliveries) {
    std::vector<DeliveredEvent> events;
    events.reserve(deliveries.size());
    for (const auto& d : deliveries) {
      events.push_back(DeliveredEvent{d, AgencyId(agency), SubscriptionName(name)});
    }
    return Await([&](Store::StatusDone done) {
      store_->RecordDelivered(std::move(events), std::move(done), /*can_wait=*/false);
    });
  }
  std::vector<audit::Entry> Audit() {
    auto entries = store_->ReadAudit(0, 100'000);
    EXPECT_TRUE(entries.ok()) << entries.status();
    return entries.ok() ? *entries : std::vector<audit::Entry>{};
  }
  std::vector<uint64_t> DeliveredSequences(const std::string& agency, uint64_t after = 0) {
    auto got = store_->ReadDeliveries(AgencyId(agency), Sequence(after), 100'000);
    EXPECT_TRUE(got.ok()) << got.status();
    std::vector<uint64_t> out;
    for (const auto& d : got.ok() ? *got : std::vector<StoredDelivery>{}) {
      out.push_back(d.sequence.value());
    }
    return out;
  }

  // Damages the stored body of view `view` (>= 1) of `seq`.
  void CorruptView(Sequence seq, uint32_t view) {
    if (fake_ != nullptr) return fake_->CorruptView(seq, view);
    ExecBehindTheStore([&](const std::string& byte) {
      return "UPDATE views SET body = body || " + byte +
             " WHERE seq = " + std::to_string(seq.value()) + " AND view = " + std::to_string(view);
    });
  }

  absl::StatusOr<CaseState> ChangeCase(CaseChange change) {
    Completion<CaseState> done;
    store_->ChangeCase(std::move(change), done.Callback());
    return done.Get();
  }
  absl::StatusOr<uint32_t> ChangeInterests(const std::string& agency,
                                           std::vector<std::string> hashes, bool withdraw = false) {
    Completion<uint32_t> done;
    store_->ChangeInterests(InterestChange{AgencyId(agency), std::move(hashes), withdraw},
                            done.Callback());
    return done.Get();
  }
  absl::Status RecordPolicyChange(PolicyChange change) {
    return Await([&](Store::StatusDone done) {
      store_->RecordPolicyChange(std::move(change), std::move(done));
    });
  }
  // The lines with outcome `outcome` of every entry, in order.
  std::vector<audit::Line> LinesOf(audit::Action outcome) {
    std::vector<audit::Line> out;
    for (const auto& e : Audit()) {
      for (const auto& line : e.lines) {
        if (line.outcome == outcome) out.push_back(line);
      }
    }
    return out;
  }
  // The audit entries with `action`, in order.
  std::vector<audit::Entry> AuditOf(audit::Action action) {
    std::vector<audit::Entry> out;
    for (auto& e : Audit()) {
      if (e.action == action) out.push_back(std::move(e));
    }
    return out;
  }

  // The stores' wall clock (audit times, stored_at, engagement times); it
  // moves only when a test moves it.
  ManualClock clock_;
  std::filesystem::path dir_;
  std::unique_ptr<Store> store_;
  FakeStore* fake_ = nullptr;  // store_, when it is the fake
  // With PostgreSQL: the server and this test's database.
  std::optional<testing::TestPostgres> postgres_;
  std::string database_name_;
};

// SQLite-only behaviour.
// SQL that takes a store file back to what schema version 12, 11, 9 (and 8) wrote,
// for the upgrade tests of older versions (bodies stay sealed: those tests
// read no bodies).
inline constexpr char kBackToVersion12Sql[] = " DROP INDEX actions_note_key; DROP TABLE actions;";
inline constexpr char kBackToVersion11Sql[] =
    " DROP INDEX actions_note_key; DROP TABLE actions;"
    " DROP INDEX notifications_held; ALTER TABLE notifications DROP COLUMN content_deleted_at;";
inline constexpr char kBackToVersion9Sql[] =
    " DROP INDEX actions_note_key; DROP TABLE actions;"
    " DROP INDEX notifications_held; ALTER TABLE notifications DROP COLUMN content_deleted_at;"
    " DROP INDEX notifications_body_key; DROP INDEX views_body_key;"
    " ALTER TABLE notifications DROP COLUMN body_key; ALTER TABLE views DROP COLUMN body_key;"
    " DROP TABLE delivery_attempts; ALTER TABLE subscriptions DROP COLUMN ack_wait_ms;"
    " ALTER TABLE subscriptions DROP COLUMN max_deliver;"
    " ALTER TABLE subscriptions DROP COLUMN max_in_flight;";
inline constexpr char kBackToVersion8Sql[] =
    " DROP INDEX deliveries_unacked; ALTER TABLE deliveries DROP COLUMN acked_at;";

class SqliteStoreTest : public StoreTestBase {};

// The contract every Store keeps, run against each implementation.
class StoreContract : public StoreTestBase, public ::testing::WithParamInterface<std::string> {
 protected:
  std::string Kind() const override { return GetParam(); }
};

}  // namespace safeshare::store
