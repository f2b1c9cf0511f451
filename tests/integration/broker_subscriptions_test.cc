// Subscription management against the real broker process: start positions
// (beginning, now, after a sequence), type and case filters, the listing,
// reset ending an open stream ABORTED, delete, a partnership whose agencies
// must create subscriptions first, their audit, and `safeshare subscriptions`.
#include <thread>

#include "tests/integration/audit_checks.h"
#include "tests/integration/scenario.h"

namespace safeshare::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

class SubscriptionsTest : public ::testing::Test {
 protected:
  // Publishes the example `type` as police on `case_ref` (the example's when
  // empty) and returns its sequence; cfs receives both example types used.
  uint64_t PublishAs(const std::string& type, const std::string& case_ref = "") {
    auto n = Example(type, "sub-" + std::to_string(++published_));
    if (!case_ref.empty()) n.set_case_ref(case_ref);
    auto stored = police_.Publish(n);
    EXPECT_TRUE(stored.ok()) << stored.status();
    if (!stored.ok()) return 0;
    EXPECT_THAT(stored->routed_to(), ::testing::Contains("cfs"));
    return stored->sequence();
  }
  v1::SubscriptionInfo Create(const std::string& name, v1::StartFrom start, uint64_t after = 0,
                              const std::vector<std::string>& types = {},
                              const std::vector<std::string>& cases = {}) {
    v1::CreateSubscriptionRequest request;
    request.set_subscription(name);
    request.set_start(start);
    request.set_after_sequence(after);
    for (const auto& t : types) request.mutable_filter()->add_types(t);
    for (const auto& c : cases) request.mutable_filter()->add_case_refs(c);
    auto created = cfs_.CreateSubscription(request);
    EXPECT_TRUE(created.ok()) << created.status();
    return created.ok() ? *created : v1::SubscriptionInfo{};
  }
  std::vector<uint64_t> Sequences(const std::string& name, uint64_t count) {
    std::vector<uint64_t> out;
    for (const auto& d : Receive(cfs_, name, count)) out.push_back(d.sequence());
    return out;
  }
  CommandResult Cli(const std::string& args, const std::string& agency = "cfs") {
    return RunCli(broker_, agency, "subscriptions " + args);
  }

  BrokerProcess broker_;
  client::Client police_ = Connect(broker_, "police");
  client::Client cfs_ = Connect(broker_, "cfs");
  int published_ = 0;
};

TEST_F(SubscriptionsTest, StartPositionsAndFiltersChooseWhatArrives) {
  const uint64_t outcome = PublishAs("investigation_outcome");
  const uint64_t abe = PublishAs("abe_interview_record");
  Create("from-now", v1::START_FROM_NOW);
  Create("after-first", v1::START_FROM_SEQUENCE, outcome);
  Create("outcomes", v1::START_FROM_BEGINNING, 0, {"investigation_outcome"});
  Create("case-x", v1::START_FROM_BEGINNING, 0, {}, {"CASE-X"});
  const uint64_t third = PublishAs("investigation_outcome", "CASE-X");

  EXPECT_THAT(Sequences("from-now", 1), ElementsAre(third));
  EXPECT_THAT(Sequences("after-first", 2), ElementsAre(abe, third));
  EXPECT_THAT(Sequences("outcomes", 2), ElementsAre(outcome, third));
  EXPECT_THAT(Sequences("case-x", 1), ElementsAre(third));

  v1::CreateSubscriptionRequest ahead;
  ahead.set_subscription("ahead");
  ahead.set_start(v1::START_FROM_SEQUENCE);
  ahead.set_after_sequence(third + 1);
  const auto refused = cfs_.CreateSubscription(ahead);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(refused.status().message()), HasSubstr("after_sequence"));
  v1::CreateSubscriptionRequest unknown_type;
  unknown_type.set_subscription("bad");
  unknown_type.mutable_filter()->add_types("minutes");
  const auto bad = cfs_.CreateSubscription(unknown_type);
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr("filter.types[0]"));
}

