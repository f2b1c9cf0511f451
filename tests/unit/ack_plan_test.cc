// Unit tests of PlanAck: what an acknowledgement settles and where it
// leaves the position, given a subscription's rows (ack_plan.h).
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "broker/store/ack_plan.h"

namespace safeshare::store {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

// The subscription's matching deliveries: every sequence but the skipped.
class AckPlanTest : public ::testing::Test {
 protected:
  MatchingDeliveries Matching() {
    return [this](Sequence after, Sequence through) {
      std::vector<DeliveryFacts> out;
      for (uint64_t s = after.value() + 1; s <= through.value(); ++s) {
        if (s != skipped_) out.push_back(DeliveryFacts{.sequence = Sequence(s)});
      }
      return absl::StatusOr<std::vector<DeliveryFacts>>(out);
    };
  }
  void Row(uint64_t seq, AttemptState state, uint32_t attempts = 1) {
    state_.attempts[seq] = DeliveryAttempt{Sequence(seq), state, attempts, 0};
  }
  AckPlan Plan(uint64_t through, const std::vector<uint64_t>& sequences = {}) {
    AckRequest request{AgencyId("cfs"), SubscriptionName("inbox"), Sequence(through), {}};
    for (auto s : sequences) request.sequences.emplace_back(s);
    auto plan = PlanAck(request, state_, Matching());
    EXPECT_TRUE(plan.ok()) << plan.status();
    return plan.ok() ? *plan : AckPlan{};
  }
  static std::vector<uint64_t> Seqs(const std::vector<DeliveryFacts>& facts) {
    std::vector<uint64_t> out;
    out.reserve(facts.size());
    for (const auto& f : facts) out.push_back(f.sequence.value());
    return out;
  }
  static std::vector<uint64_t> Seqs(const std::vector<Sequence>& seqs) {
    std::vector<uint64_t> out;
    out.reserve(seqs.size());
    for (const auto& s : seqs) out.push_back(s.value());
    return out;
  }

  AckState state_{Sequence(2), Sequence(8), {}};
  uint64_t skipped_ = 0;
};

TEST_F(AckPlanTest, ACumulativeAckSettlesUpToItAndMovesThePosition) {
  skipped_ = 4;  // the filter does not match it
  const auto plan = Plan(5);
  EXPECT_THAT(Seqs(plan.settled), ElementsAre(3, 5));
  EXPECT_EQ(plan.acked_through, Sequence(5));
  EXPECT_THAT(plan.acked_ahead, IsEmpty());
  EXPECT_THAT(plan.drop, IsEmpty());
}

TEST_F(AckPlanTest, AboveDeliveredThroughIsRefusedAndAtOrBelowThePositionSettlesNothing) {
  AckRequest request{AgencyId("cfs"), SubscriptionName("inbox"), Sequence(9), {}};
  EXPECT_EQ(PlanAck(request, state_, Matching()).status().code(),
            absl::StatusCode::kInvalidArgument);
  request.through = Sequence(0);
  request.sequences = {Sequence(9)};
  EXPECT_EQ(PlanAck(request, state_, Matching()).status().code(),
            absl::StatusCode::kInvalidArgument);
  const auto plan = Plan(2);
  EXPECT_THAT(plan.settled, IsEmpty());
  EXPECT_EQ(plan.acked_through, Sequence(2));
}

TEST_F(AckPlanTest, OneByOneAheadOfThePositionKeepsAnAckedRowUntilThePositionPasses) {
  auto plan = Plan(0, {5, 4});
  EXPECT_THAT(Seqs(plan.settled), ElementsAre(4, 5));
  EXPECT_EQ(plan.acked_through, Sequence(2));  // 3 is still out
  EXPECT_THAT(Seqs(plan.acked_ahead), ElementsAre(5, 4));

  Row(4, AttemptState::kAcked);
  Row(5, AttemptState::kAcked);
  plan = Plan(0, {3, 4});  // 4 again: a retry, passed over
  EXPECT_THAT(Seqs(plan.settled), ElementsAre(3));
  EXPECT_EQ(plan.acked_through, Sequence(5));  // over 4 and 5, acknowledged before
  EXPECT_THAT(Seqs(plan.drop), ElementsAre(4, 5));
  EXPECT_THAT(plan.acked_ahead, IsEmpty());
}

TEST_F(AckPlanTest, APositionMovesOverParkedDeliveriesWithoutSettlingThem) {
  Row(3, AttemptState::kParked, 5);
  auto plan = Plan(0, {4});
  EXPECT_THAT(Seqs(plan.settled), ElementsAre(4));
  EXPECT_EQ(plan.acked_through, Sequence(4));
  EXPECT_THAT(plan.drop, IsEmpty());  // the parked row stays
  plan = Plan(6);
  EXPECT_THAT(Seqs(plan.settled), ElementsAre(4, 5, 6));  // not 3
}

TEST_F(AckPlanTest, ANamedParkedOrRedeliveredDeliveryIsSettledAndItsRowGoes) {
  Row(1, AttemptState::kRedelivered, 2);  // released and handed again, behind the position
  Row(3, AttemptState::kParked, 5);
  auto plan = Plan(0, {1, 3});
  EXPECT_THAT(Seqs(plan.settled), ElementsAre(1, 3));
  EXPECT_THAT(Seqs(plan.drop), ElementsAre(1, 3));
  EXPECT_EQ(plan.acked_through, Sequence(3));
  // A cumulative ack settles one handed again behind the position too.
  plan = Plan(2);
  EXPECT_THAT(Seqs(plan.settled), ElementsAre(1));
}

TEST_F(AckPlanTest, ASequenceTheFilterDoesNotMatchIsNotADelivery) {
  skipped_ = 4;
  AckRequest request{AgencyId("cfs"), SubscriptionName("inbox"), Sequence(0), {Sequence(4)}};
  const auto refused = PlanAck(request, state_, Matching());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(refused.status().message(), ::testing::HasSubstr("sequences: 4"));
}

}  // namespace
}  // namespace safeshare::store
