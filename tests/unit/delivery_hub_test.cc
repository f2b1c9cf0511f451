// Unit tests for service::DeliveryHub: one active stream per subscription,
// standbys in arrival order promoted once when the active one leaves, an
// exclusive subscription refusing a second stream, wakes for active streams
// only, ending every stream of a subscription, and the counts; with a fake
// store claim: a stream waiting while another broker holds the claim,
// promoted once it is granted, the claim given up when the last stream
// leaves, and an active stream ended when its claim is lost.
#include <set>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "broker/service/delivery_hub.h"

namespace safeshare::service {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using Role = DeliveryHub::Role;
using store::ConsumerMode;

class DeliveryHubTest : public ::testing::Test {
 protected:
  // Joins a stream labelled `label` whose hooks log "label: what".
  absl::StatusOr<std::pair<uint64_t, Role>> Join(const std::string& label,
                                                 const std::string& agency = "cfs",
                                                 const std::string& name = "inbox",
                                                 ConsumerMode mode = ConsumerMode::kStandby) {
    return hub_.Join(AgencyId(agency), SubscriptionName(name), mode,
                     DeliveryHub::StreamHooks{
                         .wake = [this, label] { log_.push_back(label + ": wake"); },
                         .promoted = [this, label] { log_.push_back(label + ": promoted"); },
                         .tick = [this, label] { log_.push_back(label + ": tick"); },
                         .end =
                             [this, label](const absl::Status& why) {
                               log_.push_back(label + ": end " + std::string(why.message()));
                             },
                     });
  }
  uint64_t Token(const std::string& label, const std::string& agency = "cfs",
                 const std::string& name = "inbox") {
    auto joined = Join(label, agency, name);
    EXPECT_TRUE(joined.ok()) << joined.status();
    return joined.ok() ? joined->first : 0;
  }
  std::pair<uint32_t, uint32_t> Counts(const std::string& agency, const std::string& name) {
    const auto c = hub_.Consumers(AgencyId(agency), SubscriptionName(name));
    return {c.active, c.standby};
  }

  // The store's claims as another broker sharing it would make them: a
  // subscription named in held_elsewhere_ is denied (it holds the claim, or
  // this broker lost it); every take and release is logged.
  DeliveryHub::Claims FakeClaims() {
    return {[this](const AgencyId& agency, const SubscriptionName& name) {
              claims_log_.push_back("take " + agency.value() + "/" + name.value());
              return !held_elsewhere_.contains(name.value());
            },
            [this](const AgencyId& agency, const SubscriptionName& name) {
              claims_log_.push_back("release " + agency.value() + "/" + name.value());
            }};
  }

  std::set<std::string> held_elsewhere_;
  std::vector<std::string> claims_log_;
  DeliveryHub hub_{FakeClaims()};
  std::vector<std::string> log_;
};

TEST_F(DeliveryHubTest, TheFirstStreamIsActiveAndLaterOnesStandByInArrivalOrder) {
  auto a = Join("a");
  auto b = Join("b");
  auto c = Join("c");
  auto other = Join("x", "cfs", "outcomes");
  ASSERT_TRUE(a.ok() && b.ok() && c.ok() && other.ok());
  EXPECT_EQ(a->second, Role::kActive);
  EXPECT_EQ(b->second, Role::kStandby);
  EXPECT_EQ(c->second, Role::kStandby);
  EXPECT_EQ(other->second, Role::kActive);  // another subscription: its own active stream
  EXPECT_EQ(Counts("cfs", "inbox"), std::make_pair(1u, 2u));
  EXPECT_EQ(Counts("cfs", "outcomes"), std::make_pair(1u, 0u));
  EXPECT_EQ(Counts("police", "inbox"), std::make_pair(0u, 0u));

  hub_.Leave(a->first);
  EXPECT_THAT(log_, ElementsAre("b: promoted"));  // the first standby, once
  hub_.Leave(a->first);                           // idempotent
  hub_.Leave(b->first);
  EXPECT_THAT(log_, ElementsAre("b: promoted", "c: promoted"));
  EXPECT_EQ(Counts("cfs", "inbox"), std::make_pair(1u, 0u));
}

TEST_F(DeliveryHubTest, AStandbyLeavingPromotesNobody) {
  const auto a = Token("a");
  const auto b = Token("b");
  Token("c");
  hub_.Leave(b);
  EXPECT_THAT(log_, IsEmpty());
  EXPECT_EQ(Counts("cfs", "inbox"), std::make_pair(1u, 1u));
  hub_.Leave(a);
  EXPECT_THAT(log_, ElementsAre("c: promoted"));
}

TEST_F(DeliveryHubTest, AnExclusiveSubscriptionRefusesASecondStreamUntilTheFirstLeaves) {
  auto first = Join("a", "cfs", "solo", ConsumerMode::kExclusive);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->second, Role::kActive);
  const auto second = Join("b", "cfs", "solo", ConsumerMode::kExclusive);
  EXPECT_EQ(second.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(second.status().message(),
            "subscription 'solo' already has an active stream and is EXCLUSIVE: end that stream "
            "first, or create it with CONSUMER_MODE_STANDBY so a second stream waits");
  EXPECT_EQ(Counts("cfs", "solo"), std::make_pair(1u, 0u));
  hub_.Leave(first->first);
  auto third = Join("c", "cfs", "solo", ConsumerMode::kExclusive);
  ASSERT_TRUE(third.ok());
  EXPECT_EQ(third->second, Role::kActive);
  EXPECT_THAT(log_, IsEmpty());
}

TEST_F(DeliveryHubTest, WakesOnlyActiveStreamsOfTheGivenAgenciesAndTicksAll) {
  Token("a");
  Token("b");  // standby
  Token("p", "police", "inbox");
  Token("h", "health", "inbox");
  hub_.Wake({AgencyId("cfs"), AgencyId("police")});
  EXPECT_THAT(log_, ElementsAre("a: wake", "p: wake"));
  log_.clear();
  hub_.TickAll();
  EXPECT_EQ(log_.size(), 4u);
}

TEST_F(DeliveryHubTest, EndAllEndsEveryStreamOfOneSubscriptionStandbysFirst) {
  Token("a");
  Token("b");
  Token("x", "cfs", "outcomes");
  const auto why = StreamEnded("reset");
  EXPECT_TRUE(IsStreamEnded(why));
  EXPECT_FALSE(IsStreamEnded(absl::AbortedError("constraint failed")));
  hub_.EndAll(AgencyId("cfs"), SubscriptionName("inbox"), why);
  EXPECT_THAT(log_, ElementsAre("b: end reset", "a: end reset"));
  hub_.EndAll(AgencyId("cfs"), SubscriptionName("unknown"), why);
  EXPECT_EQ(log_.size(), 2u);
}

TEST_F(DeliveryHubTest, AStreamWaitsWhileAnotherBrokerHoldsTheClaimAndTakesOverOnceGranted) {
  held_elsewhere_.insert("inbox");
  auto a = Join("a");
  auto b = Join("b");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->second, Role::kStandby);  // no active stream here, yet not this broker's turn
  EXPECT_EQ(b->second, Role::kStandby);
  EXPECT_EQ(Counts("cfs", "inbox"), std::make_pair(0u, 2u));
  hub_.Wake({AgencyId("cfs")});
  hub_.ReviewClaims();  // still the other broker's
  EXPECT_THAT(log_, IsEmpty());
  EXPECT_THAT(claims_log_, ElementsAre("take cfs/inbox", "take cfs/inbox", "take cfs/inbox"));

