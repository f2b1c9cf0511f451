// Retention on the real broker, with periods of seconds: an acknowledged
// notification's content goes after the acknowledged period, an unread one
// after the longer unacknowledged period; neither is delivered again, their
// metadata and audit stay, each deletion is audited and found by the IG
// lead's query, the audit chain verifies, and the sealed bytes are gone
// from the store file and its write-ahead log.
#include <fstream>
#include <sstream>

#include "tests/integration/raw_stream.h"

namespace safeshare::testing {
namespace {

using ::testing::HasSubstr;

// The repository's agreements with every period cut to seconds.
std::string ShortRetentionAgreements() {
  return EditedAgreements("acknowledged: 30d, unacknowledged: 366d",
                          "acknowledged: 2s, unacknowledged: 6s");
}

// The sealed body of the notification at `seq`, as the store file holds it.
std::string SealedBody(const BrokerProcess& broker, int seq) {
  sqlite3* db = nullptr;
  sqlite3_open_v2(broker.store_path().c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
  sqlite3_stmt* stmt = nullptr;
  std::string body;
  const std::string sql = "SELECT body FROM notifications WHERE seq=" + std::to_string(seq);
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK &&
      sqlite3_step(stmt) == SQLITE_ROW) {
    body.assign(static_cast<const char*>(sqlite3_column_blob(stmt, 0)),
                static_cast<size_t>(sqlite3_column_bytes(stmt, 0)));
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return body;
}

bool StoreFilesHold(const BrokerProcess& broker, const std::string& bytes) {
  for (const auto& file : {broker.store_path(), broker.store_path() + "-wal"}) {
    std::ifstream in(file, std::ios::binary);
    std::stringstream content;
    content << in.rdbuf();
    if (content.str().find(bytes) != std::string::npos) return true;
  }
  return false;
}

int64_t Deleted(const BrokerProcess& broker) {
  return QueryStore(broker, "SELECT count(*) FROM notifications WHERE content_deleted_at<>0");
}

TEST(RetentionTest, ContentGoesWhenItsPeriodEndsAndTheRecordStays) {
  BrokerProcess broker(BrokerOptions{
      .config_edits = {{"agreements: {AGREEMENTS}", "agreements: " + ShortRetentionAgreements()},
                       {"sweep_every: 1h", "sweep_every: 1s"}}});
  auto police = Connect(broker, "police");
  auto cfs = Connect(broker, "cfs");
  auto read = police.Publish(Example("investigation_outcome", "ret-read"));
  auto unread = police.Publish(Example("abe_interview_record", "ret-unread"));
  ASSERT_TRUE(read.ok() && unread.ok());
  const std::string read_bytes = SealedBody(broker, 1).substr(40, 48);
  ASSERT_EQ(read_bytes.size(), 48u);
  // Children's social care reads and acknowledges the first only.
  const auto got = Receive(cfs, "inbox", 1);
  ASSERT_EQ(got.size(), 1u);
  ASSERT_EQ(got[0].sequence(), 1u);

  // 2 s after the acknowledgement the first goes; the second, unread, waits 6 s.
  ASSERT_TRUE(Eventually([&] { return Deleted(broker) == 1; }, std::chrono::seconds(20)));
  EXPECT_EQ(QueryStore(broker, "SELECT content_deleted_at<>0 FROM notifications WHERE seq=1"), 1);
  ASSERT_TRUE(Eventually([&] { return Deleted(broker) == 2; }, std::chrono::seconds(20)));

  // Gone from the file and the log once the writer checkpoints (idle).
  EXPECT_TRUE(
      Eventually([&] { return !StoreFilesHold(broker, read_bytes); }, std::chrono::seconds(10)));
  // The metadata and the unacknowledged delivery stay on record.
  EXPECT_EQ(QueryStore(broker, "SELECT count(*) FROM notifications"), 2);
  EXPECT_EQ(QueryStore(broker, "SELECT count(*) FROM deliveries WHERE seq=2 AND acked_at=0"), 1);
  // A subscription from the beginning gets only what is still held.
  ASSERT_TRUE(police.Publish(Example("investigation_outcome", "ret-new")).ok());
  const auto fresh = Receive(cfs, "from-the-start", 1);
  ASSERT_EQ(fresh.size(), 1u);
  EXPECT_EQ(fresh[0].sequence(), 3u);
  // Its acknowledgement through 3 settles 3 only: nobody read 2, and the
  // publisher's list of what is pending says its content is gone.
  EXPECT_EQ(QueryStore(broker, "SELECT count(*) FROM deliveries WHERE seq=2 AND acked_at=0"), 1);
  const auto pending = RunCli(broker, "police", "pending");
  EXPECT_EQ(pending.exit_code, 0) << pending.output;
  EXPECT_THAT(pending.output,
              HasSubstr(unread->notification_id() + " (content deleted: retention)"));
  const auto status = RunCli(broker, "police", "status " + unread->notification_id());
  EXPECT_EQ(status.exit_code, 0) << status.output;
  EXPECT_THAT(status.output, HasSubstr("content deleted under retention "));

  // The IG lead finds each deletion, with why, in the audit log.
  const auto query = RunCli(broker, "ig", "audit query --action content_deleted --json");
  EXPECT_EQ(query.exit_code, 0) << query.output;
  EXPECT_THAT(query.output, HasSubstr(read->notification_id()));
  EXPECT_THAT(query.output, HasSubstr(unread->notification_id()));
  EXPECT_THAT(query.output, HasSubstr("acknowledged by every recipient, the last on "));
  EXPECT_THAT(query.output, HasSubstr("kept 2s under ISA-PCI-01 v3"));
  EXPECT_THAT(query.output, HasSubstr("not acknowledged by cfs; stored on "));
  EXPECT_THAT(query.output, HasSubstr("kept 6s unacknowledged under ISA-PCI-01 v3"));
  // The table, too, says why each was deleted.
  const auto table = RunCli(broker, "ig", "audit query --action content_deleted");
  EXPECT_EQ(table.exit_code, 0) << table.output;
  EXPECT_THAT(table.output, HasSubstr("content_deleted: " + unread->notification_id() +
                                      " (not acknowledged by cfs; stored on "));
  ASSERT_EQ(broker.Terminate(), 0);
  const auto audit = RunBrokerCommand(broker, "audit");
  EXPECT_EQ(audit.exit_code, 0) << audit.output;
  EXPECT_THAT(audit.output, HasSubstr("audit chain intact"));
  EXPECT_THAT(audit.output, ::testing::ContainsRegex(
                                "notification bodies: [01] verified; content of [23] notifications "
                                "deleted under retention"));
}

}  // namespace
}  // namespace safeshare::testing
