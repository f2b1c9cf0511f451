// Retention in the stores: which notifications' content is still held and
// how far each is acknowledged (ReadHeld), and DeleteContent, which empties
// body and views, keeps metadata, deliveries and audit, audits the deletion
// and passes over what no longer qualifies (RetentionContract, both
// stores). SQLite only: the deleted bytes are gone from the files, the
// body check counts deleted content apart, and a version 11 file upgrades.
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "broker/store/body_check.h"
#include "broker/store/schema_sql.h"
#include "tests/unit/store_fixture.h"

namespace safeshare::store {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

constexpr int64_t kMinute = 60'000'000;

absl::StatusOr<uint32_t> DeleteFrom(Store& store, std::vector<ContentDeletion> deletions) {
  Completion<uint32_t> done;
  store.DeleteContent(std::move(deletions), done.Callback());
  return done.Get();
}

class RetentionContract : public StoreContract {
 protected:
  // Three notifications from cfs to police and health; police acknowledges
  // 1 and 2, health 1 (a minute later): 1 is settled, 2 waits on health, 3
  // on both.
  void PublishThree() {
    for (const auto* key : {"k1", "k2", "k3"}) {
      ASSERT_TRUE(Publish(Note("cfs", key, {"police", "health"})).ok());
    }
    ASSERT_TRUE(Open("police", "inbox").ok());
    ASSERT_TRUE(Open("health", "inbox").ok());
    ASSERT_TRUE(Ack("police", "inbox", 2).ok());
    clock_.Advance(std::chrono::minutes(1));
    ASSERT_TRUE(Ack("health", "inbox", 1).ok());
  }
  std::vector<HeldNotification> Held(const std::vector<std::string>& types = {"strategy_minutes"}) {
    auto held = store_->ReadHeld(Sequence(0), types, 100);
    EXPECT_TRUE(held.ok()) << held.status();
    return held.ok() ? *held : std::vector<HeldNotification>{};
  }
  static std::vector<uint64_t> Sequences(const std::vector<HeldNotification>& held) {
    std::vector<uint64_t> out;
    out.reserve(held.size());
    for (const auto& h : held) out.push_back(h.sequence.value());
    return out;
  }
  absl::StatusOr<uint32_t> Delete(std::vector<ContentDeletion> deletions) {
    return DeleteFrom(*store_, std::move(deletions));
  }
};

TEST_P(RetentionContract, HeldNotificationsComeWithWhoHasNotAcknowledgedThem) {
  const int64_t start = clock_.WallMicros();
  PublishThree();
  const auto held = Held();
  ASSERT_THAT(Sequences(held), ElementsAre(1u, 2u, 3u));
  EXPECT_THAT(held[0].unacknowledged, IsEmpty());
  EXPECT_EQ(held[0].last_acknowledged_micros, start + kMinute);  // health's, the later
  EXPECT_EQ(held[0].stored_at_micros, start);
  EXPECT_EQ(held[0].type, "strategy_minutes");
  EXPECT_EQ(held[0].case_ref, CaseRef("CASE-1"));
  EXPECT_THAT(Values(held[1].unacknowledged), ElementsAre("health"));
  EXPECT_EQ(held[1].last_acknowledged_micros, 0);
  EXPECT_THAT(Values(held[2].unacknowledged), UnorderedElementsAre("health", "police"));
  EXPECT_THAT(Held({"investigation_outcome"}), IsEmpty());
  auto after_two = store_->ReadHeld(Sequence(1), {"strategy_minutes"}, 1);
  ASSERT_TRUE(after_two.ok());
  EXPECT_THAT(Sequences(*after_two), ElementsAre(2u));
}

TEST_P(RetentionContract, DeletedContentIsNoLongerServedButItsMetadataAndAuditStay) {
  PublishThree();
  auto before = store_->ReadRouted(Sequence(0), 0, 10, false);
  ASSERT_TRUE(before.ok());
  const auto n1 = before->front();
  clock_.Advance(std::chrono::minutes(5));
  ASSERT_EQ(Delete({{Sequence(1), true, "acknowledged by every recipient; kept 90d under X"},
                    {Sequence(3), false, "not acknowledged by health, police; kept 400d"}})
                .value(),
            2u);

  EXPECT_THAT(Sequences(Held()), ElementsAre(2u));
  // A new subscription from the beginning gets only what is held.
  EXPECT_THAT(DeliveredSequences("police"), ElementsAre(2u));
  auto page = store_->ReadDeliveryPage(AgencyId("health"), Sequence(0), 10, {});
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->deliveries.size(), 1u);
  EXPECT_EQ(page->deliveries[0].sequence, Sequence(2));
  // The publisher's and IG's views keep the metadata; the body is gone.
  auto after = store_->ReadRouted(Sequence(0), 0, 10, false);
  ASSERT_TRUE(after.ok());
  ASSERT_EQ(after->size(), 3u);
  EXPECT_EQ(after->front().id, n1.id);
  EXPECT_TRUE(after->front().body.empty());
  EXPECT_EQ(after->front().content_deleted_micros, clock_.WallMicros());
  EXPECT_EQ(after->front().recipients.size(), 2u);
  EXPECT_EQ((*after)[1].content_deleted_micros, 0);
  EXPECT_FALSE((*after)[1].body.empty());
  // 3 stays unacknowledged: nobody read it.
  auto unacked = store_->ReadUnacknowledged({});
  ASSERT_TRUE(unacked.ok());
  ASSERT_EQ(unacked->size(), 3u);  // 2 for health, 3 for both, marked deleted
  EXPECT_EQ((*unacked)[0].content_deleted_micros, 0);
  EXPECT_EQ((*unacked)[1].content_deleted_micros, clock_.WallMicros());
  EXPECT_EQ((*unacked)[2].content_deleted_micros, clock_.WallMicros());

