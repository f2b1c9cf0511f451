// Redelivery and parking against the real broker process: a delivery not
// acknowledged within the subscription's ack wait is handed again on the
// open stream, parked after max_deliver attempts (listed, seen by its
// publisher, audited), released and acknowledged; one-by-one
// acknowledgements; settings out of bounds refused; `safeshare
// subscriptions parked|release` and `ack --only`.
#include <thread>

#include "tests/integration/scenario.h"

namespace safeshare::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

class RedeliveryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    v1::CreateSubscriptionRequest request;
    request.set_subscription("retry");
    request.set_start(v1::START_FROM_NOW);
    request.set_ack_wait_seconds(1);
    request.set_max_deliver(2);
    auto created = cfs_.CreateSubscription(request);
    ASSERT_TRUE(created.ok()) << created.status();
    EXPECT_EQ(created->ack_wait_seconds(), 1u);
    EXPECT_EQ(created->max_deliver(), 2u);
    EXPECT_EQ(created->max_in_flight(), 1000u);  // the broker's default
  }
  v1::SubscriptionInfo Info() {
    auto listed = cfs_.ListSubscriptions("retry");
    EXPECT_TRUE(listed.ok() && listed->subscriptions_size() == 1);
    return listed.ok() && listed->subscriptions_size() == 1 ? listed->subscriptions(0)
                                                            : v1::SubscriptionInfo{};
  }
  // Reads the stream for `seconds` without acknowledging, up to `max`.
  std::vector<v1::Delivery> Read(uint64_t max, int seconds) {
    std::vector<v1::Delivery> got;
    client::SubscribeOptions options{
        .max_deliveries = max, .acknowledge = false, .deadline = std::chrono::seconds(seconds)};
    (void)cfs_.Subscribe(
        "retry",
        [&](const v1::Delivery& d) {
          got.push_back(d);
          return absl::OkStatus();
        },
        options);
    return got;
  }
  CommandResult Cli(const std::string& args) { return RunCli(broker_, "cfs", args); }

  BrokerProcess broker_;
  client::Client police_ = Connect(broker_, "police");
  client::Client cfs_ = Connect(broker_, "cfs");
};

TEST_F(RedeliveryTest, AnUnacknowledgedDeliveryIsHandedAgainParkedReleasedAndAcknowledged) {
  auto stored = police_.Publish(Example("investigation_outcome", "redeliver-1"));
  ASSERT_TRUE(stored.ok()) << stored.status();
  const uint64_t seq = stored->sequence();

  // One stream: handed, handed again a second later, then parked.
  const auto got = Read(3, 5);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].sequence(), seq);
  EXPECT_EQ(got[1].sequence(), seq);
  EXPECT_EQ(got[0].attempt(), 1u);
  EXPECT_EQ(got[1].attempt(), 2u);
  EXPECT_EQ(Info().parked(), 1u);
  EXPECT_EQ(Info().in_flight(), 0u);

  v1::ListParkedRequest list;
  list.set_subscription("retry");
  auto parked = cfs_.ListParked(list);
  ASSERT_TRUE(parked.ok()) << parked.status();
  ASSERT_EQ(parked->deliveries_size(), 1);
  EXPECT_EQ(parked->deliveries(0).sequence(), seq);
  EXPECT_EQ(parked->deliveries(0).attempts(), 2u);
  EXPECT_EQ(parked->deliveries(0).publisher(), "police");
  const auto table = Cli("subscriptions parked --name retry");
  EXPECT_EQ(table.exit_code, 0) << table.output;
  EXPECT_THAT(table.output, ::testing::ContainsRegex(std::to_string(seq) + " +2 +[0-9]+s +police"));

  auto state = police_.GetDeliveryState(stored->notification_id());
  ASSERT_TRUE(state.ok()) << state.status();
  for (const auto& r : state->recipients()) {
    if (r.agency() != "cfs") continue;
    EXPECT_EQ(r.stage(), v1::DELIVERY_STAGE_PARKED);
    EXPECT_EQ(r.deliveries(), 2u);
    EXPECT_TRUE(r.has_parked_at());
  }

  const auto released = Cli("subscriptions release --name retry");
  EXPECT_EQ(released.exit_code, 0) << released.output;
  EXPECT_THAT(released.output, HasSubstr("\"released\":1"));
  const auto again = Read(1, 10);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].sequence(), seq);
  EXPECT_EQ(again[0].attempt(), 1u);  // counting from 1 after release
  const auto acked = Cli("ack --name retry --only " + std::to_string(seq));
  EXPECT_EQ(acked.exit_code, 0) << acked.output;
  EXPECT_EQ(Info().parked(), 0u);
  EXPECT_EQ(Info().acknowledged_through(), seq);
  state = police_.GetDeliveryState(stored->notification_id());
  ASSERT_TRUE(state.ok());
  for (const auto& r : state->recipients()) {
    if (r.agency() == "cfs") {
      EXPECT_EQ(r.stage(), v1::DELIVERY_STAGE_ACKNOWLEDGED);
    }
  }
  EXPECT_THAT(Cli("subscriptions parked --name retry").output, HasSubstr("(none parked)"));
}

TEST_F(RedeliveryTest, OneByOneAcknowledgementsLeaveOnlyTheUnacknowledgedToComeAgain) {
  std::vector<uint64_t> seqs;
  for (int i = 0; i < 3; ++i) {
    auto stored =
        police_.Publish(Example("investigation_outcome", "one-by-one-" + std::to_string(i)));
    ASSERT_TRUE(stored.ok()) << stored.status();
    seqs.push_back(stored->sequence());
  }
  ASSERT_EQ(Read(3, 10).size(), 3u);
  auto acked = cfs_.Acknowledge("retry", 0, {seqs[0], seqs[2]});
  ASSERT_TRUE(acked.ok()) << acked.status();
  EXPECT_EQ(acked->newly_acknowledged(), 2u);
  EXPECT_EQ(acked->acknowledged_through(), seqs[0]);
  const auto again = Read(1, 10);  // a new stream: only the middle one
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].sequence(), seqs[1]);
  EXPECT_EQ(again[0].attempt(), 2u);
  acked = cfs_.Acknowledge("retry", 0, {seqs[1]});
  ASSERT_TRUE(acked.ok());
  EXPECT_EQ(acked->acknowledged_through(), seqs[2]);

  auto refused = cfs_.Acknowledge("retry", 0, {seqs[2] + 100});
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  v1::CreateSubscriptionRequest bad;
  bad.set_subscription("too-many");
  bad.set_max_deliver(101);
  auto created = cfs_.CreateSubscription(bad);
  EXPECT_EQ(created.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(created.status().message(), HasSubstr("max_deliver"));
}

// A reconnecting subscriber must not bring a deleted subscription back:
// it would be created anew from the beginning and replay the history.
TEST_F(RedeliveryTest, DeletingASubscriptionEndsItsReconnectingSubscriberForGood) {
  absl::Status ended;
  std::thread subscriber([&] {
    client::SubscribeOptions options{.deadline = std::chrono::seconds(20), .reconnect = true};
    ended = cfs_.Subscribe(
        "retry", [](const v1::Delivery&) { return absl::OkStatus(); }, options);
  });
  for (int i = 0; i < 100 && Info().active_consumers() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(cfs_.DeleteSubscription("retry").ok());
  subscriber.join();
  EXPECT_EQ(ended.code(), absl::StatusCode::kNotFound) << ended;
  EXPECT_THAT(ended.message(), HasSubstr("was deleted"));
  EXPECT_EQ(cfs_.ListSubscriptions("retry").status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace safeshare::testing
