// Unit tests for broker/service AgencyLimits: per-agency counts of
// publishes in flight and open streams, permits given back on destruction
// and after a move, per-agency overrides, and refusals that say what to do.
#include "broker/service/agency_limits.h"

#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace safeshare::service {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

const AgencyId kPolice("police");
const AgencyId kCfs("cfs");

LimitsByAgency TwoEach() {
  LimitsByAgency limits;
  limits.defaults = {/*publishes_in_flight=*/2, /*open_streams=*/2};
  return limits;
}

TEST(AgencyLimitsTest, CountsEachAgencySeparately) {
  AgencyLimits limits(TwoEach());
  auto first = limits.StartPublish(kPolice);
  auto second = limits.StartPublish(kPolice);
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(limits.PublishesInFlight(kPolice), 2u);
  EXPECT_EQ(limits.StartPublish(kPolice).status().code(), absl::StatusCode::kResourceExhausted);
  // Another agency, and the other kind of count, are untouched.
  auto cfs = limits.StartPublish(kCfs);
  EXPECT_TRUE(cfs.ok());
  auto stream = limits.OpenStream(kPolice);
  EXPECT_TRUE(stream.ok());
  EXPECT_EQ(limits.OpenStreams(kPolice), 1u);
  EXPECT_EQ(limits.PublishesInFlight(kCfs), 1u);
}

TEST(AgencyLimitsTest, PermitIsGivenBackWhenDestroyed) {
  AgencyLimits limits(TwoEach());
  {
    auto a = limits.OpenStream(kPolice);
    auto b = limits.OpenStream(kPolice);
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_FALSE(limits.OpenStream(kPolice).ok());
  }
  EXPECT_EQ(limits.OpenStreams(kPolice), 0u);
  auto again = limits.OpenStream(kPolice);
  EXPECT_TRUE(again.ok());
}

TEST(AgencyLimitsTest, MovedPermitIsGivenBackOnceByItsNewOwner) {
  AgencyLimits limits(TwoEach());
  auto taken = limits.StartPublish(kPolice);
  ASSERT_TRUE(taken.ok());
  AgencyLimits::Permit moved = *std::move(taken);
  EXPECT_TRUE(moved.held());
  EXPECT_FALSE(taken->held());  // NOLINT(bugprone-use-after-move): the moved-from state
  {
    std::vector<AgencyLimits::Permit> owners;
    owners.push_back(std::move(moved));
    EXPECT_EQ(limits.PublishesInFlight(kPolice), 1u);
  }
  EXPECT_EQ(limits.PublishesInFlight(kPolice), 0u);
}

TEST(AgencyLimitsTest, AssigningOverAPermitGivesItsCountBack) {
  AgencyLimits limits(TwoEach());
  auto a = limits.StartPublish(kPolice);
  auto b = limits.StartPublish(kPolice);
  ASSERT_TRUE(a.ok() && b.ok());
  *a = *std::move(b);
  EXPECT_EQ(limits.PublishesInFlight(kPolice), 1u);
  *a = AgencyLimits::Permit();
  EXPECT_EQ(limits.PublishesInFlight(kPolice), 0u);
}

TEST(AgencyLimitsTest, AnAgencyOverrideReplacesTheDefaults) {
  auto settings = TwoEach();
  settings.agencies[kCfs] = {/*publishes_in_flight=*/1, /*open_streams=*/3};
  AgencyLimits limits(std::move(settings));
  auto publish = limits.StartPublish(kCfs);
  ASSERT_TRUE(publish.ok());
  EXPECT_FALSE(limits.StartPublish(kCfs).ok());
  std::vector<AgencyLimits::Permit> streams;
  for (int i = 0; i < 3; ++i) {
    auto stream = limits.OpenStream(kCfs);
    ASSERT_TRUE(stream.ok()) << i;
    streams.push_back(*std::move(stream));
  }
  EXPECT_FALSE(limits.OpenStream(kCfs).ok());
  // Police keeps the defaults.
  auto p1 = limits.StartPublish(kPolice);
  auto p2 = limits.StartPublish(kPolice);
  EXPECT_TRUE(p1.ok() && p2.ok());
}

TEST(AgencyLimitsTest, RefusalsNameAgencyCountKeyAndWhatToDo) {
  LimitsByAgency settings;
  settings.defaults = {/*publishes_in_flight=*/1, /*open_streams=*/1};
  AgencyLimits limits(std::move(settings));
  auto publish = limits.StartPublish(kPolice);
  auto stream = limits.OpenStream(kPolice);
  ASSERT_TRUE(publish.ok() && stream.ok());

  const auto refused = limits.StartPublish(kPolice).status();
  EXPECT_EQ(refused.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(std::string(refused.message()),
              AllOf(HasSubstr("agency 'police' has 1 publishes waiting for an answer"),
                    HasSubstr("limits.per_agency.publishes_in_flight"),
                    HasSubstr("wait for answers before sending more")));
  const auto closed = limits.OpenStream(kPolice).status();
  EXPECT_EQ(closed.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(std::string(closed.message()),
              AllOf(HasSubstr("agency 'police' has 1 Subscribe streams open"),
                    HasSubstr("limits.per_agency.open_streams"),
                    HasSubstr("close streams it no longer reads")));
}

}  // namespace
}  // namespace safeshare::service
