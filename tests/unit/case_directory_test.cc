// Unit tests for broker/routing's CaseDirectory: the facts a decision rests
// on (engagement, person interests, linked cases).
#include <thread>

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

TEST(CaseDirectoryTest, ARefreshReplacesWhatItRereadAndLeavesTheRest) {
  CaseDirectory cases;
  cases.SetCase(CaseRef("C-1"), /*closed=*/false, {kPolice});
  cases.SetCase(CaseRef("C-2"), /*closed=*/false, {kCfs});
  cases.SetInterest(kProbation, {"h1", "h2"}, /*withdraw=*/false);
  cases.Link({"h1"}, CaseRef("C-2"));
  ASSERT_TRUE(cases
                  .Refresh([] {
                    CaseDirectory::Reread facts;
                    facts.cases.push_back({CaseRef("C-1"), /*closed=*/true, {kHealth}});
                    facts.interests["h1"] = {};                   // withdrawn elsewhere
                    facts.person_cases["h1"] = {CaseRef("C-3")};  // named on a new case
                    return absl::StatusOr<CaseDirectory::Reread>(std::move(facts));
                  })
                  .ok());
  const auto one = cases.Facts(CaseRef("C-1"), {"h1", "h2"});
  EXPECT_TRUE(one.case_closed);
  EXPECT_THAT(one.engaged, ElementsAre(kHealth));
  EXPECT_THAT(one.person_interest, ElementsAre(kProbation));  // h2's, not reread
  EXPECT_THAT(cases.Facts(CaseRef("C-2"), {}).engaged, ElementsAre(kCfs));
  EXPECT_THAT(cases.Facts(CaseRef("C-9"), {"h1"}).linked_cases, IsEmpty());  // C-3: nobody engaged

  EXPECT_EQ(
      cases
          .Refresh([] {
            return absl::StatusOr<CaseDirectory::Reread>(absl::UnavailableError("database gone"));
          })
          .code(),
      absl::StatusCode::kUnavailable);
  EXPECT_TRUE(cases.Facts(CaseRef("C-1"), {}).case_closed);  // a failed read changes nothing

  ASSERT_TRUE(cases
                  .Refresh([] {
                    CaseDirectory::Reread facts;
                    facts.everything = true;
                    facts.cases.push_back({CaseRef("C-2"), /*closed=*/false, {kPolice}});
                    return absl::StatusOr<CaseDirectory::Reread>(std::move(facts));
                  })
                  .ok());
  EXPECT_THAT(cases.Facts(CaseRef("C-1"), {}).engaged, IsEmpty());
  EXPECT_THAT(cases.Facts(CaseRef("C-2"), {"h2"}).engaged, ElementsAre(kPolice));
  EXPECT_THAT(cases.Facts(CaseRef("C-2"), {"h2"}).person_interest, IsEmpty());
}

// A change made while a refresh reads waits for it and lands on top, so the
// older facts the read returns never overwrite it.
TEST(CaseDirectoryTest, AChangeDuringARefreshLandsAfterIt) {
  CaseDirectory cases;
  std::thread change;
  ASSERT_TRUE(cases
                  .Refresh([&] {
                    change = std::thread([&] { cases.Engage(CaseRef("C-1"), {kHealth}); });
                    std::this_thread::sleep_for(std::chrono::milliseconds(50));
                    CaseDirectory::Reread facts;
                    facts.cases.push_back({CaseRef("C-1"), /*closed=*/false, {kPolice}});
                    return absl::StatusOr<CaseDirectory::Reread>(std::move(facts));
                  })
                  .ok());
  change.join();
  EXPECT_THAT(cases.Facts(CaseRef("C-1"), {}).engaged, ElementsAre(kHealth, kPolice));
}

}  // namespace
}  // namespace safeshare::routing
