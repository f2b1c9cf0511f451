// Unit tests for the SQLite store's audit index, which trails the log
// (store/README.md, "The audit index"): a clean stop leaves it complete,
// notifications are filed under their sequence and found by their id, a
// query finds entries the index has not filed yet exactly as if it had,
// and a store reopened with unfiled entries files them while idle.
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "broker/store/audit_keys.h"
#include "broker/store/audit_query.h"
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
    auto db = Connection::Open(path(), /*read_only=*/true);
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
    auto db = Connection::Open(path(), /*read_only=*/true);
    EXPECT_TRUE(db.ok()) << db.status();
    auto value = db.ok() ? (*db)->QueryInt(sql) : db.status();
    EXPECT_TRUE(value.ok()) << value.status();
    return value.ok() ? *value : -1;
  }

  std::vector<std::string> notification_ids_;  // by sequence, from 1

  // Takes the entries after `through` out of the index, as a crash before
  // the writer filed them would leave the file.
  void Unfile(int64_t through) {
    auto db = Connection::Open(path(), /*read_only=*/false);
    ASSERT_TRUE(db.ok()) << db.status();
    ASSERT_TRUE((*db)
                    ->Exec("DELETE FROM audit_keys WHERE id>" + std::to_string(through) +
                           "; UPDATE audit_index SET indexed_through=" + std::to_string(through))
                    .ok());
  }
};

TEST_F(AuditIndexTest, ACleanStopLeavesEveryEntryFiled) {
  ASSERT_NO_FATAL_FAILURE(WriteLog());
  store_.reset();
  const int64_t entries = FileInt("SELECT max(id) FROM audit");
  ASSERT_GT(entries, 10);
  EXPECT_EQ(FileInt("SELECT indexed_through FROM audit_index"), entries);
  EXPECT_EQ(FileInt("SELECT count(DISTINCT id) FROM audit_keys"), entries);
}

TEST_F(AuditIndexTest, ANotificationIsFiledUnderItsSequenceAndFoundByItsId) {
  ASSERT_NO_FATAL_FAILURE(WriteLog());
  store_.reset();
  // Decisions, deliveries and acknowledgements all name stored notifications.
  EXPECT_EQ(FileInt("SELECT count(*) FROM audit_keys WHERE key LIKE 'notification:%'"), 0);
  EXPECT_EQ(FileInt("SELECT count(*) FROM audit_keys WHERE key='" + SequenceKey(1) + "'"), 3);
  const AuditQuery first{.notification_id = notification_ids_[0]};
  const auto found = FromFile(first, 100);
  ASSERT_EQ(found.size(), 3u);  // published, delivered (1 to 3), acknowledged (through 3)
  EXPECT_EQ(found[0], 1);
  EXPECT_THAT(FromFile({.notification_id = notification_ids_[3]}, 100), ::testing::SizeIs(2u));

  // An entry filed by its notification id, as schema version 4 filed every
  // one, is found too.
  auto db = Connection::Open(path(), /*read_only=*/false);
  ASSERT_TRUE(db.ok()) << db.status();
  ASSERT_TRUE((*db)
                  ->Exec("UPDATE audit_keys SET key='notification:" + notification_ids_[0] +
                         "' WHERE key='" + SequenceKey(1) + "' AND id=1")
                  .ok());
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
  const int64_t keys = FileInt("SELECT count(*) FROM audit_keys");
  ASSERT_NO_FATAL_FAILURE(Unfile(entries / 3));

  Reopen();
  // Bounded: the writer files after 100 ms of idleness.
  for (int i = 0; i < 100 && FileInt("SELECT indexed_through FROM audit_index") != entries; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(FileInt("SELECT indexed_through FROM audit_index"), entries);
  EXPECT_EQ(FileInt("SELECT count(*) FROM audit_keys"), keys);
  auto found = store_->QueryAudit({.agency = "health"});
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(found->size(),
            static_cast<size_t>(
                FileInt("SELECT count(DISTINCT id) FROM audit_keys WHERE key='agency:health'")));
}

}  // namespace
}  // namespace safeshare::store
