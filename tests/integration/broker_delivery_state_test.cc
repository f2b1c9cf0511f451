// A publisher's view of what became of its notifications, against the real
// broker process: GetDeliveryState through routed, delivered and
// acknowledged; ListPendingDeliveries until the recipient acknowledges;
// another agency's notification not found; and `safeshare status` and
// `safeshare pending`. Then actioned: the recipient records what it did
// (`safeshare action`), the publisher sees it with the note, the audit log
// has the action and never the note.
#include <fstream>

#include "tests/integration/scenario.h"

namespace safeshare::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class DeliveryStateTest : public ::testing::Test {
 protected:
  const v1::RecipientDelivery* Recipient(const v1::DeliveryState& state,
                                         const std::string& agency) {
    for (const auto& r : state.recipients()) {
      if (r.agency() == agency) return &r;
    }
    ADD_FAILURE() << agency << " is not a recipient";
    return nullptr;
  }
  v1::DeliveryState StateOf(const std::string& id) {
    auto state = police_.GetDeliveryState(id);
    EXPECT_TRUE(state.ok()) << state.status();
    return state.ok() ? *state : v1::DeliveryState{};
  }
  // (sequence, recipient) of each of police's pending deliveries.
  std::vector<std::string> Pending(const std::string& recipient = "") {
    v1::ListPendingDeliveriesRequest request;
    request.set_recipient(recipient);
    auto page = police_.ListPendingDeliveries(request);
    EXPECT_TRUE(page.ok()) << page.status();
    std::vector<std::string> out;
    for (const auto& d : page.ok() ? page->deliveries() : decltype(page->deliveries()){}) {
      out.push_back(std::to_string(d.sequence()) + " " + d.recipient());
    }
    return out;
  }
  CommandResult Cli(const std::string& args) { return RunCli(broker_, "police", args); }

  BrokerProcess broker_;
  client::Client police_ = Connect(broker_, "police");
  client::Client cfs_ = Connect(broker_, "cfs");
};

TEST_F(DeliveryStateTest, APublisherSeesEachRecipientRoutedDeliveredAndAcknowledged) {
  auto stored = police_.Publish(Example("investigation_outcome", "state-1"));
  ASSERT_TRUE(stored.ok()) << stored.status();
  const std::string id = stored->notification_id();
  const std::string cfs_row = std::to_string(stored->sequence()) + " cfs";

  auto state = StateOf(id);
  EXPECT_EQ(state.notification_id(), id);
  EXPECT_EQ(state.sequence(), stored->sequence());
  EXPECT_TRUE(state.has_published_at());
  ASSERT_EQ(state.recipients_size(), stored->routed_to_size());
  const auto* cfs = Recipient(state, "cfs");
  ASSERT_NE(cfs, nullptr);
  EXPECT_EQ(cfs->stage(), v1::DELIVERY_STAGE_ROUTED);
  EXPECT_FALSE(cfs->rule().empty());
  EXPECT_EQ(cfs->deliveries(), 0u);
  EXPECT_THAT(Pending(), ::testing::Contains(cfs_row));

  // Handed to a stream of cfs, not acknowledged.
  ASSERT_EQ(Receive(cfs_, "inbox", 1, /*acknowledge=*/false).size(), 1u);
  state = StateOf(id);
  cfs = Recipient(state, "cfs");
  ASSERT_NE(cfs, nullptr);
  EXPECT_EQ(cfs->stage(), v1::DELIVERY_STAGE_DELIVERED);
  EXPECT_EQ(cfs->deliveries(), 1u);
  EXPECT_TRUE(cfs->has_first_delivered_at());
  EXPECT_FALSE(cfs->has_acknowledged_at());
  EXPECT_THAT(Pending("cfs"), ::testing::ElementsAre(cfs_row));

  // Delivered again on reconnect, then acknowledged.
  ASSERT_EQ(Receive(cfs_, "inbox", 1, /*acknowledge=*/true).size(), 1u);
  state = StateOf(id);
  cfs = Recipient(state, "cfs");
  ASSERT_NE(cfs, nullptr);
  EXPECT_EQ(cfs->stage(), v1::DELIVERY_STAGE_ACKNOWLEDGED);
  EXPECT_EQ(cfs->deliveries(), 2u);
  EXPECT_EQ(cfs->acknowledged_by(), "inbox");
  EXPECT_GE(cfs->acknowledged_at().seconds(), cfs->first_delivered_at().seconds());
  EXPECT_THAT(Pending(), Not(::testing::Contains(cfs_row)));
  EXPECT_THAT(Pending("cfs"), ::testing::IsEmpty());

  const auto table = Cli("status " + id);
  EXPECT_EQ(table.exit_code, 0) << table.output;
  EXPECT_THAT(table.output, HasSubstr("notification " + id));
  EXPECT_THAT(table.output, ::testing::ContainsRegex("cfs +acknowledged +2 .* inbox"));
  const auto json = Cli("status --json " + id);
  EXPECT_EQ(json.exit_code, 0) << json.output;
  EXPECT_THAT(json.output, HasSubstr("\"stage\":\"DELIVERY_STAGE_ACKNOWLEDGED\""));
  const auto pending = Cli("pending --recipient cfs");
  EXPECT_EQ(pending.exit_code, 0) << pending.output;
  EXPECT_THAT(pending.output, HasSubstr("SEQUENCE"));
  EXPECT_THAT(pending.output, Not(HasSubstr(id)));
}

