// Unit tests of FoldDeliveryState: a notification's audit entries, in log
// order, folded into each recipient's progress, for its publisher only.
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "broker/service/delivery_state.h"

namespace safeshare::service {
namespace {

using audit::Action;

constexpr char kId[] = "n-1";

audit::Entry Published(int64_t at) {
  audit::Entry e{.at_micros = at,
                 .actor = "police",
                 .action = Action::kPublished,
                 .notification_id = kId,
                 .case_ref = "CASE-1"};
  e.lines = {{.outcome = Action::kRouted,
              .agency = "cfs",
              .sequence = 7,
              .agreement = "ISA-01 v2",
              .rule = "R1"},
             {.outcome = Action::kUrgentDisclosure, .agency = "education", .sequence = 7},
             {.outcome = Action::kWithheld, .agency = "health", .sequence = 7}};
  return e;
}

// A batch of deliveries or acknowledgements to `agency`'s subscription
// `name`, naming notification `id` among others.
audit::Entry Batch(Action action, int64_t at, const std::string& agency, const std::string& name,
                   const std::vector<std::string>& ids) {
  audit::Entry e{.at_micros = at,
                 .actor = agency,
                 .action = action,
                 .recipient = agency,
                 .subscription = name};
  for (const auto& id : ids) {
    e.lines.push_back({.outcome = action, .agency = agency, .notification_id = id});
  }
  return e;
}

TEST(DeliveryStateTest, EachRecipientMovesFromRoutedToDeliveredToAcknowledged) {
  const std::vector<audit::Entry> entries = {
      Published(100),
      Batch(Action::kDelivered, 200, "cfs", "inbox", {"n-0", kId}),
      Batch(Action::kDelivered, 300, "cfs", "inbox", {kId}),  // redelivered
      Batch(Action::kAcknowledged, 400, "cfs", "inbox", {kId, "n-2"}),
      Batch(Action::kAcknowledged, 500, "cfs", "other", {kId}),  // a second subscription
  };
  auto state = FoldDeliveryState(NotificationId(kId), AgencyId("police"), entries);
  ASSERT_TRUE(state.ok()) << state.status();
  EXPECT_EQ(state->sequence, Sequence(7));
  EXPECT_EQ(state->case_ref, CaseRef("CASE-1"));
  EXPECT_EQ(state->published_at_micros, 100);
  ASSERT_EQ(state->recipients.size(), 2u);  // health was withheld: not a recipient

  const auto& cfs = state->recipients[0];
  EXPECT_EQ(cfs.agency, AgencyId("cfs"));
  EXPECT_EQ(cfs.stage, DeliveryStage::kAcknowledged);
  EXPECT_EQ(cfs.agreement, "ISA-01 v2");
  EXPECT_EQ(cfs.rule, "R1");
  EXPECT_FALSE(cfs.urgent);
  EXPECT_EQ(cfs.routed_at_micros, 100);
  EXPECT_EQ(cfs.first_delivered_at_micros, 200);
  EXPECT_EQ(cfs.last_delivered_at_micros, 300);
  EXPECT_EQ(cfs.deliveries, 2u);
  EXPECT_EQ(cfs.acknowledged_at_micros, 400);  // the first acknowledgement
  EXPECT_EQ(cfs.acknowledged_by, "inbox");

  const auto& education = state->recipients[1];
  EXPECT_EQ(education.stage, DeliveryStage::kRouted);
  EXPECT_TRUE(education.urgent);
  EXPECT_EQ(education.deliveries, 0u);
  EXPECT_EQ(education.first_delivered_at_micros, 0);
  EXPECT_EQ(education.acknowledged_at_micros, 0);
}

TEST(DeliveryStateTest, ADeliveredRecipientStaysDeliveredUntilAcknowledged) {
  auto state = FoldDeliveryState(
      NotificationId(kId), AgencyId("police"),
      {Published(100), Batch(Action::kDelivered, 200, "education", "all", {kId})});
  ASSERT_TRUE(state.ok());
  EXPECT_EQ(state->recipients[0].stage, DeliveryStage::kRouted);
  EXPECT_EQ(state->recipients[1].stage, DeliveryStage::kDelivered);
  EXPECT_EQ(state->recipients[1].deliveries, 1u);
}

TEST(DeliveryStateTest, ARecipientThatRecordsWhatItDidIsActioned) {
  auto state =
      FoldDeliveryState(NotificationId(kId), AgencyId("police"),
                        {Published(100), Batch(Action::kDelivered, 200, "cfs", "inbox", {kId}),
                         Batch(Action::kAcknowledged, 300, "cfs", "inbox", {kId}),
                         Batch(Action::kActioned, 400, "cfs", "", {kId}),
                         Batch(Action::kActioned, 450, "cfs", "", {kId}),
                         // a late acknowledgement by another subscription
                         Batch(Action::kAcknowledged, 500, "cfs", "other", {kId}),
                         Batch(Action::kActioned, 600, "education", "", {"n-0"})});
  ASSERT_TRUE(state.ok()) << state.status();
  const auto& cfs = state->recipients[0];
  EXPECT_EQ(cfs.stage, DeliveryStage::kActioned);
  EXPECT_EQ(cfs.actioned_at_micros, 400);  // the first
  EXPECT_EQ(cfs.acknowledged_at_micros, 300);
  EXPECT_EQ(state->recipients[1].stage, DeliveryStage::kRouted);  // another notification's

  // The notes come from the store, attached to their recipient.
  AttachActions(*state, {{AgencyId("cfs"), "referred", 400, "to CAMHS", 0},
                         {AgencyId("cfs"), "plan_updated", 450, "", 0},
                         {AgencyId("probation"), "recorded", 460, "", 0}});  // not a recipient
  ASSERT_EQ(state->recipients[0].actions.size(), 2u);
  EXPECT_EQ(state->recipients[0].actions[0].action, "referred");
  EXPECT_EQ(state->recipients[0].actions[0].note, "to CAMHS");
  EXPECT_EQ(state->recipients[0].actions[1].action, "plan_updated");
  EXPECT_TRUE(state->recipients[1].actions.empty());
}

TEST(DeliveryStateTest, ContentDeletedUnderRetentionIsOnTheState) {
  audit::Entry deleted{.at_micros = 900, .actor = "broker", .action = Action::kContentDeleted};
  deleted.lines = {{.outcome = Action::kContentDeleted, .notification_id = "n-0"},
                   {.outcome = Action::kContentDeleted, .notification_id = kId}};
  auto state = FoldDeliveryState(
      NotificationId(kId), AgencyId("police"),
      {Published(100), Batch(Action::kDelivered, 200, "cfs", "inbox", {kId}), deleted});
  ASSERT_TRUE(state.ok());
  EXPECT_EQ(state->content_deleted_at_micros, 900);
  EXPECT_EQ(state->recipients[0].stage, DeliveryStage::kDelivered);  // unchanged
  auto held = FoldDeliveryState(NotificationId(kId), AgencyId("police"), {Published(100)});
  ASSERT_TRUE(held.ok());
  EXPECT_EQ(held->content_deleted_at_micros, 0);
}

TEST(DeliveryStateTest, AnotherAgencysOrAnUnknownNotificationIsNotFoundAlike) {
  auto other = FoldDeliveryState(NotificationId(kId), AgencyId("cfs"), {Published(100)});
  auto unknown = FoldDeliveryState(NotificationId(kId), AgencyId("police"), {});
  ASSERT_EQ(other.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(other.status(), unknown.status());  // nothing says which it is
  EXPECT_THAT(other.status().message(), ::testing::HasSubstr("notification_id"));
}

// Entries written before lines existed: one `routed` entry per recipient,
// and deliveries and acknowledgements naming the notification on the entry.
TEST(DeliveryStateTest, EntriesWithoutLinesAreReadAsOneLineEach) {
  audit::Entry published{
      .at_micros = 100, .actor = "police", .action = Action::kPublished, .notification_id = kId};
  audit::Entry routed{.at_micros = 100,
                      .actor = "police",
                      .action = Action::kRouted,
                      .notification_id = kId,
                      .recipient = "cfs",
                      .rule = "R1"};
  audit::Entry delivered{.at_micros = 200,
                         .actor = "cfs",
                         .action = Action::kDelivered,
                         .notification_id = kId,
                         .recipient = "cfs",
                         .subscription = "feed"};
  audit::Entry acked = delivered;
  acked.at_micros = 300;
  acked.action = Action::kAcknowledged;
  auto state = FoldDeliveryState(NotificationId(kId), AgencyId("police"),
                                 {published, routed, delivered, acked});
  ASSERT_TRUE(state.ok()) << state.status();
  ASSERT_EQ(state->recipients.size(), 1u);
  EXPECT_EQ(state->recipients[0].rule, "R1");
  EXPECT_EQ(state->recipients[0].stage, DeliveryStage::kAcknowledged);
  EXPECT_EQ(state->recipients[0].acknowledged_by, "feed");
}

}  // namespace
}  // namespace safeshare::service
