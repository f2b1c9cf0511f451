// Unit tests for the announcement of a commit to the other brokers on a
// shared database (broker/store/database.h): what it says, and that a
// change list too long for one NOTIFY becomes "reread everything".
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "broker/store/database.h"

namespace safeshare::store {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(CommitAnnouncementTest, SaysTheSequenceTheAgenciesAndTheRoutingChanges) {
  RoutingChanges routing;
  routing.cases = {CaseRef("CASE-2026-0042"), CaseRef("CASE-7")};
  routing.persons = {"a1b2", "c3d4"};
  const std::string text =
      CommitAnnouncement("origin-a", Sequence(17), {AgencyId("cfs"), AgencyId("police")}, routing);
  EXPECT_EQ(text, "origin-a 17 cfs,police CASE-2026-0042,CASE-7 a1b2,c3d4");
  const auto read = ReadAnnouncement(text, "origin-b");
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(read->through, Sequence(17));
  EXPECT_THAT(read->agencies, ElementsAre(AgencyId("cfs"), AgencyId("police")));
  EXPECT_EQ(read->routing.cases, routing.cases);
  EXPECT_EQ(read->routing.persons, routing.persons);
  EXPECT_FALSE(read->routing.everything);
  EXPECT_FALSE(ReadAnnouncement(text, "origin-a").has_value());  // its own
}

TEST(CommitAnnouncementTest, ARoutingChangeWithoutNotificationsIsAnnouncedWithEmptyLists) {
  RoutingChanges routing;
  routing.persons = {"a1b2"};
  const std::string text = CommitAnnouncement("o", Sequence(3), {}, routing);
  EXPECT_EQ(text, "o 3   a1b2");
  const auto read = ReadAnnouncement(text, "x");
  ASSERT_TRUE(read.has_value());
  EXPECT_THAT(read->agencies, IsEmpty());
  EXPECT_THAT(read->routing.cases, IsEmpty());
  EXPECT_THAT(read->routing.persons, ElementsAre("a1b2"));
}

TEST(CommitAnnouncementTest, TooManyChangesOrAnUnlistableOneMeanRereadEverything) {
  RoutingChanges many;
  for (int i = 0; i < 200; ++i) many.persons.insert(std::string(64, 'a') + std::to_string(i));
  const std::string text = CommitAnnouncement("o", Sequence(9), {AgencyId("cfs")}, many);
  EXPECT_LE(text.size(), kMaxAnnouncement);
  EXPECT_EQ(text, "o 9 cfs * *");
  const auto read = ReadAnnouncement(text, "x");
  ASSERT_TRUE(read.has_value());
  EXPECT_TRUE(read->routing.everything);
  EXPECT_THAT(read->agencies, ElementsAre(AgencyId("cfs")));

  RoutingChanges odd;
  odd.cases = {CaseRef("has space")};
  EXPECT_EQ(CommitAnnouncement("o", Sequence(9), {}, odd), "o 9  * *");
}

TEST(CommitAnnouncementTest, AnAnnouncementOfAnOlderBrokerOrNoneAtAllIsReadAsSuch) {
  const auto older = ReadAnnouncement("o 5 cfs", "x");  // before routing changes were announced
  ASSERT_TRUE(older.has_value());
  EXPECT_EQ(older->through, Sequence(5));
  EXPECT_TRUE(older->routing.empty());
  EXPECT_FALSE(ReadAnnouncement("o five cfs", "x").has_value());
  EXPECT_FALSE(ReadAnnouncement("just text", "x").has_value());
  EXPECT_FALSE(ReadAnnouncement("", "x").has_value());
}

}  // namespace
}  // namespace safeshare::store