TEST_F(DeliveryStateTest, AnotherAgencysNotificationIsNotFoundAndABadIdIsNamed) {
  auto stored = police_.Publish(Example("investigation_outcome", "state-2"));
  ASSERT_TRUE(stored.ok()) << stored.status();
  auto theirs = cfs_.GetDeliveryState(stored->notification_id());
  EXPECT_EQ(theirs.status().code(), absl::StatusCode::kNotFound);
  auto unknown = police_.GetDeliveryState("no-such-notification");
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kNotFound);
  // The same answer either way: nothing says whether it exists.
  EXPECT_THAT(theirs.status().message(), HasSubstr("you published no notification"));
  EXPECT_THAT(unknown.status().message(), HasSubstr("you published no notification"));
  auto empty = police_.GetDeliveryState("");
  EXPECT_EQ(empty.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(empty.status().message(), HasSubstr("notification_id"));
  v1::ListPendingDeliveriesRequest bad;
  bad.set_case_ref("not a case!");
  EXPECT_EQ(police_.ListPendingDeliveries(bad).status().code(), absl::StatusCode::kInvalidArgument);

  const auto cli = Cli("status no-such-notification");
  EXPECT_EQ(cli.exit_code, 1) << cli.output;
  EXPECT_THAT(cli.output, HasSubstr("NOT_FOUND"));
}

