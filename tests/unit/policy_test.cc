// Unit tests for broker/policy: every flow of the partnership (who publishes
// what, who receives it under which rule, which fields each recipient does
// not get) walked through the example agreements in config/agreements, then
// deny-wins and tie-breaking on agreements written here, the rights the
// agreements grant, and urgent disclosures.
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "broker/policy/agreements.h"
#include "example_policy.h"

namespace safeshare::policy {
namespace {

using ::testing::ElementsAre;

using testing::Agency;
using testing::Example;
using testing::Ids;

// What one agency should get. An empty rule with a reason starting
// "denied" means no rule decided.
struct Expect {
  std::string agency;
  std::string rule;
  std::vector<std::string> withheld;
  std::string reason;
};

struct Flow {
  std::string name;
  std::string publisher;
  std::string type;
  CaseFacts facts;
  std::vector<Expect> expect;  // every agency but the publisher, in config order
};

Expect Ig(const std::string& type) {
  return {"ig",
          "IG-D1",
          {},
          "denied: rule IG-D1 of ISA-IG-00 denies " + type + " to information_governance"};
}

Expect NoAgreement(const std::string& agency, const std::string& role, const std::string& type) {
  return {agency, "", {}, "denied: no agreement shares " + type + " with role " + role};
}

constexpr char kNotInterested[] =
    "denied: rule PRB-R1 applies only to agencies holding an interest in a person it names; "
    "probation is not";

const std::vector<std::string> kOutcomeRedacted = {
    "investigation_outcome.crime_reference",
    "investigation_outcome.disruption_measures.description", "persons_of_concern.identifiers"};
const std::vector<std::string> kMinutesForEducation = {
    "children_considered.identifiers",       "persons_of_concern.identifiers",
    "strategy_minutes.cp_medical_rationale", "strategy_minutes.decisions.rationale",
    "strategy_minutes.format_rationale",     "strategy_minutes.health_absence_reason"};

std::vector<Flow> Flows() {
  const std::string abe = "abe_interview_record", outcome = "investigation_outcome",
                    minutes = "strategy_minutes", risk = "probation_risk_update";
  return {
      {"police ABE record reaches children's social care only",
       "police",
       abe,
       CaseFacts{.engaged = Ids({"cfs", "probation", "health", "education"})},
       {{"cfs", "PCI-R1", {}, "allowed by rule PCI-R1 of agreement ISA-PCI-01 v3 (always shared)"},
        {"probation", "", {}, kNotInterested},
        NoAgreement("health", "health", abe),
        NoAgreement("education", "education", abe),
        Ig(abe),
        NoAgreement("lead", "safeguarding_lead", abe)}},
      {"police outcome: CFS always, engaged health and education without police detail",
       "police",
       outcome,
       CaseFacts{.engaged = Ids({"cfs", "health", "education"})},
       {{"cfs", "PCI-R1", {}, "allowed by rule PCI-R1 of agreement ISA-PCI-01 v3 (always shared)"},
        {"probation", "", {}, kNotInterested},
        {"health", "PCI-R2", kOutcomeRedacted,
         "allowed by rule PCI-R2 of agreement ISA-PCI-01 v3 (engaged with the case)"},
        {"education", "PCI-R2", kOutcomeRedacted,
         "allowed by rule PCI-R2 of agreement ISA-PCI-01 v3 (engaged with the case)"},
        Ig(outcome),
        NoAgreement("lead", "safeguarding_lead", outcome)}},
      {"police outcome on a case nobody is recorded on: still CFS",
       "police",
       outcome,
       CaseFacts{},
       {{"cfs", "PCI-R1", {}, "allowed by rule PCI-R1 of agreement ISA-PCI-01 v3 (always shared)"},
        {"probation", "", {}, kNotInterested},
        {"health",
         "",
         {},
         "denied: rule PCI-R2 applies only to agencies engaged with the case; health is not"},
        {"education",
         "",
         {},
         "denied: rule PCI-R2 applies only to agencies engaged with the case; education is not"},
        Ig(outcome),
        NoAgreement("lead", "safeguarding_lead", outcome)}},
      {"CFS minutes reach every engaged agency, health and education in part",
       "cfs",
       minutes,
       CaseFacts{.engaged = Ids({"police", "probation", "health", "education"})},
       {{"police",
         "SM-R1",
         {},
         "allowed by rule SM-R1 of agreement ISA-SM-01 v2 (engaged with the case)"},
        {"probation",
         "SM-R1",
         {},
         "allowed by rule SM-R1 of agreement ISA-SM-01 v2 (engaged with the case)"},
        {"health",
         "SM-R2",
         {"persons_of_concern.identifiers", "strategy_minutes.decisions.rationale"},
         "allowed by rule SM-R2 of agreement ISA-SM-01 v2 (engaged with the case)"},
        {"education", "SM-R3", kMinutesForEducation,
         "allowed by rule SM-R3 of agreement ISA-SM-01 v2 (engaged with the case)"},
        Ig(minutes),
        NoAgreement("lead", "safeguarding_lead", minutes)}},
      {"CFS minutes with only police engaged",
       "cfs",
       minutes,
       CaseFacts{.engaged = Ids({"police"})},
       {{"police",
         "SM-R1",
         {},
         "allowed by rule SM-R1 of agreement ISA-SM-01 v2 (engaged with the case)"},
        {"probation",
         "",
         {},
         "denied: no rule sharing strategy_minutes with role probation holds for probation "
         "(SM-R1: agencies engaged with the case; PRB-R1: agencies holding an interest in a "
         "person it names)"},
        {"health",
         "",
         {},
         "denied: rule SM-R2 applies only to agencies engaged with the case; health is not"},
        {"education",
         "",
         {},
         "denied: rule SM-R3 applies only to agencies engaged with the case; education is not"},
        Ig(minutes),
        NoAgreement("lead", "safeguarding_lead", minutes)}},
      {"closed case: minutes naming a person probation manages reach probation",
       "cfs",
       minutes,
       CaseFacts{.case_closed = true, .person_interest = Ids({"probation"})},
       {{"police",
         "",
         {},
         "denied: rule SM-R1 applies only to agencies engaged with the case; police is not"},
        {"probation",
         "PRB-R1",
         {"strategy_minutes.cp_medical_rationale"},
         "allowed by rule PRB-R1 of agreement ISA-PRB-01 v1 (holds an interest in a person "
         "named in it)"},
        {"health",
         "",
         {},
         "denied: rule SM-R2 applies only to agencies engaged with the case; health is not"},
        {"education",
         "",
         {},
         "denied: rule SM-R3 applies only to agencies engaged with the case; education is not"},
        Ig(minutes),
        NoAgreement("lead", "safeguarding_lead", minutes)}},
      {"probation engaged and interested: the rule withholding fewer fields decides",
       "cfs",
       minutes,
       CaseFacts{.engaged = Ids({"probation"}), .person_interest = Ids({"probation"})},
       {{"police",
         "",
         {},
         "denied: rule SM-R1 applies only to agencies engaged with the case; police is not"},
        {"probation",
         "SM-R1",
         {},
         "allowed by rule SM-R1 of agreement ISA-SM-01 v2 (engaged with the case)"},
        {"health",
         "",
         {},
         "denied: rule SM-R2 applies only to agencies engaged with the case; health is not"},
        {"education",
         "",
         {},
         "denied: rule SM-R3 applies only to agencies engaged with the case; education is not"},
        Ig(minutes),
        NoAgreement("lead", "safeguarding_lead", minutes)}},
      {"ABE record naming a person probation manages: without the recording pointer",
       "police",
       abe,
       CaseFacts{.engaged = Ids({"cfs"}), .person_interest = Ids({"probation"})},
       {{"cfs", "PCI-R1", {}, "allowed by rule PCI-R1 of agreement ISA-PCI-01 v3 (always shared)"},
        {"probation",
         "PRB-R1",
         {"abe_interview_record.recording"},
         "allowed by rule PRB-R1 of agreement ISA-PRB-01 v1 (holds an interest in a person "
         "named in it)"},
        NoAgreement("health", "health", abe),
        NoAgreement("education", "education", abe),
        Ig(abe),
        NoAgreement("lead", "safeguarding_lead", abe)}},
      {"probation risk update to engaged CFS and police",
       "probation",
       risk,
       CaseFacts{.engaged = Ids({"cfs", "police", "health"})},
       {{"police",
         "PRB-R2",
         {},
         "allowed by rule PRB-R2 of agreement ISA-PRB-01 v1 (engaged with the case)"},
        {"cfs",
         "PRB-R2",
         {},
         "allowed by rule PRB-R2 of agreement ISA-PRB-01 v1 (engaged with the case)"},
        NoAgreement("health", "health", risk),
        NoAgreement("education", "education", risk),
        Ig(risk),
        NoAgreement("lead", "safeguarding_lead", risk)}},
      {"probation risk update reaches CFS and police on every linked case",
       "probation",
       risk,
       CaseFacts{
           .linked_cases = {{AgencyId("cfs"), {CaseRef("CASE-2019/044"), CaseRef("CASE-2022/310")}},
                            {AgencyId("police"), {CaseRef("CASE-2022/310")}}}},
       {{"police",
         "PRB-R3",
         {},
         "allowed by rule PRB-R3 of agreement ISA-PRB-01 v1 (engaged with linked case "
         "CASE-2022/310)"},
        {"cfs",
         "PRB-R3",
         {},
         "allowed by rule PRB-R3 of agreement ISA-PRB-01 v1 (engaged with linked case "
         "CASE-2019/044, CASE-2022/310)"},
        NoAgreement("health", "health", risk),
        NoAgreement("education", "education", risk),
        Ig(risk),
        NoAgreement("lead", "safeguarding_lead", risk)}},
  };
}

TEST(PolicyFlowsTest, EveryFlowOfThePartnershipThroughTheExampleAgreements) {
  for (const auto& flow : Flows()) {
    SCOPED_TRACE(flow.name);
    const auto evaluation = Example().Evaluate(Agency(flow.publisher), flow.type, flow.facts);
    EXPECT_TRUE(evaluation.urgent_status.ok());
    ASSERT_EQ(evaluation.agencies.size(), flow.expect.size());
    for (size_t i = 0; i < flow.expect.size(); ++i) {
      const auto& want = flow.expect[i];
      const auto& got = evaluation.agencies[i];
      SCOPED_TRACE(want.agency);
      EXPECT_EQ(got.agency, AgencyId(want.agency));
      EXPECT_EQ(got.allowed, want.reason.rfind("allowed", 0) == 0);
      EXPECT_FALSE(got.urgent);
      EXPECT_EQ(got.rule, want.rule);
      EXPECT_EQ(got.deciding_rule != nullptr, !want.rule.empty());
      EXPECT_EQ(got.withheld, want.withheld);
      EXPECT_EQ(got.reason, want.reason);
    }
  }
}

TEST(PolicyFlowsTest, AnAllowedDeliveryNamesPurposeLawfulBasisAndAgreementVersion) {
  const auto evaluation =
      Example().Evaluate(Agency("cfs"), "strategy_minutes", CaseFacts{.engaged = Ids({"health"})});
  const auto& health = evaluation.agencies[2];
  ASSERT_EQ(health.agency, AgencyId("health"));
  EXPECT_EQ(health.agreement, "ISA-SM-01");
  EXPECT_EQ(health.agreement_version, "2");
  EXPECT_EQ(health.purpose, "PURPOSE_STRATEGY_DISCUSSION");
  EXPECT_EQ(health.lawful_basis, "legal_obligation");
  EXPECT_EQ(health.deciding_rule, Example().FindRule("SM-R2").rule);

  const auto risk = Example().Evaluate(Agency("probation"), "probation_risk_update",
                                       CaseFacts{.engaged = Ids({"cfs"})});
  EXPECT_EQ(risk.agencies[1].purpose, "PURPOSE_RISK_MANAGEMENT");
  EXPECT_EQ(risk.agencies[1].lawful_basis, "public_task_safeguarding");
  EXPECT_TRUE(risk.agencies[1].linked_cases.empty());  // decided by the engaged rule
}

TEST(PolicyFlowsTest, TraceListsEveryRuleConsideredWithWhetherItHeld) {
  const auto evaluation =
      Example().Evaluate(Agency("cfs"), "strategy_minutes", CaseFacts{.engaged = Ids({"police"})});
  EXPECT_THAT(evaluation.agencies[1].trace,
              ElementsAre("SM-R1 of ISA-SM-01 (allow, engaged): not held",
                          "PRB-R1 of ISA-PRB-01 (allow, person_interest): not held"));
  EXPECT_THAT(evaluation.agencies[4].trace, ElementsAre("IG-D1 of ISA-IG-00 (deny, always): held"));
  EXPECT_TRUE(evaluation.agencies[2].trace.size() == 1);  // SM-R2 only
}

TEST(PolicyFlowsTest, FindRuleReturnsTheRuleAndItsAgreement) {
  const auto ref = Example().FindRule("SM-R3");
  ASSERT_NE(ref.rule, nullptr);
  EXPECT_EQ(ref.agreement->id, "ISA-SM-01");
  EXPECT_EQ(ref.rule->line, 54);  // "  - id: SM-R3" in 20-strategy-minutes.yaml
  EXPECT_EQ(ref.agreement->file.filename(), "20-strategy-minutes.yaml");
  EXPECT_EQ(Example().FindRule("SM-R9").rule, nullptr);
  EXPECT_EQ(Example().FindRule("SM-R9").agreement, nullptr);
}

TEST(PolicyRightsTest, PublishRightsComeFromTheAgreements) {
  const auto& p = Example();
  EXPECT_TRUE(p.MayPublish("police", "abe_interview_record").ok());
  EXPECT_TRUE(p.MayPublish("police", "investigation_outcome").ok());
  EXPECT_TRUE(p.MayPublish("childrens_social_care", "strategy_minutes").ok());
  EXPECT_TRUE(p.MayPublish("probation", "probation_risk_update").ok());
  const auto denied = p.MayPublish("health", "strategy_minutes");
  EXPECT_EQ(denied.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(denied.message(),
            "role health may not publish strategy_minutes: no information-sharing agreement "
            "grants it that right; ask the partnership's information governance lead to add it "
            "to an agreement");
  EXPECT_EQ(p.MayPublish("police", "strategy_minutes").code(), absl::StatusCode::kPermissionDenied);
}

TEST(PolicyRightsTest, CaseAndInterestRightsComeFromTheAgreements) {
  const auto& p = Example();
  EXPECT_TRUE(p.MayManageCases("childrens_social_care").ok());
  EXPECT_EQ(p.MayManageCases("police").message(),
            "role police may not record case engagement or close and reopen cases: no agreement "
            "lists it under manage_cases; ask the partnership's information governance lead");
  EXPECT_TRUE(p.MayRegisterInterests("probation").ok());
  EXPECT_EQ(p.MayRegisterInterests("childrens_social_care").message(),
            "role childrens_social_care may not register interests in persons: no agreement "
            "lists it under register_interests; ask the partnership's information governance "
            "lead");
  EXPECT_EQ(p.MayRegisterInterests("health").code(), absl::StatusCode::kPermissionDenied);
  EXPECT_TRUE(p.MayDiscloseUrgently("police").ok());
  EXPECT_EQ(p.MayDiscloseUrgently("information_governance").message(),
            "role information_governance may not make urgent disclosures: the broker "
            "configuration bars it (urgent_disclosure.barred_roles); ask the partnership's "
            "information governance lead");
}

}  // namespace
}  // namespace safeshare::policy
