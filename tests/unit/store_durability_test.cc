// Unit tests for the store's durability: the start-up check (damage, schema
// version, audit head), corruption at run time, the checkpoint on close,
// backups and the audit clock. A real SQLite file in a fresh temp directory
// per test, written through the Writer directly (synchronous, with the time
// each transaction is stamped with given by the test).
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <spdlog/sinks/ringbuffer_sink.h>

#include "broker/audit/chain.h"
#include "broker/core/logging.h"
#include "broker/store/audit_log_reader.h"
#include "broker/store/backup.h"
#include "broker/store/body_check.h"
#include "broker/store/reader_pool.h"
#include "broker/store/schema_sql.h"
#include "broker/store/sql_store.h"
#include "broker/store/sqlite_database.h"
#include "broker/store/sqlite_db.h"
#include "broker/store/writer.h"
#include "tests/support/test_data_keys.h"

namespace safeshare::store {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr int64_t kNoon = 1'714'000'000'000'000;  // an arbitrary wall-clock time

class DurabilityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string dir = (std::filesystem::path(::testing::TempDir()) / "durable-XXXXXX").string();
    ASSERT_NE(mkdtemp(dir.data()), nullptr);
    dir_ = dir;
    path_ = dir_ / "store.db";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Opens the writer on path_, failing the test if it cannot.
  std::unique_ptr<Writer> OpenWriter() {
    auto writer = Writer::Open(std::make_shared<SqliteDatabase>(path_));
    EXPECT_TRUE(writer.ok()) << writer.status();
    return writer.ok() ? std::move(*writer) : nullptr;
  }

  // One transaction stamped `at`: a notification from cfs to police (two
  // audit entries: published, routed) when `publish`, else a refusal (one
  // audit entry).
  static void Write(Writer& w, int64_t at, bool publish = true) {
    static int next = 1;
    const std::string n = std::to_string(next++);
    ASSERT_TRUE(w.Begin(at).ok());
    if (publish) {
      NewNotification note{.id = NotificationId("n-" + n),
                           .publisher = AgencyId("cfs"),
                           .idempotency_key = "k-" + n,
                           .case_ref = CaseRef("CASE-1"),
                           .type = "strategy_minutes",
                           .purpose = "PURPOSE_STRATEGY_DISCUSSION",
                           .body = std::make_shared<const std::string>("body " + n),
                           .content_hash = audit::ContentHash("body " + n),
                           .recipients = {{AgencyId("police"), "ISA-03", "legal_obligation"}}};
      ASSERT_TRUE(w.Publish(note, SealBodies(*TestDataKeys(), note)).ok());
    } else {
      ASSERT_TRUE(w.Refuse({AgencyId("police"), "", "strategy_minutes", "not allowed"}).ok());
    }
    ASSERT_TRUE(w.Commit().ok());
  }

  // A store of `count` publishes, closed.
  void MakeStore(int count) {
    auto writer = OpenWriter();
    ASSERT_NE(writer, nullptr);
    for (int i = 0; i < count; ++i) ASSERT_NO_FATAL_FAILURE(Write(*writer, kNoon + i));
  }

  // Runs SQL on a file through a bare connection (not through the store's
  // checks), for preparing damaged files.
  static void Sql(const std::filesystem::path& path, const std::string& sql) {
    auto db = SqliteConnection::Open(path, /*read_only=*/false);
    ASSERT_TRUE(db.ok()) << db.status();
    EXPECT_TRUE((*db)->Exec(sql).ok()) << sql;
  }
  static int64_t SqlInt(const std::filesystem::path& path, const std::string& sql) {
    auto db = SqliteConnection::Open(path, /*read_only=*/true);
    auto stmt = db.ok() ? (*db)->Prepare(sql) : db.status();
    auto row = stmt.ok() ? stmt->Step() : stmt.status();
    return row.ok() && *row ? stmt->Int(0) : -1;
  }