// Requests that would move a subscription by mistake are refused, naming
// the field: an undefined or missing position, an after_sequence the start
// ignores, an acknowledgement of what no stream was handed.
TEST_F(SubscriptionsTest, RequestsThatWouldMoveASubscriptionByMistakeAreRefused) {
  const uint64_t first = PublishAs("investigation_outcome");
  Create("inbox", v1::START_FROM_BEGINNING);
  const auto refused = [](const auto& answer, const std::string& text) {
    EXPECT_EQ(answer.status().code(), absl::StatusCode::kInvalidArgument) << answer.status();
    EXPECT_THAT(std::string(answer.status().message()), HasSubstr(text));
  };
  v1::CreateSubscriptionRequest undefined;
  undefined.set_subscription("undefined");
  undefined.set_start(static_cast<v1::StartFrom>(7));
  refused(cfs_.CreateSubscription(undefined), "start: 7 is not a StartFrom value");
  v1::CreateSubscriptionRequest ignored;
  ignored.set_subscription("ignored");
  ignored.set_start(v1::START_FROM_NOW);
  ignored.set_after_sequence(first);
  refused(cfs_.CreateSubscription(ignored),
          "after_sequence: only read with start START_FROM_SEQUENCE");
  v1::ResetSubscriptionRequest nowhere;
  nowhere.set_subscription("inbox");
  refused(cfs_.ResetSubscription(nowhere), "to: say where to move it");
  refused(cfs_.Acknowledge("inbox", first),
          "has not been delivered on subscription 'inbox' (delivered through 0)");
  auto listed = cfs_.ListSubscriptions("inbox");
  ASSERT_TRUE(listed.ok()) << listed.status();
  EXPECT_EQ(listed->subscriptions(0).acknowledged_through(), 0u);
  EXPECT_EQ(listed->subscriptions(0).backlog(), 1u);
  EXPECT_EQ(cfs_.ListSubscriptions("never-made").status().code(), absl::StatusCode::kNotFound);
}

TEST_F(SubscriptionsTest, ListingCountsStreamsAndResetEndsThemAborted) {
  for (int i = 0; i < 3; ++i) PublishAs("investigation_outcome");
  Create("inbox", v1::START_FROM_BEGINNING, 0, {"investigation_outcome"});
  ASSERT_EQ(Sequences("inbox", 2).size(), 2u);  // acknowledged through 2

  // A stream left open: it has received the third delivery.
  auto stub = RawStub(broker_, "cfs");
  grpc::ClientContext context;
  v1::SubscribeRequest request;
  request.set_subscription("inbox");
  auto stream = stub->Subscribe(&context, request);
  v1::SubscribeResponse first;
  ASSERT_TRUE(stream->Read(&first));
  ASSERT_EQ(first.deliveries_size(), 1);
  EXPECT_EQ(first.deliveries(0).sequence(), 3u);

  auto listed = cfs_.ListSubscriptions();
  ASSERT_TRUE(listed.ok()) << listed.status();
  ASSERT_EQ(listed->subscriptions_size(), 1);
  const auto& info = listed->subscriptions(0);
  EXPECT_EQ(info.subscription(), "inbox");
  EXPECT_EQ(info.acknowledged_through(), 2u);
  EXPECT_EQ(info.delivered_through(), 3u);
  EXPECT_EQ(info.latest_sequence(), 3u);
  EXPECT_EQ(info.backlog(), 1u);
  EXPECT_TRUE(info.has_oldest_unacknowledged_at());
  EXPECT_EQ(info.active_consumers(), 1u);
  EXPECT_THAT(info.filter().types(), ElementsAre("investigation_outcome"));
  // Another agency does not see it.
  auto police_listed = police_.ListSubscriptions();
  ASSERT_TRUE(police_listed.ok());
  EXPECT_EQ(police_listed->subscriptions_size(), 0);

  v1::ResetSubscriptionRequest reset;
  reset.set_subscription("inbox");
  reset.set_to(v1::START_FROM_BEGINNING);
  auto moved = cfs_.ResetSubscription(reset);
  ASSERT_TRUE(moved.ok()) << moved.status();
  EXPECT_EQ(moved->acknowledged_through(), 0u);
  EXPECT_EQ(moved->backlog(), 3u);
  v1::SubscribeResponse more;
  while (stream->Read(&more)) {
  }
  const auto ended = stream->Finish();
  EXPECT_EQ(ended.error_code(), grpc::StatusCode::ABORTED) << ended.error_message();
  EXPECT_THAT(ended.error_message(), HasSubstr("'inbox' was reset"));
  EXPECT_THAT(Sequences("inbox", 3), ElementsAre(1, 2, 3));  // all again
}

