// Unit tests of the action vocabulary (service/actions.h): names as the
// store and audit keep them, and what a RecordAction request must carry.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "broker/service/actions.h"

namespace safeshare::service {
namespace {

using ::testing::HasSubstr;

v1::RecordActionRequest Request(v1::ActionTaken action, const std::string& note = "") {
  v1::RecordActionRequest r;
  r.set_notification_id("0b1c2d3e-n");
  r.set_action(action);
  r.set_note(note);
  return r;
}

void ExpectRefused(const v1::RecordActionRequest& r, const std::string& field,
                   const std::string& says) {
  const auto status = CheckActionRequest(r);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << r.DebugString();
  EXPECT_THAT(status.message(), HasSubstr(field + ": "));
  EXPECT_THAT(status.message(), HasSubstr(says));
}

TEST(ActionsTest, EveryActionHasALowerCaseNameThatReadsBack) {
  EXPECT_EQ(ActionName(v1::ACTION_TAKEN_REFERRED), "referred");
  EXPECT_EQ(ActionName(v1::ACTION_TAKEN_NO_FURTHER_ACTION_AT_THIS_TIME),
            "no_further_action_at_this_time");
  const auto* values = v1::ActionTaken_descriptor();
  for (int i = 0; i < values->value_count(); ++i) {
    const auto action = static_cast<v1::ActionTaken>(values->value(i)->number());
    EXPECT_EQ(ActionFromName(ActionName(action)), action) << ActionName(action);
  }
  EXPECT_EQ(ActionFromName("shredded"), v1::ACTION_TAKEN_UNSPECIFIED);
}

TEST(ActionsTest, ARequestNamesItsNotificationAndWhatWasDone) {
  EXPECT_TRUE(CheckActionRequest(Request(v1::ACTION_TAKEN_RECORDED)).ok());
  EXPECT_TRUE(CheckActionRequest(Request(v1::ACTION_TAKEN_CONTACT_MADE, "home visit")).ok());
  auto no_id = Request(v1::ACTION_TAKEN_RECORDED);
  no_id.clear_notification_id();
  ExpectRefused(no_id, "notification_id", "1 to 64 characters");
  no_id.set_notification_id(std::string(65, 'n'));
  ExpectRefused(no_id, "notification_id", "1 to 64 characters");
  ExpectRefused(Request(v1::ACTION_TAKEN_UNSPECIFIED), "action",
                "ACTION_TAKEN_RECORDED, ACTION_TAKEN_DISCUSSION_ARRANGED");
  ExpectRefused(Request(static_cast<v1::ActionTaken>(99)), "action", "say what was done");
  auto long_key = Request(v1::ACTION_TAKEN_RECORDED);
  long_key.set_idempotency_key(std::string(129, 'k'));
  ExpectRefused(long_key, "idempotency_key", "at most 128");
}

TEST(ActionsTest, NoFurtherActionAndOtherNeedANoteAndNotesAreBounded) {
  ExpectRefused(Request(v1::ACTION_TAKEN_NO_FURTHER_ACTION_AT_THIS_TIME), "note",
                "why no action was taken");
  ExpectRefused(Request(v1::ACTION_TAKEN_OTHER, "   "), "note", "other needs a note");
  // A note reaches another agency's screen: no escape sequences or carriage returns.
  ExpectRefused(Request(v1::ACTION_TAKEN_OTHER, "red \033[31malert"), "note", "control characters");
  ExpectRefused(Request(v1::ACTION_TAKEN_OTHER, "over\rwritten"), "note", "control characters");
  EXPECT_TRUE(CheckActionRequest(Request(v1::ACTION_TAKEN_OTHER, "line one\n\tline two")).ok());
  EXPECT_TRUE(CheckActionRequest(Request(v1::ACTION_TAKEN_NO_FURTHER_ACTION_AT_THIS_TIME,
                                         "threshold not met; universal services in place"))
                  .ok());
  // 2000 characters, counted as characters: "é" is two bytes, one character.
  std::string note;
  for (int i = 0; i < 2000; ++i) note += "\xC3\xA9";
  EXPECT_TRUE(CheckActionRequest(Request(v1::ACTION_TAKEN_OTHER, note)).ok());
  ExpectRefused(Request(v1::ACTION_TAKEN_OTHER, note + "x"), "note", "at most 2000 characters");
}

}  // namespace
}  // namespace safeshare::service
