// Unit tests for broker/policy decisions beyond the example flows: an
// explicit deny overrides any allow, the allow withholding fewest fields
// decides (ties: file then rule order), and urgent disclosures.
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "broker/policy/agreements.h"
#include "example_policy.h"
#include "temp_dir.h"

namespace safeshare::policy {
namespace {

using testing::Agency;
using ::testing::ElementsAre;
using testing::Example;
using ::testing::HasSubstr;
using testing::Ids;
using ::testing::Not;

const std::vector<config::Agency> kAgencies = {
    {AgencyId("cfs"), "childrens_social_care", "spiffe://t/cfs"},
    {AgencyId("school"), "education", "spiffe://t/school"}};

// An agreement letting children's social care share minutes with education
// under `rules` (YAML list items, indented by two spaces).
std::string Agreement(const std::string& id, const std::string& rules) {
  return "id: " + id +
         "\ntitle: Test\nversion: 1\nparties: [childrens_social_care, education]\n"
         "lawful_basis: legal_obligation\nreview_date: 2030-01-01\n"
         "publish:\n  childrens_social_care: [strategy_minutes]\nrules:\n" +
         rules;
}

std::string Allow(const std::string& id, const std::string& condition,
                  const std::vector<std::string>& withheld) {
  std::string rule = "  - id: " + id +
                     "\n    types: [strategy_minutes]\n    recipients: [education]\n"
                     "    condition: " +
                     condition + "\n    purpose: strategy_discussion\n";
  if (!withheld.empty()) rule += "    withheld:\n";
  for (const auto& path : withheld) rule += "      - " + path + "\n";
  return rule;
}

std::string Deny(const std::string& id, const std::string& condition) {
  return "  - id: " + id +
         "\n    effect: deny\n    types: [strategy_minutes]\n    recipients: [education]\n"
         "    condition: " +
         condition + "\n";
}

// The decision for the school on minutes from cfs under the files of `dir`.
AgencyDecision School(const ::safeshare::testing::TempDir& dir, const CaseFacts& facts) {
  auto set = LoadAgreements(dir.path(), "2026-01-01");
  EXPECT_TRUE(set.ok()) << set.status();
  if (!set.ok()) return {};
  const Policy policy(*std::move(set), kAgencies, {});
  return policy.Evaluate(kAgencies[0], "strategy_minutes", facts).agencies.at(0);
}

TEST(DenyWinsTest, AHeldDenyRuleOverridesEveryAllow) {
  const ::safeshare::testing::TempDir dir("deny");
  dir.Write("a.yaml",
            Agreement("ISA-A", Allow("A-R1", "always", {}) + Allow("A-R2", "engaged", {})));
  dir.Write("b.yaml", Agreement("ISA-B", Deny("B-D1", "engaged")));

  const auto denied = School(dir, CaseFacts{.engaged = Ids({"school"})});
  EXPECT_FALSE(denied.allowed);
  EXPECT_EQ(denied.rule, "B-D1");
  EXPECT_EQ(denied.agreement, "ISA-B");
  EXPECT_TRUE(denied.purpose.empty());
  EXPECT_EQ(denied.reason, "denied: rule B-D1 of ISA-B denies strategy_minutes to education");
  EXPECT_THAT(denied.trace, ElementsAre("A-R1 of ISA-A (allow, always): held",
                                        "A-R2 of ISA-A (allow, engaged): held",
                                        "B-D1 of ISA-B (deny, engaged): held"));

  // The deny's condition does not hold: the allow decides.
  const auto allowed = School(dir, CaseFacts{});
  EXPECT_TRUE(allowed.allowed);
  EXPECT_EQ(allowed.rule, "A-R1");
}

TEST(FewestWithheldTest, TheAllowWithholdingFewestFieldsDecides) {
  const ::safeshare::testing::TempDir dir("fewest");
  dir.Write("a.yaml", Agreement("ISA-A", Allow("A-R1", "always",
                                               {"strategy_minutes.decisions.rationale",
                                                "strategy_minutes.actions"})));
  dir.Write("b.yaml",
            Agreement("ISA-B", Allow("B-R1", "engaged", {"strategy_minutes.decisions.rationale"})));
  const auto engaged = School(dir, CaseFacts{.engaged = Ids({"school"})});
  EXPECT_EQ(engaged.rule, "B-R1");
  EXPECT_THAT(engaged.withheld, ElementsAre("strategy_minutes.decisions.rationale"));
  const auto not_engaged = School(dir, CaseFacts{});
  EXPECT_EQ(not_engaged.rule, "A-R1");
  EXPECT_THAT(not_engaged.withheld,
              ElementsAre("strategy_minutes.actions", "strategy_minutes.decisions.rationale"));
}

TEST(FewestWithheldTest, TiesGoToTheEarlierFileThenTheEarlierRule) {
  const ::safeshare::testing::TempDir dir("ties");
  // File names, not agreement ids, give the order.
  dir.Write("2-later.yaml",
            Agreement("ISA-A", Allow("A-R1", "always", {"strategy_minutes.actions"})));
  dir.Write("1-first.yml",
            Agreement("ISA-Z", Allow("Z-R1", "always", {"strategy_minutes.attendees"}) +
                                   Allow("Z-R2", "always", {"strategy_minutes.held_at"})));
  const auto decision = School(dir, CaseFacts{});
  EXPECT_EQ(decision.rule, "Z-R1");
  EXPECT_THAT(decision.withheld, ElementsAre("strategy_minutes.attendees"));
}

// --- urgent disclosures -----------------------------------------------------

constexpr char kReason[] = "Child disclosed at school this morning; DSL must act before 3pm";

Evaluation Outcome(const std::string& publisher, const UrgentDisclosure& urgent) {
  return Example().Evaluate(Agency(publisher), "investigation_outcome", CaseFacts{}, &urgent);
}

TEST(UrgentDisclosureTest, AllowsOneRecipientNoRuleCoversWithNothingWithheld) {
  const auto evaluation = Outcome("police", {AgencyId("education"), kReason});
  ASSERT_TRUE(evaluation.urgent_status.ok()) << evaluation.urgent_status;
  const auto& education = evaluation.agencies[3];
  ASSERT_EQ(education.agency, AgencyId("education"));
  EXPECT_TRUE(education.allowed);
  EXPECT_TRUE(education.urgent);
  EXPECT_TRUE(education.withheld.empty());
  EXPECT_TRUE(education.rule.empty());
  EXPECT_EQ(education.reason,
            "allowed as an urgent disclosure by police: no rule shares investigation_outcome "
            "with role education; the publisher's reason is recorded");
  EXPECT_FALSE(evaluation.agencies[2].allowed);  // health: only the named recipient
}

// Refused disclosures leave every agency as the rules decided.
TEST(UrgentDisclosureTest, RefusalsForAnAllowedRecipientADenyRuleOrABarredPublisher) {
  struct Case {
    std::string publisher, recipient;
    absl::StatusCode code;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"police", "cfs", absl::StatusCode::kFailedPrecondition,
       "urgent_disclosure.recipient: rule PCI-R1 already allows investigation_outcome to cfs; "
       "publish without urgent_disclosure"},
      {"police", "ig", absl::StatusCode::kPermissionDenied,
       "urgent_disclosure.recipient: rule IG-D1 of agreement ISA-IG-00 denies "
       "investigation_outcome to role information_governance, and a deny rule wins over an "
       "urgent disclosure; ask the partnership's information governance lead"},
      {"ig", "education", absl::StatusCode::kPermissionDenied,
       "urgent_disclosure: role information_governance may not make urgent disclosures: the "
       "broker configuration bars it (urgent_disclosure.barred_roles); ask the partnership's "
       "information governance lead"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.publisher + " to " + c.recipient);
    const auto evaluation = Outcome(c.publisher, {AgencyId(c.recipient), kReason});
    EXPECT_EQ(evaluation.urgent_status.code(), c.code);
    EXPECT_EQ(evaluation.urgent_status.message(), c.message);
    const auto plain =
        Example().Evaluate(Agency(c.publisher), "investigation_outcome", CaseFacts{});
    for (size_t i = 0; i < plain.agencies.size(); ++i) {
      EXPECT_EQ(evaluation.agencies[i].allowed, plain.agencies[i].allowed);
      EXPECT_EQ(evaluation.agencies[i].reason, plain.agencies[i].reason);
      EXPECT_FALSE(evaluation.agencies[i].urgent);
    }
  }
}

TEST(UrgentDisclosureTest, BadRecipientOrReasonIsInvalidArgumentWithoutTheReasonText) {
  struct Case {
    UrgentDisclosure urgent;
    std::string message;
  };
  const std::string reason_501(501, 'x');
  const std::vector<Case> cases = {
      {{AgencyId("nobody"), kReason},
       "urgent_disclosure.recipient: no agency 'nobody' in the partnership; name an agency id "
       "of the broker configuration"},
      {{AgencyId("police"), kReason},
       "urgent_disclosure.recipient: the publisher cannot disclose to itself"},
      {{AgencyId("education"), ""},
       "urgent_disclosure.reason: required, 1 to 500 characters saying why the disclosure "
       "cannot wait (it has 0)"},
      {{AgencyId("education"), "   \t "},
       "urgent_disclosure.reason: required, 1 to 500 characters saying why the disclosure "
       "cannot wait (it has 5, all blank)"},
      {{AgencyId("education"), reason_501},
       "urgent_disclosure.reason: required, 1 to 500 characters saying why the disclosure "
       "cannot wait (it has 501)"},
  };
  for (const auto& c : cases) {
    const auto evaluation = Outcome("police", c.urgent);
    EXPECT_EQ(evaluation.urgent_status.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(evaluation.urgent_status.message(), c.message);
    EXPECT_THAT(std::string(evaluation.urgent_status.message()), Not(HasSubstr("morning")));
  }
  // 500 characters of two bytes each are 500 characters, not 1000.
  std::string accented;
  for (int i = 0; i < 500; ++i) accented += "\xc3\xa9";
  EXPECT_TRUE(Outcome("police", {AgencyId("education"), accented}).urgent_status.ok());
}

}  // namespace
}  // namespace safeshare::policy
