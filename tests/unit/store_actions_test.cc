// Store::RecordAction and ReadActions, the same on every store: what a
// recipient records it did about a delivery, the audit entry without the
// note, idempotency, the refusals, and retention deleting the notes.
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "broker/store/schema_sql.h"
#include "tests/unit/store_fixture.h"

namespace safeshare::store {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

class ActionsContract : public StoreContract {
 protected:
  // n-? from cfs to police and health, police acknowledges it.
  NotificationId PublishAcknowledged() {
    auto published = Publish(Note("cfs", "k1", {"police", "health"}));
    EXPECT_TRUE(published.ok()) << published.status();
    EXPECT_TRUE(Open("police", "inbox").ok());
    EXPECT_TRUE(Ack("police", "inbox", published->sequence.value()).ok());
    return published.ok() ? published->id : NotificationId("");
  }
  absl::StatusOr<ActionResult> Record(const NotificationId& id, const std::string& agency,
                                      const std::string& action, const std::string& note = "",
                                      const std::string& key = "") {
    Completion<ActionResult> done;
    store_->RecordAction(NewAction{AgencyId(agency), id, action, note, key}, done.Callback());
    return done.Get();
  }
  std::vector<StoredAction> Actions(const NotificationId& id) {
    auto read = store_->ReadActions(id);
    EXPECT_TRUE(read.ok()) << read.status();
    return read.ok() ? *read : std::vector<StoredAction>{};
  }
};

TEST_P(ActionsContract, AnActionIsStoredWithItsNoteAndAuditedWithoutIt) {
  const auto id = PublishAcknowledged();
  clock_.Advance(std::chrono::minutes(3));
  const std::string note = "Child seen at school; referral to CAMHS made";
  auto recorded = Record(id, "police", "referred", note);
  ASSERT_TRUE(recorded.ok()) << recorded.status();
  EXPECT_EQ(recorded->action, "referred");
  EXPECT_EQ(recorded->recorded_at_micros, clock_.WallMicros());
  EXPECT_FALSE(recorded->duplicate);
  clock_.Advance(std::chrono::minutes(1));
  ASSERT_TRUE(Record(id, "police", "plan_updated").ok());

  const auto actions = Actions(id);
  ASSERT_EQ(actions.size(), 2u);
  EXPECT_EQ(actions[0].recipient, AgencyId("police"));
  EXPECT_EQ(actions[0].action, "referred");
  EXPECT_EQ(actions[0].note, note);
  EXPECT_EQ(actions[0].note_deleted_at_micros, 0);
  EXPECT_EQ(actions[1].action, "plan_updated");
  EXPECT_EQ(actions[1].note, "");
  EXPECT_EQ(actions[1].recorded_at_micros, clock_.WallMicros());

  const auto audited = AuditOf(audit::Action::kActioned);
  ASSERT_EQ(audited.size(), 2u);
  const auto& e = audited[0];
  EXPECT_EQ(e.actor, "police");
  EXPECT_EQ(e.recipient, "police");
  EXPECT_EQ(e.notification_id, id.value());
  EXPECT_EQ(e.case_ref, "CASE-1");
  EXPECT_EQ(e.rule, "ISA-03");
  EXPECT_EQ(e.detail, "referred; note recorded");
  ASSERT_EQ(e.lines.size(), 1u);
  EXPECT_EQ(e.lines[0].outcome, audit::Action::kActioned);
  EXPECT_EQ(e.lines[0].agency, "police");
  EXPECT_EQ(e.lines[0].sequence, 1);
  EXPECT_EQ(audited[1].detail, "plan_updated");
  for (const auto& entry : Audit()) {  // the note's words are nowhere in the log
    EXPECT_THAT(entry.detail, Not(HasSubstr("CAMHS")));
    for (const auto& line : entry.lines) EXPECT_THAT(line.detail, Not(HasSubstr("CAMHS")));
  }
}

TEST_P(ActionsContract, TheSameKeyAgainAnswersTheFirstActionAndWritesNothing) {
  const auto id = PublishAcknowledged();
  auto first = Record(id, "police", "contact_made", "visited", "key-1");
  ASSERT_TRUE(first.ok()) << first.status();
  const size_t entries = Audit().size();
  clock_.Advance(std::chrono::minutes(1));
  auto again = Record(id, "police", "other", "something else", "key-1");
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(again->duplicate);
  EXPECT_EQ(again->action, "contact_made");
  EXPECT_EQ(again->recorded_at_micros, first->recorded_at_micros);
  EXPECT_EQ(Audit().size(), entries);
  EXPECT_EQ(Actions(id).size(), 1u);
  // Another key, or none, records anew.
  ASSERT_FALSE(Record(id, "police", "contact_made", "visited", "key-2")->duplicate);
  ASSERT_FALSE(Record(id, "police", "contact_made", "visited")->duplicate);
  EXPECT_EQ(Actions(id).size(), 3u);
}

TEST_P(ActionsContract, OnlyARecipientThatAcknowledgedItMayRecordAnAction) {
  const auto id = PublishAcknowledged();
  const size_t entries = Audit().size();
  // health received it but has not acknowledged it.
  auto early = Record(id, "health", "recorded");
  EXPECT_EQ(early.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(early.status().message(), HasSubstr("acknowledge sequence 1"));
  // cfs published it, probation never received it; an unknown id alike.
  for (const auto* agency : {"cfs", "probation"}) {
    auto refused = Record(id, agency, "recorded");
    EXPECT_EQ(refused.status().code(), absl::StatusCode::kNotFound) << agency;
  }
  auto unknown = Record(NotificationId("no-such-id"), "police", "recorded");
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(unknown.status().message(), HasSubstr("no notification 'no-such-id'"));
  EXPECT_EQ(Audit().size(), entries);
  EXPECT_THAT(Actions(id), IsEmpty());
}

TEST_P(ActionsContract, RetentionDeletesTheNotesAndKeepsTheActions) {
  const auto id = PublishAcknowledged();
  ASSERT_TRUE(Record(id, "police", "assessment_updated", "risk assessment reviewed").ok());
  ASSERT_TRUE(Record(id, "police", "recorded").ok());
  clock_.Advance(std::chrono::hours(1));
  Completion<uint32_t> deleted;
  store_->DeleteContent({{Sequence(1), false, "kept 30d"}}, deleted.Callback());
  ASSERT_EQ(deleted.Get().value(), 1u);

  const auto actions = Actions(id);
  ASSERT_EQ(actions.size(), 2u);
  EXPECT_EQ(actions[0].action, "assessment_updated");
  EXPECT_EQ(actions[0].note, "");
  EXPECT_EQ(actions[0].note_deleted_at_micros, clock_.WallMicros());
  EXPECT_EQ(actions[1].note_deleted_at_micros, 0);  // it had no note
  // An action may still be recorded on it, a note no longer.
  auto with_note = Record(id, "police", "other", "late note");
  EXPECT_EQ(with_note.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(with_note.status().message(), HasSubstr("without a note"));
  EXPECT_TRUE(Record(id, "police", "plan_updated").ok());
}

INSTANTIATE_TEST_SUITE_P(Stores, ActionsContract, SAFESHARE_STORES,
                         [](const auto& info) { return info.param; });

// The note is sealed in the file, and a v12 file gains the table.
class ActionsFileTest : public SqliteStoreTest {};

TEST_F(ActionsFileTest, TheNoteIsSealedInTheFile) {
  ASSERT_TRUE(Publish(Note("cfs", "k1", {"police"})).ok());
  ASSERT_TRUE(Open("police", "inbox").ok());
  ASSERT_TRUE(Ack("police", "inbox", 1).ok());
  const std::string note = std::string(40, 'Q') + " distinctive note words";
  auto routed = store_->ReadRouted(Sequence(0), 0, 1, false);
  ASSERT_TRUE(routed.ok());
  Completion<ActionResult> mine;
  store_->RecordAction(NewAction{AgencyId("police"), routed->front().id, "other", note, ""},
                       mine.Callback());
  ASSERT_TRUE(mine.Get().ok());
  Reopen();  // a clean stop checkpoints the log into the file
  EXPECT_EQ(FileBytes(dir_ / "safeshare.db").find("distinctive note words"), std::string::npos);
  auto actions = store_->ReadActions(routed->front().id);
  ASSERT_TRUE(actions.ok()) << actions.status();
  ASSERT_EQ(actions->size(), 1u);
  EXPECT_EQ(actions->front().note, note);
}

TEST_F(ActionsFileTest, AVersion12FileGainsTheActionsTable) {
  ASSERT_TRUE(Publish(Note("cfs", "k1", {"police"})).ok());
  store_.reset();
  {
    auto db = SqliteConnection::Open(dir_ / "safeshare.db", /*read_only=*/false);
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE(
        (*db)
            ->Exec(std::string("BEGIN;") + kBackToVersion12Sql + " PRAGMA user_version=12; COMMIT")
            .ok());
  }
  Reopen();
  auto routed = store_->ReadRouted(Sequence(0), 0, 1, false);
  ASSERT_TRUE(routed.ok() && routed->size() == 1u);
  ASSERT_TRUE(Open("police", "inbox").ok());
  ASSERT_TRUE(Ack("police", "inbox", 1).ok());
  Completion<ActionResult> done;
  store_->RecordAction(NewAction{AgencyId("police"), routed->front().id, "recorded", "", ""},
                       done.Callback());
  EXPECT_TRUE(done.Get().ok());
  auto db = SqliteConnection::Open(dir_ / "safeshare.db", /*read_only=*/true);
  ASSERT_TRUE(db.ok());
  EXPECT_EQ(*(*db)->QueryInt("PRAGMA user_version"), kSchemaVersion);
}

}  // namespace
}  // namespace safeshare::store