TEST_F(DeliveryStateTest, ARecipientRecordsWhatItDidAndOnlyThePublisherReadsTheNote) {
  auto stored = police_.Publish(Example("investigation_outcome", "state-3"));
  ASSERT_TRUE(stored.ok()) << stored.status();
  const std::string id = stored->notification_id();
  constexpr char kNote[] = "Strategy meeting reconvened for Thursday; CP medical arranged";
  v1::RecordActionRequest action;
  action.set_notification_id(id);
  action.set_action(v1::ACTION_TAKEN_DISCUSSION_ARRANGED);
  action.set_note(kNote);
  action.set_idempotency_key("act-1");

  // Delivered but not acknowledged: refused, naming what to do.
  ASSERT_EQ(Receive(cfs_, "inbox", 1, /*acknowledge=*/false).size(), 1u);
  auto early = cfs_.RecordAction(action);
  EXPECT_EQ(early.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(early.status().message(), HasSubstr("acknowledge sequence"));
  ASSERT_EQ(Receive(cfs_, "inbox", 1, /*acknowledge=*/true).size(), 1u);

  auto recorded = cfs_.RecordAction(action);
  ASSERT_TRUE(recorded.ok()) << recorded.status();
  EXPECT_FALSE(recorded->duplicate());
  EXPECT_EQ(recorded->action(), v1::ACTION_TAKEN_DISCUSSION_ARRANGED);
  auto again = cfs_.RecordAction(action);  // a retry: recorded once
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(again->duplicate());
  // Bad input is named; an agency it was not delivered to is NOT_FOUND.
  action.clear_idempotency_key();
  action.set_action(v1::ACTION_TAKEN_NO_FURTHER_ACTION_AT_THIS_TIME);
  action.clear_note();
  auto no_reason = cfs_.RecordAction(action);
  EXPECT_EQ(no_reason.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(no_reason.status().message(), HasSubstr("note: "));
  action.set_note("x");
  std::string outsider = "health";
  for (const auto& agency : stored->routed_to()) {
    if (agency == outsider) outsider = "education";
  }
  auto not_theirs = Connect(broker_, outsider).RecordAction(action);
  EXPECT_EQ(not_theirs.status().code(), absl::StatusCode::kNotFound) << not_theirs.status();

  // The CLI records a second action, its note from a file.
  {
    std::ofstream(broker_.dir() + "/note.txt") << "Added to the child's chronology\nCP plan next\n";
  }
  const auto cli =
      RunCli(broker_, "cfs",
             "action " + id + " --did RECORDED --note-file " + broker_.dir() + "/note.txt");
  EXPECT_EQ(cli.exit_code, 0) << cli.output;
  EXPECT_THAT(cli.output, HasSubstr("ACTION_TAKEN_RECORDED"));
  action.set_note("red \033[31m alert");  // would recolour the publisher's terminal
  auto escape = cfs_.RecordAction(action);
  EXPECT_EQ(escape.status().code(), absl::StatusCode::kInvalidArgument);
  const auto bad = RunCli(broker_, "cfs", "action " + id + " --did shredded");
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_THAT(bad.output, HasSubstr("--did"));

  // The publisher sees the stage, both actions and the notes.
  const auto state = StateOf(id);
  const auto* cfs = Recipient(state, "cfs");
  ASSERT_NE(cfs, nullptr);
  EXPECT_EQ(cfs->stage(), v1::DELIVERY_STAGE_ACTIONED);
  EXPECT_TRUE(cfs->has_actioned_at());
  EXPECT_TRUE(cfs->has_acknowledged_at());
  ASSERT_EQ(cfs->actions_size(), 2);
  EXPECT_EQ(cfs->actions(0).action(), v1::ACTION_TAKEN_DISCUSSION_ARRANGED);
  EXPECT_EQ(cfs->actions(0).note(), kNote);
  EXPECT_EQ(cfs->actions(1).action(), v1::ACTION_TAKEN_RECORDED);
  EXPECT_EQ(cfs->actions(1).note(), "Added to the child's chronology\nCP plan next");  // trimmed
  const auto table = Cli("status " + id);
  EXPECT_EQ(table.exit_code, 0) << table.output;
  EXPECT_THAT(table.output, ::testing::ContainsRegex("cfs +actioned"));
  EXPECT_THAT(table.output, HasSubstr("discussion_arranged: " + std::string(kNote)));
  EXPECT_THAT(table.output,
              HasSubstr("recorded: Added to the child's chronology / CP plan next\n"));

  // The IG lead's audit log: two `actioned` entries, no note.
  auto ig = Connect(broker_, "ig");
  v1::QueryAuditRequest query;
  query.mutable_filter()->set_notification_id(id);
  query.mutable_filter()->add_actions("actioned");
  auto audited = ig.QueryAudit(query);
  ASSERT_TRUE(audited.ok()) << audited.status();
  ASSERT_EQ(audited->entries_size(), 2);
  EXPECT_EQ(audited->entries(0).actor(), "cfs");
  EXPECT_EQ(audited->entries(0).detail(), "discussion_arranged; note recorded");
  EXPECT_THAT(audited->DebugString(), Not(HasSubstr("CP medical")));
  EXPECT_THAT(audited->DebugString(), Not(HasSubstr("chronology")));
}

}  // namespace
}  // namespace safeshare::testing