  const auto deleted = AuditOf(audit::Action::kContentDeleted);
  ASSERT_EQ(deleted.size(), 1u);
  EXPECT_EQ(deleted[0].actor, "broker");
  EXPECT_EQ(deleted[0].detail,
            "content of 2 notifications deleted under retention; metadata and audit entries kept");
  ASSERT_EQ(deleted[0].lines.size(), 2u);
  const auto& line = deleted[0].lines[0];
  EXPECT_EQ(line.outcome, audit::Action::kContentDeleted);
  EXPECT_EQ(line.notification_id, n1.id.value());
  EXPECT_EQ(line.case_ref, "CASE-1");
  EXPECT_EQ(line.sequence, 1);
  EXPECT_EQ(line.content_hash, audit::ContentHash(n1.body));
  EXPECT_EQ(line.detail, "acknowledged by every recipient; kept 90d under X");
  EXPECT_EQ(deleted[0].lines[1].sequence, 3);

  // Acknowledging past it settles what was handed, not what nobody read.
  ASSERT_TRUE(Publish(Note("cfs", "k4", {"police"})).ok());
  auto acked = Ack("police", "inbox", 4);
  ASSERT_TRUE(acked.ok()) << acked.status();
  EXPECT_EQ(acked->newly_acknowledged, 1u);
  UnacknowledgedQuery police;
  police.agency = "police";
  auto still = store_->ReadUnacknowledged(police);
  ASSERT_TRUE(still.ok());
  ASSERT_EQ(still->size(), 1u);
  EXPECT_EQ(still->front().sequence, Sequence(3));
}

TEST_P(RetentionContract, WhatIsGoneOrAcknowledgedSinceItWasChosenIsPassedOver) {
  PublishThree();
  ASSERT_EQ(Delete({{Sequence(1), true, "d"}}).value(), 1u);
  const size_t entries = Audit().size();
  // Deleted already, never stored, and 2 chosen as unacknowledged but
  // acknowledged by health since: nothing, and nothing audited.
  ASSERT_TRUE(Ack("health", "inbox", 2).ok());
  const size_t after_ack = Audit().size();
  EXPECT_EQ(after_ack, entries + 2);  // delivered and acknowledged
  EXPECT_EQ(Delete({{Sequence(1), true, "d"}, {Sequence(99), true, "d"}, {Sequence(2), false, "d"}})
                .value(),
            0u);
  EXPECT_EQ(Audit().size(), after_ack);
  EXPECT_THAT(Sequences(Held()), ElementsAre(2u, 3u));
}

TEST_P(RetentionContract, ViewsGoWithTheBody) {
  auto n = Note("cfs", "k1", {"police", "health"});
  auto view = std::make_shared<const std::string>("redacted for health");
  n.views = {View{view, audit::ContentHash(*view)}};
  n.recipients[1].view = 1;
  ASSERT_TRUE(Publish(std::move(n)).ok());
  ASSERT_THAT(DeliveredSequences("health"), ElementsAre(1u));
  ASSERT_EQ(Delete({{Sequence(1), false, "d"}}).value(), 1u);
  EXPECT_THAT(DeliveredSequences("health"), IsEmpty());
  EXPECT_THAT(DeliveredSequences("police"), IsEmpty());
}

INSTANTIATE_TEST_SUITE_P(Stores, RetentionContract, SAFESHARE_STORES,
                         [](const auto& info) { return info.param; });