TEST_F(SubscriptionsTest, DeleteForgetsItAndTheAuditHoldsEveryChange) {
  PublishAs("investigation_outcome");
  Create("inbox", v1::START_FROM_NOW);
  v1::ResetSubscriptionRequest reset;
  reset.set_subscription("inbox");
  reset.set_to(v1::START_FROM_BEGINNING);
  ASSERT_TRUE(cfs_.ResetSubscription(reset).ok());
  auto deleted = cfs_.DeleteSubscription("inbox");
  ASSERT_TRUE(deleted.ok()) << deleted.status();
  EXPECT_EQ(deleted->acknowledged_through(), 0u);
  EXPECT_EQ(cfs_.DeleteSubscription("inbox").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(cfs_.ListSubscriptions()->subscriptions_size(), 0);

  auto ig = AuditStub(broker_, "ig");
  std::vector<std::string> seen;
  for (const char* action :
       {"subscription_created", "subscription_reset", "subscription_deleted"}) {
    v1::AuditFilter filter;
    filter.add_actions(action);
    for (const auto& e : QueryAll(*ig, filter)) seen.push_back(e.action() + ": " + e.detail());
  }
  EXPECT_THAT(seen, ElementsAre("subscription_created: from now (after sequence 1)",
                                "subscription_reset: from 1 (delivered 1) to 0",
                                "subscription_deleted: at 0"));
}

TEST_F(SubscriptionsTest, TheCliManagesSubscriptions) {
  PublishAs("investigation_outcome");
  auto created = Cli("create --name cli-inbox --from now --type investigation_outcome");
  EXPECT_EQ(created.exit_code, 0) << created.output;
  EXPECT_THAT(created.output, HasSubstr("\"subscription\":\"cli-inbox\""));
  PublishAs("investigation_outcome");
  auto listed = Cli("list");
  EXPECT_EQ(listed.exit_code, 0) << listed.output;
  EXPECT_THAT(listed.output, HasSubstr("NAME"));
  EXPECT_THAT(
      listed.output,
      ::testing::ContainsRegex(
          "cli-inbox +standby +1 +1 +0 +1 +0 +[0-9]+s +0\\+0 +types=investigation_outcome"));
  auto json = Cli("list --name cli-inbox --json");
  EXPECT_EQ(json.exit_code, 0);
  EXPECT_THAT(json.output, HasSubstr("\"backlog\":\"1\""));
  auto reset = Cli("reset --name cli-inbox --to 0");
  EXPECT_EQ(reset.exit_code, 0) << reset.output;
  EXPECT_THAT(reset.output, HasSubstr("\"backlog\":\"2\""));
  auto bad = Cli("reset --name cli-inbox --to yesterday");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_THAT(bad.output, HasSubstr("expected beginning, now or a sequence number"));
  const auto deleted = Cli("delete --name cli-inbox");
  EXPECT_EQ(deleted.exit_code, 0);
  EXPECT_THAT(deleted.output, HasSubstr("{\"acknowledged_through\":\"0\"}"));  // at 0, said
  auto missing = Cli("delete --name cli-inbox");
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_THAT(missing.output, HasSubstr("NOT_FOUND"));
}

TEST(SubscriptionsConfigTest, AnAgencyThatMustCreateFirstIsRefusedUntilItDoes) {
  BrokerProcess broker(BrokerOptions{
      .config_edits = {{"  create_on_subscribe: true", "  create_on_subscribe: false"}}});
  auto cfs = Connect(broker, "cfs");
  auto police = Connect(broker, "police");
  ASSERT_TRUE(police.Publish(Example("investigation_outcome", "first-1")).ok());
  const auto refused = cfs.Subscribe("later", [](const v1::Delivery&) { return absl::OkStatus(); },
                                     {.max_deliveries = 1, .deadline = std::chrono::seconds(10)});
  EXPECT_EQ(refused.code(), absl::StatusCode::kNotFound) << refused;
  EXPECT_THAT(std::string(refused.message()), HasSubstr("CreateSubscription"));
  v1::CreateSubscriptionRequest create;
  create.set_subscription("later");
  ASSERT_TRUE(cfs.CreateSubscription(create).ok());
  EXPECT_EQ(Receive(cfs, "later", 1).size(), 1u);
}

}  // namespace
}  // namespace safeshare::testing
