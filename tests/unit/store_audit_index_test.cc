// Unit tests for the SQLite store's audit index, which trails the log
// (store/README.md, "The audit index"): a clean stop leaves it complete,
// one posting row per key per batch, notifications are filed under their
// sequence and found by their id, a query finds entries the index has not
// filed yet exactly as if it had, a store reopened with unfiled entries files
// them while idle, a version 5 file's index carries over, and posting rows
// encode and decode (damaged ones are refused).
#include <chrono>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "broker/store/audit_keys.h"
#include "broker/store/audit_postings.h"
#include "broker/store/audit_query.h"
#include "broker/store/schema_sql.h"
#include "tests/unit/store_fixture.h"

namespace safeshare::store {
namespace {

class AuditIndexTest : public StoreTestBase {
 protected:
  std::filesystem::path path() const { return dir_ / "safeshare.db"; }

  // Entries of every kind over two cases and three people: decisions with
  // routed and withheld lines, a refusal, batches of deliveries and an
  // acknowledgement, an audit read.
  void WriteLog() {
    for (int i = 1; i <= 6; ++i) {
      auto n =
          Note(i % 2 == 0 ? "police" : "cfs", "k" + std::to_string(i), {"health"},
               i % 3 == 0 ? std::vector<std::string>{"education"} : std::vector<std::string>{});
      n.case_ref = CaseRef(i <= 3 ? "CASE-1" : "CASE-2");
      n.person_hashes = {"hash-" + std::to_string(i % 3)};
      auto published = Publish(n);
      ASSERT_TRUE(published.ok()) << published.status();
      notification_ids_.push_back(published->id.value());
    }
    ASSERT_TRUE(Await([&](Store::StatusDone done) {
                  store_->RecordRefusal({AgencyId("probation"), "CASE-2", "strategy_minutes",
                                         "probation may not publish strategy_minutes"},
                                        std::move(done));
                }).ok());
    ASSERT_TRUE(Open("health", "feed").ok());
    ASSERT_TRUE(Deliver("health", "feed", {1, 2, 3}).ok());
    ASSERT_TRUE(Deliver("health", "feed", {4}).ok());
    ASSERT_TRUE(Ack("health", "feed", 3).ok());
    ASSERT_TRUE(Await([&](Store::StatusDone done) {
                  store_->RecordEvent({.actor = "ig", .action = audit::Action::kAuditRead},
                                      std::move(done), /*can_wait=*/true);
                }).ok());
  }

  // The queries the tests compare: each key kind, several actions, a
  // combination, a time range with a key.
  static std::vector<AuditQuery> Queries() {
    return {{.case_ref = "CASE-1"},
            {.case_ref = "CASE-2", .agency = "police"},
            {.agency = "health"},
            {.agency = "education"},
            {.notification_id = "n-does-not-exist"},
            {.person_hash = "hash-1"},
            {.actions = {"withheld", "publish_refused"}},
            {.actions = {"delivered", "acknowledged", "audit_read"}},
            {.agency = "health", .actions = {"routed"}, .from_micros = 1}};
  }

  // The ids QueryAuditEntries finds on the file, read `page` at a time.
  std::vector<int64_t> FromFile(AuditQuery query, size_t page) {
    auto db = SqliteConnection::Open(path(), /*read_only=*/true);
    EXPECT_TRUE(db.ok()) << db.status();
    std::vector<int64_t> out;
    if (!db.ok()) return out;
    query.limit = page;
    while (true) {
      EXPECT_TRUE((*db)->Exec("BEGIN").ok());
      auto found = QueryAuditEntries(**db, query);
      EXPECT_TRUE((*db)->Exec("COMMIT").ok());
      EXPECT_TRUE(found.ok()) << found.status();
      if (!found.ok()) return out;
      for (const auto& e : *found) out.push_back(e.id);
      if (found->size() < page) return out;
      query.after_id = found->back().id;
    }
  }

  int64_t FileInt(const std::string& sql) {
    auto db = SqliteConnection::Open(path(), /*read_only=*/true);
    EXPECT_TRUE(db.ok()) << db.status();
    auto value = db.ok() ? (*db)->QueryInt(sql) : db.status();
    EXPECT_TRUE(value.ok()) << value.status();
    return value.ok() ? *value : -1;
  }

  std::vector<std::string> notification_ids_;  // by sequence, from 1

  // The index on the file: each key's ids, decoded from its posting rows.
  using Index = std::map<std::string, std::vector<int64_t>>;
  Index ReadIndex() {
    Index out;
    auto db = SqliteConnection::Open(path(), /*read_only=*/true);
    EXPECT_TRUE(db.ok()) << db.status();
    if (!db.ok()) return out;
    auto rows =
        (*db)->Prepare("SELECT key, first_id, ids FROM audit_postings ORDER BY key, last_id");
    EXPECT_TRUE(rows.ok()) << rows.status();
    while (rows.ok() && *rows->Step()) {
      EXPECT_TRUE(DecodeIdGaps(rows->Int(1), rows->View(2), out[rows->Text(0)]).ok());
    }
    return out;
  }