  // Overwrites the start of the notifications table's root page with bytes
  // no b-tree page has, as a failing disk or a stray write would.
  void CorruptNotificationsPage() {
    const auto page =
        SqlInt(path_, "SELECT rootpage FROM sqlite_master WHERE name='notifications'");
    const auto page_size = SqlInt(path_, "PRAGMA page_size");
    ASSERT_GT(page, 1);
    std::fstream file(path_, std::ios::in | std::ios::out | std::ios::binary);
    file.seekp((page - 1) * page_size);
    const std::string garbage(64, '\xa5');
    file.write(garbage.data(), static_cast<std::streamsize>(garbage.size()));
    ASSERT_TRUE(file.good());
  }

  std::filesystem::path dir_, path_;
};

TEST_F(DurabilityTest, ANewStoreGetsTheCurrentSchemaVersion) {
  ASSERT_NO_FATAL_FAILURE(MakeStore(1));
  EXPECT_EQ(SqlInt(path_, "PRAGMA user_version"), kSchemaVersion);
  EXPECT_NE(OpenWriter(), nullptr);  // and opens again
}

TEST_F(DurabilityTest, AStoreOfANewerSchemaVersionIsRefusedNamingBothVersions) {
  ASSERT_NO_FATAL_FAILURE(MakeStore(1));
  Sql(path_, "PRAGMA user_version=" + std::to_string(kSchemaVersion + 1));
  auto opened = SqlStore::OpenSqlite(path_, TestDataKeys());
  EXPECT_EQ(opened.status().code(), absl::StatusCode::kFailedPrecondition);
  const std::string message(opened.status().message());
  EXPECT_THAT(message, HasSubstr("store " + path_.string() + " has schema version " +
                                 std::to_string(kSchemaVersion + 1) +
                                 "; this build reads version " + std::to_string(kSchemaVersion)));
  EXPECT_THAT(message, HasSubstr("newer"));
}

// Stores from before schema versions (user_version 0 with tables) hash their
// audit entries in the old encoding: this build cannot verify them.
TEST_F(DurabilityTest, AnUnversionedOlderStoreIsRefusedAsVersionOne) {
  Sql(path_, "CREATE TABLE notifications(seq INTEGER PRIMARY KEY); CREATE TABLE audit(id INTEGER)");
  auto opened = SqlStore::OpenSqlite(path_, TestDataKeys());
  EXPECT_EQ(opened.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(opened.status().message()),
              HasSubstr("has schema version 1; this build reads version " +
                        std::to_string(kSchemaVersion) + " only and cannot read or convert"));
}

TEST_F(DurabilityTest, ADamagedPageIsRefusedAtStartUpWithHowToRestore) {
  ASSERT_NO_FATAL_FAILURE(MakeStore(20));
  ASSERT_NO_FATAL_FAILURE(CorruptNotificationsPage());
  auto opened = SqlStore::OpenSqlite(path_, TestDataKeys());
  EXPECT_EQ(opened.status().code(), absl::StatusCode::kDataLoss);
  const std::string message(opened.status().message());
  EXPECT_THAT(message, HasSubstr("store " + path_.string() + " is damaged: "));
  EXPECT_THAT(message, HasSubstr("quick_check"));
  EXPECT_THAT(message, HasSubstr("restore it from a backup (safeshare-broker backup)"));
}

TEST_F(DurabilityTest, AnAlteredNewestAuditEntryIsRefusedAtStartUp) {
  ASSERT_NO_FATAL_FAILURE(MakeStore(3));
  Sql(path_, "UPDATE audit SET detail='edited' WHERE id=(SELECT max(id) FROM audit)");
  auto opened = SqlStore::OpenSqlite(path_, TestDataKeys());
  EXPECT_EQ(opened.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(opened.status().message()),
              HasSubstr("is damaged: the newest audit entries do not verify: audit entry 3 was "
                        "altered"));
}

TEST_F(DurabilityTest, ARemovedNewestAuditEntryIsRefusedAtStartUp) {
  ASSERT_NO_FATAL_FAILURE(MakeStore(3));
  Sql(path_, "DELETE FROM audit WHERE id=2");
  auto opened = SqlStore::OpenSqlite(path_, TestDataKeys());
  EXPECT_EQ(opened.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(opened.status().message()), HasSubstr("audit entry 2 is missing"));
}

