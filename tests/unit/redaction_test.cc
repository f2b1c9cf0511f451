// Unit tests for Withhold and NamedIdentifiers: reflection over real
// notifications, through repeated message fields, never creating what was
// not there; and ParseFieldPath's descriptors.
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include "broker/policy/agreements.h"
#include "example_policy.h"
#include "sample_notifications.h"

namespace safeshare::policy {
namespace {

using google::protobuf::util::MessageDifferencer;
using ::testing::ElementsAre;
using ::testing::Pair;

std::vector<FieldPath> Paths(const std::vector<std::string>& texts) {
  std::vector<FieldPath> paths;
  for (const auto& text : texts) {
    auto path = ParseFieldPath(text);
    EXPECT_TRUE(path.ok()) << text << ": " << path.status();
    if (path.ok()) paths.push_back(*std::move(path));
  }
  return paths;
}

// Minutes with two decisions and a person with identifiers, so each path
// goes through more than one element of a repeated field.
v1::Notification Minutes() {
  auto n = samples::StrategyMinutes();
  auto* second = n.mutable_strategy_minutes()->add_decisions();
  second->set_kind(v1::DECISION_KIND_CP_MEDICAL);
  second->set_summary("CP medical for C1");
  second->set_rationale("Disclosure of recent abuse");
  auto* p1 = n.mutable_persons_of_concern(0);
  auto* pnc = p1->add_identifiers();
  pnc->set_scheme(v1::IDENTIFIER_SCHEME_PNC_NUMBER);
  pnc->set_value("2001/123456A");
  auto* p2 = n.add_persons_of_concern();
  p2->set_person_ref("P2");
  auto* crn = p2->add_identifiers();
  crn->set_scheme(v1::IDENTIFIER_SCHEME_NDELIUS_CRN);
  crn->set_value("X123456");
  return n;
}

TEST(WithholdTest, ClearsEveryElementOfNestedRepeatedFieldsAndNothingElse) {
  auto n = Minutes();
  Withhold(Paths({"strategy_minutes.decisions.rationale", "persons_of_concern.identifiers",
                  "children_considered.date_of_birth"}),
           n);
  auto expected = Minutes();
  for (auto& d : *expected.mutable_strategy_minutes()->mutable_decisions()) d.clear_rationale();
  for (auto& p : *expected.mutable_persons_of_concern()) p.clear_identifiers();
  for (auto& c : *expected.mutable_children_considered()) c.clear_date_of_birth();
  EXPECT_TRUE(MessageDifferencer::Equals(n, expected)) << n.DebugString();
  EXPECT_EQ(n.strategy_minutes().decisions(1).summary(), "CP medical for C1");
  EXPECT_EQ(n.children_considered(0).identifiers_size(), 1);  // not withheld
}

TEST(WithholdTest, APathIntoAnotherPayloadCreatesNothing) {
  auto n = samples::InvestigationOutcome();
  const auto before = n;
  Withhold(Paths({"strategy_minutes.decisions.rationale", "abe_interview_record.recording"}), n);
  EXPECT_TRUE(MessageDifferencer::Equals(n, before));
  EXPECT_EQ(n.payload_case(), v1::Notification::kInvestigationOutcome);
}

TEST(WithholdTest, ClearingAOneofMemberClearsTheOneofOnlyWhenItIsSet) {
  // Whole payloads are refused in agreements; Withhold itself still clears
  // a oneof member by reflection like any field.
  const FieldPath minutes{"strategy_minutes",
                          {v1::Notification::descriptor()->FindFieldByName("strategy_minutes")}};
  auto outcome = samples::InvestigationOutcome();
  Withhold({minutes}, outcome);
  EXPECT_EQ(outcome.payload_case(), v1::Notification::kInvestigationOutcome);
  auto n = samples::StrategyMinutes();
  Withhold({minutes}, n);
  EXPECT_EQ(n.payload_case(), v1::Notification::PAYLOAD_NOT_SET);
}

TEST(WithholdTest, RepeatedMessagesInsideAPayload) {
  auto n = samples::InvestigationOutcome();
  for (const auto kind :
       {v1::DISRUPTION_KIND_BAIL_CONDITIONS, v1::DISRUPTION_KIND_SEXUAL_RISK_ORDER}) {
    auto* measure = n.mutable_investigation_outcome()->add_disruption_measures();
    measure->set_kind(kind);
    measure->set_description("No contact with the children");
  }
  Withhold(Paths({"investigation_outcome.disruption_measures.description"}), n);
  ASSERT_EQ(n.investigation_outcome().disruption_measures_size(), 2);
  for (const auto& m : n.investigation_outcome().disruption_measures()) {
    EXPECT_TRUE(m.description().empty());
    EXPECT_NE(m.kind(), v1::DISRUPTION_KIND_UNSPECIFIED);  // the kind of measure stays
  }
}

TEST(WithholdTest, EducationGetsTheMinutesWithoutWhatSMR3Withholds) {
  const auto* rule = testing::Example().FindRule("SM-R3").rule;
  ASSERT_NE(rule, nullptr);
  auto n = Minutes();
  n.mutable_strategy_minutes()->set_health_absence_reason("n/a");
  Withhold(rule->withheld, n);
  EXPECT_TRUE(n.children_considered(0).identifiers().empty());
  EXPECT_TRUE(n.persons_of_concern(1).identifiers().empty());
  EXPECT_TRUE(n.strategy_minutes().cp_medical_rationale().empty());
  EXPECT_TRUE(n.strategy_minutes().health_absence_reason().empty());
  EXPECT_TRUE(n.strategy_minutes().decisions(0).rationale().empty());
  EXPECT_EQ(n.strategy_minutes().decisions(0).summary(), "Section 47 enquiry for both children");
  EXPECT_EQ(n.persons_of_concern(0).role(), v1::PERSON_ROLE_ALLEGED_PERPETRATOR);
  EXPECT_EQ(n.case_ref(), "CASE-2024/001");
  EXPECT_EQ(n.strategy_minutes().actions_size(), 1);
}

TEST(NamedIdentifiersTest, EveryIdentifierAnywhereOnceWithoutEmptyValues) {
  auto n = samples::ProbationRiskUpdate();  // C1's NHS number, the CRN in the payload
  auto* p1 = n.mutable_persons_of_concern(0);
  auto* pnc = p1->add_identifiers();
  pnc->set_scheme(v1::IDENTIFIER_SCHEME_PNC_NUMBER);
  pnc->set_value("2001/123456A");
  auto* same_crn = p1->add_identifiers();
  same_crn->set_scheme(v1::IDENTIFIER_SCHEME_NDELIUS_CRN);
  same_crn->set_value("X123456");
  p1->add_identifiers()->set_scheme(v1::IDENTIFIER_SCHEME_POLICE_LOCAL);  // empty value
  auto* blank = p1->add_identifiers();  // names nobody: would match every other blank
  blank->set_scheme(v1::IDENTIFIER_SCHEME_NDELIUS_CRN);
  blank->set_value("  \t ");
  EXPECT_THAT(NamedIdentifiers(n), ElementsAre(Pair("IDENTIFIER_SCHEME_NHS_NUMBER", "9434765919"),
                                               Pair("IDENTIFIER_SCHEME_PNC_NUMBER", "2001/123456A"),
                                               Pair("IDENTIFIER_SCHEME_NDELIUS_CRN", "X123456")));
  EXPECT_TRUE(NamedIdentifiers(v1::Notification()).empty());
}

TEST(ParseFieldPathTest, ResolvesDescriptorsFromRootToLeaf) {
  auto path = ParseFieldPath("persons_of_concern.identifiers.value");
  ASSERT_TRUE(path.ok()) << path.status();
  ASSERT_EQ(path->fields.size(), 3u);
  EXPECT_EQ(path->fields[0]->full_name(), "safeshare.v1.Notification.persons_of_concern");
  EXPECT_EQ(path->fields[2]->full_name(), "safeshare.v1.PersonIdentifier.value");
  EXPECT_TRUE(AppliesTo(*path, "strategy_minutes"));
  auto payload = ParseFieldPath("abe_interview_record.recording");
  ASSERT_TRUE(payload.ok());
  EXPECT_TRUE(AppliesTo(*payload, "abe_interview_record"));
  EXPECT_FALSE(AppliesTo(*payload, "strategy_minutes"));
  EXPECT_FALSE(ParseFieldPath("").ok());
  EXPECT_FALSE(ParseFieldPath("publisher").ok());
}

}  // namespace
}  // namespace safeshare::policy