  held_elsewhere_.clear();  // the other broker let it go
  hub_.ReviewClaims();
  EXPECT_THAT(log_, ElementsAre("a: promoted"));  // the first to arrive, once
  EXPECT_EQ(Counts("cfs", "inbox"), std::make_pair(1u, 1u));
  hub_.Leave(a->first);  // b takes over here: the claim stays
  hub_.TickAll();
  EXPECT_THAT(log_, ::testing::Contains("b: promoted"));
  EXPECT_THAT(claims_log_, ::testing::Not(::testing::Contains("release cfs/inbox")));
}

TEST_F(DeliveryHubTest, AnExclusiveSubscriptionAnotherBrokerConsumesIsRefused) {
  held_elsewhere_.insert("solo");
  const auto refused = Join("a", "cfs", "solo", ConsumerMode::kExclusive);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(refused.status().message()),
              ::testing::HasSubstr("is EXCLUSIVE and is being consumed through another broker"));
  EXPECT_EQ(Counts("cfs", "solo"), std::make_pair(0u, 0u));
  held_elsewhere_.clear();
  auto granted = Join("b", "cfs", "solo", ConsumerMode::kExclusive);
  ASSERT_TRUE(granted.ok());
  EXPECT_EQ(granted->second, Role::kActive);
}

TEST_F(DeliveryHubTest, TheLastStreamLeavingGivesTheClaimUpAtTheNextTickUnlessTakenAgain) {
  const auto a = Token("a");
  hub_.Leave(a);
  EXPECT_THAT(claims_log_, ElementsAre("take cfs/inbox"));  // not under the hub's lock
  const auto b = Token("b");  // back before the tick: still this broker's
  hub_.TickAll();
  EXPECT_THAT(claims_log_, ElementsAre("take cfs/inbox", "take cfs/inbox", "take cfs/inbox"));
  hub_.Leave(b);
  hub_.TickAll();
  EXPECT_EQ(claims_log_.back(), "release cfs/inbox");
  EXPECT_EQ(Counts("cfs", "inbox"), std::make_pair(0u, 0u));
}

TEST_F(DeliveryHubTest, AnActiveStreamWhoseClaimIsLostEndsAndItsStandbyWaitsForTheClaim) {
  Token("a");
  Token("b");
  held_elsewhere_.insert("inbox");  // the database session was lost
  hub_.ReviewClaims();
  ASSERT_EQ(log_.size(), 1u);
  EXPECT_THAT(log_[0], ::testing::StartsWith("a: end this broker can no longer show"));
  EXPECT_EQ(claims_log_.back(), "release cfs/inbox");  // forgets the loss
  EXPECT_EQ(Counts("cfs", "inbox"), std::make_pair(0u, 1u));
  EXPECT_EQ(ClaimLost(SubscriptionName("inbox")).code(), absl::StatusCode::kUnavailable);
  held_elsewhere_.clear();
  hub_.ReviewClaims();
  EXPECT_EQ(log_.back(), "b: promoted");
  EXPECT_EQ(Counts("cfs", "inbox"), std::make_pair(1u, 0u));
}

}  // namespace
}  // namespace safeshare::service
