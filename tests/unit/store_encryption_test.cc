// Bodies at rest in the SQLite store: sealed in the file (views too), bound
// to their row, and resealed under a new key by RekeyStore while the store
// is open and serving.
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "broker/store/rekey.h"
#include "tests/support/test_data_keys.h"
#include "tests/unit/store_fixture.h"

namespace safeshare::store {
namespace {

using ::testing::HasSubstr;

constexpr char kMarker[] = "Alex Example, born 2015-03-04";

// A notification to police whose body and view name a child, so the file
// can be searched for the name.
NewNotification Naming(const std::string& key) {
  auto n = Note("cfs", key, {"police", "health"});
  n.body = std::make_shared<const std::string>(std::string("{\"child\":\"") + kMarker + "\"}");
  n.content_hash = audit::ContentHash(*n.body);
  auto view = std::make_shared<const std::string>(std::string("{\"view\":\"") + kMarker + "\"}");
  n.views = {View{view, audit::ContentHash(*view)}};
  n.recipients[1].view = 1;
  return n;
}

class StoreEncryptionTest : public SqliteStoreTest {
 protected:
  std::filesystem::path path() const { return dir_ / "safeshare.db"; }
  int64_t Count(const std::string& sql) const {
    auto db = SqliteConnection::Open(path(), /*read_only=*/true);
    EXPECT_TRUE(db.ok());
    auto n = (*db)->QueryInt(sql);
    EXPECT_TRUE(n.ok()) << n.status();
    return n.ok() ? *n : -1;
  }
};

TEST_F(StoreEncryptionTest, TheFileHoldsNoBodyOrViewInTheClear) {
  ASSERT_TRUE(Publish(Naming("k1")).ok());
  auto police = store_->ReadDeliveries(AgencyId("police"), Sequence(0), 10);
  auto health = store_->ReadDeliveries(AgencyId("health"), Sequence(0), 10);
  ASSERT_TRUE(police.ok() && health.ok());
  EXPECT_THAT(police->front().body, HasSubstr(kMarker));
  EXPECT_THAT(health->front().body, HasSubstr("\"view\""));
  // The WAL as the broker runs, then the file after the clean stop's
  // checkpoint: neither holds the name.
  EXPECT_EQ(FileBytes(dir_ / "safeshare.db-wal").find(kMarker), std::string::npos);
  store_.reset();
  EXPECT_EQ(FileBytes(path()).find(kMarker), std::string::npos);
  EXPECT_EQ(Count("SELECT count(*) FROM notifications WHERE body_key='test-1'"), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM views WHERE body_key='test-1'"), 1);
}

TEST_F(StoreEncryptionTest, ABodyMovedToAnotherRowIsRefusedAsDamage) {
  ASSERT_TRUE(Publish(Note("cfs", "k1", {"police"})).ok());
  ASSERT_TRUE(Publish(Note("cfs", "k2", {"police"})).ok());
  {
    auto db = SqliteConnection::Open(path(), /*read_only=*/false);
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE((*db)
                    ->Exec("UPDATE notifications SET body=(SELECT body FROM notifications WHERE "
                           "seq=1), content_hash=(SELECT content_hash FROM notifications WHERE "
                           "seq=1) WHERE seq=2")
                    .ok());
  }
  auto read = store_->ReadDeliveries(AgencyId("police"), Sequence(1), 10);
  EXPECT_EQ(read.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(read.status().message()),
              HasSubstr("at sequence 2: a sealed body does not authenticate"));
}

TEST_F(StoreEncryptionTest, RekeyResealsOldAndPlaintextBodiesWhileTheStoreServes) {
  // Written under test-0, one of them as a file from before schema 11 left it.
  store_.reset();
  {
    auto old = SqlStore::OpenSqlite(path(), TestDataKeys("test-0"));
    ASSERT_TRUE(old.ok()) << old.status();
    store_ = std::move(*old);
    ASSERT_TRUE(Publish(Naming("k1")).ok());
    ASSERT_TRUE(Publish(Naming("k2")).ok());
    ASSERT_TRUE(Publish(Note("cfs", "k3", {"police"})).ok());
    store_.reset();
    auto db = SqliteConnection::Open(path(), /*read_only=*/false);
    ASSERT_TRUE(db.ok());
    auto plain = (*db)->Prepare("UPDATE notifications SET body=?1, body_key='' WHERE seq=3");
    ASSERT_TRUE(plain.ok());
    const auto body = *Note("cfs", "x", {}).body;  // the same shape as k3's, another id
    ASSERT_TRUE(plain->BindBlob(1, body).Run().ok());
    ASSERT_TRUE((*db)
                    ->Exec("UPDATE notifications SET content_hash='" + audit::ContentHash(body) +
                           "' WHERE seq=3")
                    .ok());
  }
  // Restarted with test-1 current; serving while rekey runs beside it.
  Reopen();
  ASSERT_TRUE(Publish(Note("cfs", "k4", {"police"})).ok());
  int batches = 0;
  auto report = RekeyStore(path(), *TestDataKeys("test-1"),
                           {.batch = 1,
                            .pause = std::chrono::milliseconds(1),
                            .progress = [&](const RekeyReport&) { ++batches; }});
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->notifications, 3);
  EXPECT_EQ(report->views, 2);
  EXPECT_EQ(report->from.at("test-0"), 4);
  EXPECT_EQ(report->from.at(""), 1);
  EXPECT_GE(batches, 5);
  EXPECT_EQ(Count("SELECT count(*) FROM notifications WHERE body_key<>'test-1'"), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM views WHERE body_key<>'test-1'"), 0);
  ASSERT_TRUE(Publish(Note("cfs", "k5", {"police"})).ok());  // still serving

  // The old key can go: everything opens under test-1 alone, and a second
  // run has nothing to do.
  store_.reset();
  auto only_new = std::make_shared<const DataKeys>(
      std::map<std::string, std::string>{{"test-1", std::string(32, '\xa5')}}, "test-1");
  auto reopened = SqlStore::OpenSqlite(path(), only_new);
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  auto police = (*reopened)->ReadDeliveries(AgencyId("police"), Sequence(0), 10);
  ASSERT_TRUE(police.ok()) << police.status();
  EXPECT_EQ(police->size(), 5u);
  EXPECT_THAT(police->front().body, HasSubstr(kMarker));
  auto again = RekeyStore(path(), *only_new, {});
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->notifications + again->views, 0);
}

TEST_F(StoreEncryptionTest, RekeyStopsAtADamagedBodyRatherThanSealItAnew) {
  store_.reset();
  {
    auto old = SqlStore::OpenSqlite(path(), TestDataKeys("test-0"));
    ASSERT_TRUE(old.ok());
    store_ = std::move(*old);
    ASSERT_TRUE(Publish(Note("cfs", "k1", {"police"})).ok());
    store_.reset();
  }
  {
    auto db = SqliteConnection::Open(path(), /*read_only=*/false);
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE((*db)->Exec("UPDATE notifications SET content_hash='00' WHERE seq=1").ok());
  }
  auto report = RekeyStore(path(), *TestDataKeys("test-1"), {});
  EXPECT_EQ(report.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(report.status().message()), HasSubstr("notification 1"));
  EXPECT_EQ(Count("SELECT count(*) FROM notifications WHERE body_key='test-0'"), 1);
}

}  // namespace
}  // namespace safeshare::store
