// Unit tests for broker/routing's CaseDirectory: the facts a decision rests
// on (engagement, person interests, linked cases).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "broker/routing/case_directory.h"

namespace safeshare::routing {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Pair;

const AgencyId kPolice("police"), kCfs("cfs"), kProbation("probation"), kHealth("health");

TEST(CaseDirectoryTest, AnUnknownCaseHasNoEngagementAndIsOpen) {
  const CaseDirectory cases;
  const auto facts = cases.Facts(CaseRef("C-1"), {"h1"});
  EXPECT_FALSE(facts.case_closed);
  EXPECT_THAT(facts.engaged, IsEmpty());
  EXPECT_THAT(facts.person_interest, IsEmpty());
  EXPECT_THAT(facts.linked_cases, IsEmpty());
}

TEST(CaseDirectoryTest, EngagementAndStatusAreThoseLastSetPlusMinutesEngagements) {
  CaseDirectory cases;
  cases.SetCase(CaseRef("C-1"), /*closed=*/true, {kPolice});
  cases.Engage(CaseRef("C-1"), {kHealth});
  const auto facts = cases.Facts(CaseRef("C-1"), {});
  EXPECT_TRUE(facts.case_closed);
  EXPECT_THAT(facts.engaged, ElementsAre(kHealth, kPolice));
  cases.SetCase(CaseRef("C-1"), /*closed=*/false, {kCfs});
  EXPECT_THAT(cases.Facts(CaseRef("C-1"), {}).engaged, ElementsAre(kCfs));
}

TEST(CaseDirectoryTest, InterestsMatchByHashAndCanBeWithdrawn) {
  CaseDirectory cases;
  cases.SetInterest(kProbation, {"h1", "h2"}, /*withdraw=*/false);
  EXPECT_THAT(cases.Facts(CaseRef("C-9"), {"h2"}).person_interest, ElementsAre(kProbation));
  EXPECT_THAT(cases.Facts(CaseRef("C-9"), {"h3"}).person_interest, IsEmpty());
  cases.SetInterest(kProbation, {"h2"}, /*withdraw=*/true);
  EXPECT_THAT(cases.Facts(CaseRef("C-9"), {"h2"}).person_interest, IsEmpty());
  EXPECT_THAT(cases.Facts(CaseRef("C-9"), {"h1"}).person_interest, ElementsAre(kProbation));
}

TEST(CaseDirectoryTest, LinkedCasesAreOtherCasesThePersonWasNamedOnWithTheirEngagedAgencies) {
  CaseDirectory cases;
  cases.SetCase(CaseRef("OLD-1"), /*closed=*/true, {kCfs, kPolice});
  cases.SetCase(CaseRef("OLD-2"), /*closed=*/false, {kCfs});
  cases.Link({"h1"}, CaseRef("OLD-1"));
  cases.Link({"h1"}, CaseRef("OLD-2"));
  cases.Link({"h1"}, CaseRef("NEW"));
  cases.Link({"h2"}, CaseRef("UNRELATED"));
  const auto facts = cases.Facts(CaseRef("NEW"), {"h1"});
  EXPECT_THAT(facts.linked_cases,
              ElementsAre(Pair(kCfs, ElementsAre(CaseRef("OLD-1"), CaseRef("OLD-2"))),
                          Pair(kPolice, ElementsAre(CaseRef("OLD-1")))));
  // The case itself is not linked to itself.
  EXPECT_THAT(cases.Facts(CaseRef("OLD-2"), {"h1"}).linked_cases,
              ElementsAre(Pair(kCfs, ElementsAre(CaseRef("OLD-1"))),
                          Pair(kPolice, ElementsAre(CaseRef("OLD-1")))));
}

}  // namespace
}  // namespace safeshare::routing