  // Replaces the file's index by `index` filed through `through`, one
  // posting row per id (as an upgraded version 5 file has them).
  void WriteIndex(const Index& index, int64_t through) {
    auto db = SqliteConnection::Open(path(), /*read_only=*/false);
    ASSERT_TRUE(db.ok()) << db.status();
    ASSERT_TRUE((*db)->Exec("BEGIN; DELETE FROM audit_postings").ok());
    auto insert = (*db)->Prepare("INSERT INTO audit_postings VALUES(?1,?2,?2,x'')");
    ASSERT_TRUE(insert.ok()) << insert.status();
    for (const auto& [key, ids] : index) {
      for (const int64_t id : ids) {
        if (id > through) continue;
        ASSERT_TRUE(insert->Bind(1, key).Bind(2, id).Run().ok());
      }
    }
    ASSERT_TRUE(
        (*db)
            ->Exec("UPDATE audit_index SET indexed_through=" + std::to_string(through) + "; COMMIT")
            .ok());
  }

  // Takes the entries after `through` out of the index, as a crash before
  // the writer filed them would leave the file.
  void Unfile(int64_t through) { WriteIndex(ReadIndex(), through); }

  static size_t Filed(const Index& index) {
    std::set<int64_t> ids;
    for (const auto& [key, filed] : index) ids.insert(filed.begin(), filed.end());
    return ids.size();
  }
};

TEST_F(AuditIndexTest, ACleanStopLeavesEveryEntryFiled) {
  ASSERT_NO_FATAL_FAILURE(WriteLog());
  store_.reset();
  const int64_t entries = FileInt("SELECT max(id) FROM audit");
  ASSERT_GT(entries, 10);
  EXPECT_EQ(FileInt("SELECT indexed_through FROM audit_index"), entries);
  const auto index = ReadIndex();
  EXPECT_EQ(Filed(index), static_cast<size_t>(entries));
  // A posting row per key and batch, not per key and entry (the log is
  // filed in one or two batches: at the stop, or when the test paused).
  size_t pairs = 0;
  for (const auto& [key, ids] : index) pairs += ids.size();
  const int64_t rows = FileInt("SELECT count(*) FROM audit_postings");
  EXPECT_LE(rows, 2 * static_cast<int64_t>(index.size()));
  EXPECT_LT(rows, static_cast<int64_t>(pairs));
  EXPECT_THAT(index.at("action:delivered"), ::testing::SizeIs(2u));
}

TEST_F(AuditIndexTest, ANotificationIsFiledUnderItsSequenceAndFoundByItsId) {
  ASSERT_NO_FATAL_FAILURE(WriteLog());
  store_.reset();
  // Decisions, deliveries and acknowledgements all name stored notifications.
  auto index = ReadIndex();
  EXPECT_EQ(index.lower_bound("notification:"), index.lower_bound("notification;"));
  EXPECT_THAT(index[SequenceKey(1)], ::testing::SizeIs(3u));
  const AuditQuery first{.notification_id = notification_ids_[0]};
  const auto found = FromFile(first, 100);
  ASSERT_EQ(found.size(), 3u);  // published, delivered (1 to 3), acknowledged (through 3)
  EXPECT_EQ(found[0], 1);
  EXPECT_THAT(FromFile({.notification_id = notification_ids_[3]}, 100), ::testing::SizeIs(2u));

  // An entry filed by its notification id, as schema version 4 filed every
  // one, is found too.
  auto& by_sequence = index[SequenceKey(1)];
  ASSERT_EQ(by_sequence.front(), 1);
  by_sequence.erase(by_sequence.begin());
  index["notification:" + notification_ids_[0]] = {1};
  ASSERT_NO_FATAL_FAILURE(WriteIndex(index, FileInt("SELECT max(id) FROM audit")));
  EXPECT_EQ(FromFile(first, 100), found);
  EXPECT_EQ(FromFile(first, 1), found);
}

TEST_F(AuditIndexTest, EntriesNotYetFiledAreFoundAsIfTheyWere) {
  ASSERT_NO_FATAL_FAILURE(WriteLog());
  store_.reset();
  const int64_t entries = FileInt("SELECT max(id) FROM audit");
  std::vector<std::vector<int64_t>> expected;
  for (const auto& q : Queries()) expected.push_back(FromFile(q, 100));
  ASSERT_THAT(expected[0], ::testing::SizeIs(::testing::Gt(3u)));
  ASSERT_THAT(expected[4], ::testing::IsEmpty());

  for (const int64_t through : {entries - 1, entries / 2, int64_t{0}}) {
    ASSERT_NO_FATAL_FAILURE(Unfile(through));
    for (size_t i = 0; i < Queries().size(); ++i) {
      for (size_t page : {1, 2, 100}) {
        EXPECT_EQ(FromFile(Queries()[i], page), expected[i])
            << "query " << i << ", page " << page << ", filed through " << through;
      }
    }
  }
}

TEST_F(AuditIndexTest, AReopenedStoreFilesWhatItHadNotFiledWhenIdle) {
  ASSERT_NO_FATAL_FAILURE(WriteLog());
  store_.reset();
  const int64_t entries = FileInt("SELECT max(id) FROM audit");
  const auto index = ReadIndex();
  ASSERT_NO_FATAL_FAILURE(Unfile(entries / 3));

  Reopen();
  // Bounded: the writer files after 100 ms of idleness.
  for (int i = 0; i < 100 && FileInt("SELECT indexed_through FROM audit_index") != entries; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(FileInt("SELECT indexed_through FROM audit_index"), entries);
  EXPECT_EQ(ReadIndex(), index);
  auto found = store_->QueryAudit({.agency = "health"});
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(found->size(), index.at("agency:health").size());
}

TEST_F(AuditIndexTest, AVersion5FileKeepsItsIndexThroughTheUpgrade) {
  ASSERT_NO_FATAL_FAILURE(WriteLog());
  store_.reset();
  std::vector<std::vector<int64_t>> expected;
  for (const auto& q : Queries()) expected.push_back(FromFile(q, 100));
  const auto index = ReadIndex();
  // The file as schema version 5 left it: a row per key and entry (and
  // subscriptions without the columns of version 7).
  {
    auto db = SqliteConnection::Open(path(), /*read_only=*/false);
    ASSERT_TRUE(db.ok()) << db.status();
    ASSERT_TRUE((*db)
                    ->Exec("BEGIN; DROP TABLE audit_postings; CREATE TABLE audit_keys(key TEXT NOT "
                           "NULL, id INTEGER NOT NULL, PRIMARY KEY(key, id)) WITHOUT ROWID;"
                           " ALTER TABLE subscriptions DROP COLUMN filter_types;"
                           " ALTER TABLE subscriptions DROP COLUMN filter_cases;"
                           " ALTER TABLE subscriptions DROP COLUMN delivered_through;"
                           " ALTER TABLE subscriptions DROP COLUMN consumer_mode"
                           ";" +
                           std::string(kBackToVersion9Sql) + kBackToVersion8Sql)
                    .ok());
    auto insert = (*db)->Prepare("INSERT INTO audit_keys VALUES(?1,?2)");
    ASSERT_TRUE(insert.ok()) << insert.status();
    for (const auto& [key, ids] : index) {
      for (const int64_t id : ids) ASSERT_TRUE(insert->Bind(1, key).Bind(2, id).Run().ok());
    }
    ASSERT_TRUE((*db)->Exec("PRAGMA user_version=5; COMMIT").ok());
  }

  Reopen();
  store_.reset();
  EXPECT_EQ(FileInt("PRAGMA user_version"), kSchemaVersion);
  EXPECT_EQ(FileInt("SELECT count(*) FROM sqlite_master WHERE name='audit_keys'"), 0);
  EXPECT_EQ(ReadIndex(), index);
  for (size_t i = 0; i < Queries().size(); ++i) {
    EXPECT_EQ(FromFile(Queries()[i], 2), expected[i]) << "query " << i;
  }
}

TEST(AuditPostingsTest, IdsRoundTripThroughTheirGaps) {
  const std::vector<int64_t> ids = {5, 6, 133, 134, 20'000, 3'000'000'000, 3'000'000'001};
  const std::string gaps = EncodeIdGaps(ids);
  EXPECT_EQ(gaps.size(), 1 + 1 + 1 + 3 + 5 + 1u);  // 7 bits per byte
  std::vector<int64_t> decoded;
  ASSERT_TRUE(DecodeIdGaps(5, gaps, decoded).ok());
  EXPECT_EQ(decoded, ids);
  decoded.clear();
  ASSERT_TRUE(DecodeIdGaps(9, "", decoded).ok());
  EXPECT_EQ(decoded, std::vector<int64_t>{9});
}

TEST(AuditPostingsTest, ADamagedRowIsDataLoss) {
  for (const std::string& damaged :
       {std::string("\x80"), std::string("\x01\x00", 2), std::string(10, '\xff') + '\x01'}) {
    std::vector<int64_t> decoded;
    const auto status = DecodeIdGaps(1, damaged, decoded);
    EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss) << status;
    EXPECT_THAT(std::string(status.message()), ::testing::HasSubstr("entry 1"));
  }
}

}  // namespace
}  // namespace safeshare::store
