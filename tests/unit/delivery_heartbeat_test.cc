// Unit tests for service::DeliverySession's heartbeats and consumer roles,
// timed by a ManualClock and driven by Tick(): a heartbeat only after the
// interval without a write, never inside a batch, the interval restarted by
// a batch; a standby heartbeats at once and gets no deliveries; promotion
// delivers from the subscription's position and says "active"; an exclusive
// subscription refuses a second stream.
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/unit/delivery_session_fixture.h"

namespace safeshare::service {
namespace {

using std::chrono::seconds;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

class DeliveryHeartbeatTest : public DeliverySessionTest {
 protected:
  // Advances the clock by `by` and ticks `session`.
  void TickAfter(const std::shared_ptr<DeliverySession>& session, seconds by) {
    clock_.Advance(by);
    session->Tick();
  }
  void Ack(uint64_t through) {
    unit::Completion<store::AckResult> acked;
    service_->Acknowledge(kPolice, "police-feed", through, acked.Callback());
    ASSERT_TRUE(acked.Get().ok());
  }
};

TEST_F(DeliveryHeartbeatTest, AQuietStreamHeartbeatsOnlyAfterTheInterval) {
  auto sink = std::make_shared<TestSink>();
  auto session = Start(sink);
  Settle();
  TickAfter(session, kHeartbeat - seconds(1));
  EXPECT_EQ(sink->heartbeats(), 0);
  TickAfter(session, seconds(1));
  EXPECT_THAT(sink->events(), ElementsAre("hb"));
  session->Tick();  // nothing more is due
  EXPECT_EQ(sink->heartbeats(), 1);
  TickAfter(session, kHeartbeat);
  EXPECT_THAT(sink->events(), ElementsAre("hb", "hb"));
}

TEST_F(DeliveryHeartbeatTest, NeverInsideABatchAndABatchRestartsTheInterval) {
  PublishMinutes(1);
  auto sink = std::make_shared<TestSink>();
  auto session = Start(sink);
  ASSERT_TRUE(sink->WaitFor([](TestSink& s) { return s.batches_ == 1; }));
  TickAfter(session, 2 * kHeartbeat);  // the batch is still being written
  EXPECT_EQ(sink->heartbeats(), 0);
  session->Sent();  // written now: the interval starts again
  Settle();
  TickAfter(session, kHeartbeat - seconds(1));
  EXPECT_EQ(sink->heartbeats(), 0);
  TickAfter(session, seconds(1));
  EXPECT_THAT(sink->events(), ElementsAre("1", "hb"));
}

TEST_F(DeliveryHeartbeatTest, AStandbyHeartbeatsAtOnceAndGetsNoDeliveries) {
  PublishMinutes(2);
  auto active_sink = std::make_shared<TestSink>(), standby_sink = std::make_shared<TestSink>();
  auto active = Start(active_sink);
  ASSERT_TRUE(active_sink->WaitFor([](TestSink& s) { return s.sent_.size() == 2; }));
  auto standby = Start(standby_sink);
  ASSERT_TRUE(standby_sink->WaitFor([](TestSink& s) { return s.heartbeats_ == 1; }));
  EXPECT_TRUE(standby->standby());
  EXPECT_FALSE(active->standby());
  const auto counts =
      service_->hub().Consumers(AgencyId("police"), SubscriptionName("police-feed"));
  EXPECT_EQ(counts.active, 1u);
  EXPECT_EQ(counts.standby, 1u);

  active->Sent();
  PublishMinutes(1);  // wakes only the active stream
  ASSERT_TRUE(active_sink->WaitFor([](TestSink& s) { return s.sent_.size() == 3; }));
  Settle();
  TickAfter(standby, kHeartbeat);
  EXPECT_THAT(standby_sink->events(), ElementsAre("hb standby", "hb standby"));
  EXPECT_THAT(active_sink->events(), ElementsAre("1,2", "3"));
}

TEST_F(DeliveryHeartbeatTest, PromotionDeliversFromThePositionAndSaysActive) {
  PublishMinutes(3);
  auto first_sink = std::make_shared<TestSink>(), second_sink = std::make_shared<TestSink>();
  auto first = Start(first_sink);
  ASSERT_TRUE(first_sink->WaitFor([](TestSink& s) { return s.sent_.size() == 3; }));
  Ack(1);  // 2 and 3 were handed to the first stream but not acknowledged
  auto second = Start(second_sink);
  ASSERT_TRUE(second_sink->WaitFor([](TestSink& s) { return s.heartbeats_ == 1; }));

  first->Stop();  // its stream is done: the standby takes over
  ASSERT_TRUE(second_sink->WaitFor([](TestSink& s) { return s.sent_.size() == 2; }));
  EXPECT_THAT(second_sink->events(), ElementsAre("hb standby", "hb", "2,3"));
  EXPECT_FALSE(second->standby());
  second->Sent();
  PublishMinutes(1);
  ASSERT_TRUE(second_sink->WaitFor([](TestSink& s) { return s.sent_.size() == 3; }));
  EXPECT_THAT(first_sink->sent(), ElementsAre(1u, 2u, 3u));  // nothing after it left
  const auto counts =
      service_->hub().Consumers(AgencyId("police"), SubscriptionName("police-feed"));
  EXPECT_EQ(counts.active, 1u);
  EXPECT_EQ(counts.standby, 0u);
}

TEST_F(DeliveryHeartbeatTest, AnExclusiveSubscriptionRefusesASecondStream) {
  unit::Completion<store::SubscriptionRecord> created;
  service_->CreateSubscription(kPolice,
                               NewSubscription{"solo",
                                               {store::StartFrom::kBeginning, Sequence(0)},
                                               {},
                                               {},
                                               store::ConsumerMode::kExclusive},
                               created.Callback());
  ASSERT_TRUE(created.Get().ok());
  // The session holds its sink weakly (the stream owns it) and stops once it
  // is gone, so each sink lives as long as its stream should.
  const auto first_sink = std::make_shared<TestSink>(), second_sink = std::make_shared<TestSink>();
  auto first = TryStart(
      first_sink, [] {}, "solo");
  ASSERT_TRUE(first.ok()) << first.status();
  const auto second = TryStart(
      second_sink, [] {}, "solo");
  EXPECT_EQ(second.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(second.status().message()),
              HasSubstr("subscription 'solo' already has an active stream and is EXCLUSIVE"));
  (*first)->Stop();
  const auto third_sink = std::make_shared<TestSink>();
  EXPECT_TRUE(TryStart(
                  third_sink, [] {}, "solo")
                  .ok());
}

TEST_F(DeliveryHeartbeatTest, AResetEndsTheActiveAndTheStandbyWithoutPromotion) {
  PublishMinutes(1);
  auto active_sink = std::make_shared<TestSink>(), standby_sink = std::make_shared<TestSink>();
  Start(active_sink);
  Start(standby_sink);
  ASSERT_TRUE(standby_sink->WaitFor([](TestSink& s) { return s.heartbeats_ == 1; }));
  unit::Completion<store::SubscriptionRecord> reset;
  service_->ResetSubscription(kPolice, "police-feed", {store::StartFrom::kNow, Sequence(0)},
                              reset.Callback());
  ASSERT_TRUE(reset.Get().ok());
  ASSERT_TRUE(standby_sink->WaitFor([](TestSink& s) { return s.ended_.has_value(); }));
  ASSERT_TRUE(active_sink->WaitFor([](TestSink& s) { return s.ended_.has_value(); }));
  EXPECT_EQ(standby_sink->ended_->code(), absl::StatusCode::kAborted);
  Settle();
  EXPECT_THAT(standby_sink->sent(), IsEmpty());
  EXPECT_THAT(standby_sink->events(), ElementsAre("hb standby"));
}

}  // namespace
}  // namespace safeshare::service