class RetentionFileTest : public SqliteStoreTest {
 protected:
  std::filesystem::path path() const { return dir_ / "safeshare.db"; }
  // The sealed bytes of sequence 1's body and of its view, as stored.
  std::vector<std::string> Sealed() {
    auto db = SqliteConnection::Open(path(), /*read_only=*/true);
    EXPECT_TRUE(db.ok());
    std::vector<std::string> out;
    for (const char* sql :
         {"SELECT body FROM notifications WHERE seq=1", "SELECT body FROM views WHERE seq=1"}) {
      auto row = (*db)->Prepare(sql);
      EXPECT_TRUE(row.ok() && *row->Step());
      out.push_back(row->Text(0));
    }
    return out;
  }
  // Whether the store file or its write-ahead log holds `bytes`.
  bool FilesHold(const std::string& bytes) const {
    for (const auto& file : {path(), std::filesystem::path(path().string() + "-wal")}) {
      if (FileBytes(file).find(bytes) != std::string::npos) return true;
    }
    return false;
  }
  absl::StatusOr<uint32_t> Delete(std::vector<ContentDeletion> deletions) {
    return DeleteFrom(*store_, std::move(deletions));
  }
};

// secure_delete zeroes what the deletion frees, and the writer checkpoints
// and truncates the write-ahead log once idle: the file is read as bytes.
TEST_F(RetentionFileTest, DeletedBytesAreGoneFromTheFileAndTheLog) {
  auto n = Note("cfs", "k1", {"police", "health"});
  n.body = std::make_shared<const std::string>(std::string(3000, 'b'));
  n.content_hash = audit::ContentHash(*n.body);
  auto view = std::make_shared<const std::string>(std::string(2000, 'v'));
  n.views = {View{view, audit::ContentHash(*view)}};
  n.recipients[1].view = 1;
  ASSERT_TRUE(Publish(std::move(n)).ok());
  ASSERT_TRUE(Publish(Note("cfs", "k2", {"police"})).ok());
  const auto sealed = Sealed();
  ASSERT_EQ(sealed.size(), 2u);
  ASSERT_GT(sealed[0].size(), 3000u);
  // A stretch from the middle of each sealed body: in the files now.
  const std::string body_bytes = sealed[0].substr(1000, 64), view_bytes = sealed[1].substr(900, 64);
  Reopen();  // a clean stop checkpoints: the bytes are in the main file
  ASSERT_TRUE(FilesHold(body_bytes));
  ASSERT_TRUE(FilesHold(view_bytes));

  ASSERT_EQ(Delete({{Sequence(1), false, "d"}}).value(), 1u);
  // Bounded: the writer checkpoints within about 100 ms of going idle.
  for (int i = 0; i < 100 && std::filesystem::file_size(path().string() + "-wal") > 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(std::filesystem::file_size(path().string() + "-wal"), 0u);
  EXPECT_FALSE(FilesHold(body_bytes));
  EXPECT_FALSE(FilesHold(view_bytes));
  EXPECT_THAT(DeliveredSequences("police"), ElementsAre(2u));  // the rest still served
}

TEST_F(RetentionFileTest, TheBodyCheckCountsDeletedContentApart) {
  ASSERT_TRUE(Publish(Note("cfs", "k1", {"police"})).ok());
  ASSERT_TRUE(Publish(Note("cfs", "k2", {"police"})).ok());
  ASSERT_EQ(Delete({{Sequence(1), false, "d"}}).value(), 1u);
  auto report = CheckStoreBodies(path(), *TestDataKeys());
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->ok());
  EXPECT_EQ(report->checked, 1);
  EXPECT_EQ(report->deleted, 1);
}

TEST_F(RetentionFileTest, AVersion11FileHoldsEveryNotificationAfterTheUpgrade) {
  ASSERT_TRUE(Publish(Note("cfs", "k1", {"police"})).ok());
  store_.reset();
  {
    auto db = SqliteConnection::Open(path(), /*read_only=*/false);
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE(
        (*db)
            ->Exec(std::string("BEGIN;") + kBackToVersion11Sql + " PRAGMA user_version=11; COMMIT")
            .ok());
  }
  Reopen();
  auto held = store_->ReadHeld(Sequence(0), {"strategy_minutes"}, 10);
  ASSERT_TRUE(held.ok()) << held.status();
  EXPECT_EQ(held->size(), 1u);
  auto db = SqliteConnection::Open(path(), /*read_only=*/true);
  ASSERT_TRUE(db.ok());
  EXPECT_EQ(*(*db)->QueryInt("PRAGMA user_version"), kSchemaVersion);
}

}  // namespace
}  // namespace safeshare::store
