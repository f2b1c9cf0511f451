// Unit tests for service::DeliveryHub: one active stream per subscription,
// standbys in arrival order promoted once when the active one leaves, an
// exclusive subscription refusing a second stream, wakes for active streams
// only, ending every stream of a subscription, and the counts.
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

  DeliveryHub hub_;
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

}  // namespace
}  // namespace safeshare::service