TEST_F(DurabilityTest, CorruptionAtRunTimeIsDataLossAndLoggedAsCritical) {
  ASSERT_NO_FATAL_FAILURE(MakeStore(20));
  ASSERT_NO_FATAL_FAILURE(CorruptNotificationsPage());
  auto sink = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(16);
  sink->set_pattern("%l %v");
  ModuleLogger("store")->sinks().push_back(sink);
  auto readers = ReaderPool::Open(std::make_shared<SqliteDatabase>(path_),
                                  TestDataKeys());  // no start-up check on this path
  ASSERT_TRUE(readers.ok()) << readers.status();
  auto read = (*readers)->Deliveries(AgencyId("police"), Sequence(0), 100);
  ModuleLogger("store")->sinks().pop_back();
  EXPECT_EQ(read.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(read.status().message()), HasSubstr("store corruption detected: "));
  EXPECT_THAT(sink->last_formatted(),
              testing::Contains(testing::StartsWith("critical store corruption detected: ")));
}

TEST_F(DurabilityTest, ClosingTheStoreCheckpointsSoTheDatabaseFileAloneHoldsEverything) {
  {
    auto store =
        SqlStore::OpenSqlite(path_, TestDataKeys());  // writer and readers, as the broker has
    ASSERT_TRUE(store.ok()) << store.status();
    std::promise<absl::Status> refused;
    (*store)->RecordRefusal({AgencyId("police"), "", "strategy_minutes", "not allowed"},
                            [&](const absl::Status& s) { refused.set_value(s); });
    ASSERT_TRUE(refused.get_future().get().ok());
    auto entries = (*store)->ReadAudit(0, 10);  // the readers have read: they hold the WAL open
    ASSERT_TRUE(entries.ok());
    ASSERT_EQ(entries->size(), 1u);
  }
  const auto wal = path_.string() + "-wal";
  EXPECT_TRUE(!std::filesystem::exists(wal) || std::filesystem::file_size(wal) == 0);
  const auto copy = dir_ / "copy-of-db-only.db";
  std::filesystem::copy_file(path_, copy);
  auto log = ReadAuditLog(copy);
  ASSERT_TRUE(log.ok()) << log.status();
  ASSERT_EQ(log->size(), 1u);
  EXPECT_EQ((*log)[0].action, audit::Action::kPublishRefused);
}

TEST_F(DurabilityTest, BackupOfAnOpenStoreIsConsistentCheckedAndNeverOverwrites) {
  auto writer = OpenWriter();
  ASSERT_NE(writer, nullptr);
  for (int i = 0; i < 5; ++i) ASSERT_NO_FATAL_FAILURE(Write(*writer, kNoon + i));
  const auto to = dir_ / "backup.db";
  auto report = BackupStore(path_, to, /*force=*/false, *TestDataKeys());
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->notifications, 5);
  EXPECT_EQ(report->audit_entries, 5);  // one "published" each
  EXPECT_EQ(report->bodies_verified, 5);
  auto log = ReadAuditLog(to);
  ASSERT_TRUE(log.ok()) << log.status();
  ASSERT_EQ(log->size(), 5u);
  EXPECT_EQ(report->audit_head, log->back().entry_hash);
  EXPECT_TRUE(audit::VerifyChain(*log).ok());
  EXPECT_FALSE(std::filesystem::exists(to.string() + "-wal"));  // self-contained

  ASSERT_NO_FATAL_FAILURE(Write(*writer, kNoon + 5));
  EXPECT_EQ(BackupStore(path_, to, /*force=*/false, *TestDataKeys()).status().code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(SqlInt(to, "SELECT count(*) FROM notifications"), 5);  // untouched
  auto forced = BackupStore(path_, to, /*force=*/true, *TestDataKeys());
  ASSERT_TRUE(forced.ok()) << forced.status();
  EXPECT_EQ(forced->notifications, 6);
  EXPECT_EQ(BackupStore(dir_ / "none.db", dir_ / "b2.db", false, *TestDataKeys()).status().code(),
            absl::StatusCode::kNotFound);
}

