// Unit tests for broker/policy and broker/routing: deny by default, and who
// receives (and does not receive) each notification type.
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "broker/policy/sharing_policy.h"
#include "broker/routing/router.h"

namespace safeshare {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// Two police forces, so a rule naming police as both publisher and recipient
// shows the publisher never receives its own notification.
std::vector<config::Agency> Agencies() {
  return {
      {AgencyId("police-a"), "police", "spiffe://t/police-a"},
      {AgencyId("cfs"), "childrens_social_care", "spiffe://t/cfs"},
      {AgencyId("probation"), "probation", "spiffe://t/probation"},
      {AgencyId("police-b"), "police", "spiffe://t/police-b"},
      {AgencyId("health"), "health", "spiffe://t/health"},
  };
}

std::vector<config::SharingRule> Rules() {
  return {
      {"ISA-02",
       "investigation_outcome",
       {"police"},
       {"childrens_social_care", "police"},
       "public_task_safeguarding"},
      {"ISA-03",
       "strategy_minutes",
       {"childrens_social_care"},
       {"police", "health"},
       "legal_obligation"},
      // A later rule for a pair an earlier rule already covers: the first wins.
      {"ISA-09",
       "strategy_minutes",
       {"childrens_social_care"},
       {"health", "probation"},
       "public_task_safeguarding"},
  };
}

struct RouteView {
  std::string recipient, rule, lawful_basis;
  bool operator==(const RouteView&) const = default;
};

std::vector<RouteView> Routes(const routing::RoutingDecision& decision) {
  std::vector<RouteView> out;
  for (const auto& r : decision.routes)
    out.push_back({r.recipient.value(), r.rule, r.lawful_basis});
  return out;
}

std::vector<std::string> Withheld(const routing::RoutingDecision& decision) {
  std::vector<std::string> out;
  for (const auto& a : decision.withheld) out.push_back(a.value());
  return out;
}

class PolicyTest : public ::testing::Test {
 protected:
  policy::SharingPolicy policy_{Agencies(), Rules()};
};

TEST_F(PolicyTest, MayPublishAllowsListedRoleAndType) {
  EXPECT_TRUE(policy_.MayPublish("police", "investigation_outcome").ok());
  EXPECT_TRUE(policy_.MayPublish("childrens_social_care", "strategy_minutes").ok());
}

TEST_F(PolicyTest, MayPublishDeniesRoleNotNamedForType) {
  auto status = policy_.MayPublish("probation", "investigation_outcome");
  EXPECT_EQ(status.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(std::string(status.message()), HasSubstr("'probation'"));
  EXPECT_THAT(std::string(status.message()), HasSubstr("investigation_outcome"));
}

TEST_F(PolicyTest, MayPublishDeniesRecipientRoleAsPublisher) {
  // police may receive strategy minutes but not publish them.
  EXPECT_EQ(policy_.MayPublish("police", "strategy_minutes").code(),
            absl::StatusCode::kPermissionDenied);
}

TEST_F(PolicyTest, MayPublishDeniesTypeNoRuleNames) {
  EXPECT_EQ(policy_.MayPublish("police", "abe_interview_record").code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(policy_.MayPublish("police", "no_such_type").code(),
            absl::StatusCode::kPermissionDenied);
}

TEST(PolicyEmptyTest, NoRulesDeniesEverything) {
  const policy::SharingPolicy policy(Agencies(), {});
  EXPECT_EQ(policy.MayPublish("childrens_social_care", "strategy_minutes").code(),
            absl::StatusCode::kPermissionDenied);
}

TEST_F(PolicyTest, RecipientRuleReturnsFirstMatchingRule) {
  const auto* rule = policy_.RecipientRule("strategy_minutes", "childrens_social_care", "health");
  ASSERT_NE(rule, nullptr);
  EXPECT_EQ(rule->id, "ISA-03");
  EXPECT_EQ(policy_.RecipientRule("strategy_minutes", "police", "health"), nullptr);
  EXPECT_EQ(policy_.RecipientRule("strategy_minutes", "childrens_social_care", "education"),
            nullptr);
}

TEST_F(PolicyTest, RouterSendsStrategyMinutesToEveryNamedRoleWithRule) {
  const routing::Router router(policy_);
  const auto& decision = router.Decide(AgencyId("cfs"), "strategy_minutes");
  EXPECT_THAT(Routes(decision),
              ElementsAre(RouteView{"police-a", "ISA-03", "legal_obligation"},
                          RouteView{"probation", "ISA-09", "public_task_safeguarding"},
                          RouteView{"police-b", "ISA-03", "legal_obligation"},
                          RouteView{"health", "ISA-03", "legal_obligation"}));
  EXPECT_THAT(Withheld(decision), IsEmpty());
}

TEST_F(PolicyTest, RouterNeverRoutesToPublisherAndListsOthersAsWithheld) {
  const routing::Router router(policy_);
  const auto& decision = router.Decide(AgencyId("police-a"), "investigation_outcome");
  EXPECT_THAT(Routes(decision),
              ElementsAre(RouteView{"cfs", "ISA-02", "public_task_safeguarding"},
                          RouteView{"police-b", "ISA-02", "public_task_safeguarding"}));
  EXPECT_THAT(Withheld(decision), ElementsAre("probation", "health"));
}

TEST_F(PolicyTest, RouterIsSymmetricForTheOtherForce) {
  const routing::Router router(policy_);
  const auto& decision = router.Decide(AgencyId("police-b"), "investigation_outcome");
  EXPECT_THAT(Routes(decision),
              ElementsAre(RouteView{"police-a", "ISA-02", "public_task_safeguarding"},
                          RouteView{"cfs", "ISA-02", "public_task_safeguarding"}));
  EXPECT_THAT(Withheld(decision), ElementsAre("probation", "health"));
}

TEST_F(PolicyTest, RouterWithholdsFromEveryoneWhenNoRuleNamesThePair) {
  const routing::Router router(policy_);
  const auto& decision = router.Decide(AgencyId("probation"), "probation_risk_update");
  EXPECT_THAT(Routes(decision), IsEmpty());
  EXPECT_THAT(Withheld(decision), ElementsAre("police-a", "cfs", "police-b", "health"));
}

TEST_F(PolicyTest, RouterRoutesNowhereForUnknownPublisherOrType) {
  const routing::Router router(policy_);
  EXPECT_THAT(Routes(router.Decide(AgencyId("press"), "strategy_minutes")), IsEmpty());
  EXPECT_THAT(Routes(router.Decide(AgencyId("cfs"), "no_such_type")), IsEmpty());
}

// BUG (latent; broker/policy/sharing_policy.h:38 with sharing_policy.cc:13):
// by_key_ holds pointers into rules_, but SharingPolicy keeps the implicit
// copy constructor, so a copy's RecipientRule() answers rules owned by the
// original, dangling once the original is destroyed. main.cc does not copy
// it today. Enable once copying rebuilds by_key_ or is deleted.
TEST(PolicyCopyTest, CopyAnswersFromItsOwnRules) {
  const policy::SharingPolicy original(Agencies(), Rules());
  // NOLINTNEXTLINE(performance-unnecessary-copy-initialization): the copy is the subject
  const policy::SharingPolicy copy = original;
  EXPECT_NE(copy.RecipientRule("strategy_minutes", "childrens_social_care", "health"),
            original.RecipientRule("strategy_minutes", "childrens_social_care", "health"));
}

}  // namespace
}  // namespace safeshare
