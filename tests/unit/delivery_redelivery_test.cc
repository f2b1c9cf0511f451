// Unit tests of redelivery, parking and the in-flight window of a
// DeliverySession, on the in-memory store with a manual clock: a delivery
// not acknowledged within the ack wait is handed again on the open stream,
// parked after max_deliver attempts, released back; a stream taking over
// counts attempts on; at most max_in_flight are unacknowledged at once.
#include <chrono>
#include <memory>
#include <thread>

#include "tests/unit/delivery_session_fixture.h"

namespace safeshare::service {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr std::chrono::seconds kWait{10};

class RedeliveryTest : public DeliverySessionTest {
 protected:
  void SetUp() override {
    Recreate(64 << 20, DeliveryLimits{.ack_wait = kWait, .max_deliver = 2, .max_in_flight = 3});
  }
  absl::StatusOr<store::AckResult> Ack(uint64_t through,
                                       const std::vector<uint64_t>& sequences = {}) {
    unit::Completion<store::AckResult> acked;
    service_->Acknowledge(kPolice, "police-feed", through, sequences, acked.Callback());
    return acked.Get();
  }
  store::SubscriptionStats Listing() {
    auto listed = service_->ListSubscriptions(kPolice, "police-feed");
    EXPECT_TRUE(listed.ok() && listed->size() == 1);
    return listed.ok() && !listed->empty() ? listed->front().stats : store::SubscriptionStats{};
  }
  // Waits until the sink was handed `count` deliveries in all, then lets
  // the session go on (the batch is written).
  void Handed(const std::shared_ptr<TestSink>& sink, DeliverySession& session, size_t count) {
    ASSERT_TRUE(sink->WaitFor([&](TestSink& s) { return s.sent_.size() >= count; }))
        << "handed " << sink->sent().size() << " of " << count;
    session.Sent();
  }
};

TEST_F(RedeliveryTest, AnUnacknowledgedDeliveryIsHandedAgainThenParkedThenReleased) {
  PublishMinutes(2);
  auto sink = std::make_shared<TestSink>();
  auto session = Start(sink);
  Handed(sink, *session, 2);
  EXPECT_THAT(sink->attempts(), ElementsAre(1u, 1u));

  clock_.Advance(kWait - std::chrono::seconds(1));
  session->Tick();  // not yet due
  clock_.Advance(std::chrono::seconds(1));
  session->Tick();
  Handed(sink, *session, 4);
  EXPECT_THAT(sink->sent(), ElementsAre(1u, 2u, 1u, 2u));
  EXPECT_THAT(sink->attempts(), ElementsAre(1u, 1u, 2u, 2u));
  const auto lines = Lines(audit::Action::kDelivered);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_THAT(lines[3].detail, HasSubstr("attempt 2"));

  ASSERT_TRUE(Ack(1).ok());  // 2 is never acknowledged: its attempts are spent
  clock_.Advance(kWait);
  session->Tick();
  ASSERT_TRUE(sink->WaitFor([&](TestSink&) { return !Audit(audit::Action::kParked).empty(); }));
  const auto parked = Lines(audit::Action::kParked);
  ASSERT_EQ(parked.size(), 1u);
  EXPECT_EQ(parked[0].sequence, 2);
  EXPECT_THAT(parked[0].detail, HasSubstr("after 2 attempts"));
  EXPECT_EQ(Listing().parked, 1u);
  EXPECT_EQ(Listing().in_flight, 0u);
  clock_.Advance(kWait * 3);
  session->Tick();
  Barrier();
  EXPECT_EQ(sink->sent().size(), 4u) << "a parked delivery is not handed again";

  unit::Completion<uint32_t> released;
  service_->ReleaseParked(kPolice, "police-feed", {}, released.Callback());
  ASSERT_EQ(released.Get().value(), 1u);
  Handed(sink, *session, 5);
  EXPECT_EQ(sink->sent().back(), 2u);
  EXPECT_EQ(sink->attempts().back(), 1u);  // counting from 1 again
  EXPECT_EQ(Lines(audit::Action::kReleased).size(), 1u);
  ASSERT_TRUE(Ack(0, {2}).ok());
  EXPECT_EQ(Listing().parked, 0u);
  EXPECT_EQ(Listing().record.acked_through, Sequence(2));
}

TEST_F(RedeliveryTest, AtMostMaxInFlightAreUnacknowledgedAtOnce) {
  PublishMinutes(5);
  auto sink = std::make_shared<TestSink>();
  auto session = Start(sink);
  Handed(sink, *session, 3);
  Barrier();
  EXPECT_THAT(sink->sent(), ElementsAre(1u, 2u, 3u));
  EXPECT_EQ(Listing().in_flight, 3u);
  ASSERT_TRUE(Ack(0, {2}).ok());  // one by one makes room for one
  Handed(sink, *session, 4);
  EXPECT_EQ(sink->sent().back(), 4u);
  ASSERT_TRUE(Ack(4).ok());
  Handed(sink, *session, 5);
  EXPECT_THAT(sink->sent(), ElementsAre(1u, 2u, 3u, 4u, 5u));
}

TEST_F(RedeliveryTest, AStreamTakingOverCountsAttemptsOnAndParksWhatIsSpent) {
  PublishMinutes(2);
  auto first = std::make_shared<TestSink>();
  auto session = Start(first);
  Handed(first, *session, 2);
  ASSERT_TRUE(Ack(0, {1}).ok());
  session->Stop();  // the stream broke with 2 unacknowledged

  auto second = std::make_shared<TestSink>();
  auto again = Start(second);
  Handed(second, *again, 1);
  EXPECT_THAT(second->sent(), ElementsAre(2u));
  EXPECT_THAT(second->attempts(), ElementsAre(2u));
  again->Stop();

  auto third = std::make_shared<TestSink>();
  Start(third);  // 2 has had its 2 attempts: parked at once
  ASSERT_TRUE(third->WaitFor([&](TestSink&) { return !Audit(audit::Action::kParked).empty(); }));
  Barrier();
  EXPECT_TRUE(third->sent().empty());
  EXPECT_EQ(Listing().parked, 1u);
}

}  // namespace
}  // namespace safeshare::service