// A body altered inside a valid page passes integrity_check; the backup
// still refuses it, names its sequence (never its content) and leaves no file.
TEST_F(DurabilityTest, BackupRefusesACopyWithADamagedBodyNamingItsSequence) {
  ASSERT_NO_FATAL_FAILURE(MakeStore(3));
  ASSERT_NO_FATAL_FAILURE(
      Sql(path_, "UPDATE notifications SET body = body || x'00' WHERE seq = 2"));
  const auto to = dir_ / "backup.db";
  auto report = BackupStore(path_, to, /*force=*/false, *TestDataKeys());
  ASSERT_EQ(report.status().code(), absl::StatusCode::kDataLoss) << report.status();
  EXPECT_THAT(report.status().message(),
              HasSubstr("1 of 3 notification bodies do not match their content hash (first: "
                        "sequence 2)"));
  EXPECT_THAT(report.status().message(), HasSubstr("restore the store from an earlier backup"));
  EXPECT_THAT(report.status().message(), Not(HasSubstr("body ")));
  EXPECT_FALSE(std::filesystem::exists(to));
  EXPECT_FALSE(std::filesystem::exists(to.string() + ".partial"));

  auto bodies = CheckStoreBodies(path_, *TestDataKeys());  // what `safeshare-broker audit` reports
  ASSERT_TRUE(bodies.ok()) << bodies.status();
  EXPECT_EQ(bodies->checked, 3);
  EXPECT_EQ(bodies->failed, 1);
  EXPECT_THAT(bodies->first_failed, ElementsAre(2));
}

TEST_F(DurabilityTest, AClockSteppingBackIsRecordedAsReadAndFlagged) {
  auto writer = OpenWriter();
  ASSERT_NE(writer, nullptr);
  ASSERT_NO_FATAL_FAILURE(Write(*writer, kNoon));
  ASSERT_NO_FATAL_FAILURE(Write(*writer, kNoon - 5'000'000, /*publish=*/false));  // 5 s back
  ASSERT_NO_FATAL_FAILURE(Write(*writer, kNoon - 4'000'000));  // later than the one before
  writer.reset();
  writer = OpenWriter();  // the last entry's time survives a restart
  ASSERT_NO_FATAL_FAILURE(Write(*writer, kNoon - 6'000'000, /*publish=*/false));
  writer.reset();

  auto log = ReadAuditLog(path_);
  ASSERT_TRUE(log.ok()) << log.status();
  std::vector<int64_t> at, stepped_back_from;
  for (const auto& e : *log) {
    at.push_back(e.at_micros);
    stepped_back_from.push_back(e.clock_stepped_back_from);
  }
  // A publish writes one entry in its transaction, a refusal one.
  EXPECT_THAT(at, ElementsAre(kNoon, kNoon - 5'000'000, kNoon - 4'000'000, kNoon - 6'000'000));
  EXPECT_THAT(stepped_back_from, ElementsAre(0, kNoon, 0, kNoon - 4'000'000));
  EXPECT_TRUE(audit::VerifyChain(*log).ok()) << audit::VerifyChain(*log);
}

TEST_F(DurabilityTest, AFailedTransactionDoesNotMoveTheClockHead) {
  auto writer = OpenWriter();
  ASSERT_NE(writer, nullptr);
  ASSERT_NO_FATAL_FAILURE(Write(*writer, kNoon));
  ASSERT_TRUE(writer->Begin(kNoon + 9'000'000).ok());
  ASSERT_TRUE(writer->Refuse({AgencyId("police"), "", "t", "r"}).ok());
  writer->Rollback();
  ASSERT_NO_FATAL_FAILURE(Write(*writer, kNoon + 1'000'000));  // after the last committed
  writer.reset();
  auto log = ReadAuditLog(path_);
  ASSERT_TRUE(log.ok());
  ASSERT_EQ(log->size(), 2u);  // two publishes: one "published" each
  EXPECT_EQ((*log)[1].clock_stepped_back_from, 0);
}

}  // namespace
}  // namespace safeshare::store
