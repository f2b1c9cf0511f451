// Unit tests for broker/schema: a valid notification of each payload type
// passes, and each rule refuses with the exact field path in the message.
#include <string>

#include <google/protobuf/unknown_field_set.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "broker/schema/notification_validator.h"
#include "tests/unit/sample_notifications.h"

namespace safeshare::schema {
namespace {

using samples::AbeInterviewRecord;
using samples::Envelope;
using samples::InvestigationOutcome;
using samples::ProbationRiskUpdate;
using samples::StrategyMinutes;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

// Expects INVALID_ARGUMENT whose message starts with "<path>: ".
void ExpectRefused(const v1::Notification& n, const std::string& path,
                   const std::string& message_part = "") {
  const auto status = ValidateForPublish(n);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_THAT(std::string(status.message()), StartsWith(path + ": "));
  EXPECT_THAT(std::string(status.message()), HasSubstr(message_part));
}

TEST(ValidateForPublishTest, ValidNotificationOfEachTypePasses) {
  EXPECT_TRUE(ValidateForPublish(StrategyMinutes()).ok()) << ValidateForPublish(StrategyMinutes());
  EXPECT_TRUE(ValidateForPublish(AbeInterviewRecord()).ok())
      << ValidateForPublish(AbeInterviewRecord());
  EXPECT_TRUE(ValidateForPublish(InvestigationOutcome()).ok())
      << ValidateForPublish(InvestigationOutcome());
  EXPECT_TRUE(ValidateForPublish(ProbationRiskUpdate()).ok())
      << ValidateForPublish(ProbationRiskUpdate());
}

// --- only what the contract defines ------------------------------------------

TEST(ContractTest, UnknownTopLevelFieldIsRefusedWithoutEchoingIt) {
  auto n = StrategyMinutes();
  n.GetReflection()->MutableUnknownFields(&n)->AddLengthDelimited(99, "Zebedee Quistgaard");
  ExpectRefused(n, "notification", "field number 99 is not part of safeshare.v1.Notification");
  EXPECT_THAT(std::string(ValidateForPublish(n).message()), Not(HasSubstr("Zebedee")));
}

TEST(ContractTest, UnknownFieldDeepInsideIsRefusedWithItsPath) {
  auto n = StrategyMinutes();
  auto* id = n.mutable_children_considered(0)->mutable_identifiers(0);
  id->GetReflection()->MutableUnknownFields(id)->AddVarint(7, 1);
  ExpectRefused(n, "notification.children_considered[0].identifiers[0]",
                "field number 7 is not part of safeshare.v1.PersonIdentifier");
}

TEST(ContractTest, UnknownFieldInPayloadIsRefused) {
  auto n = StrategyMinutes();
  auto* decision = n.mutable_strategy_minutes()->mutable_decisions(0);
  decision->GetReflection()->MutableUnknownFields(decision)->AddFixed32(12, 5);
  ExpectRefused(n, "notification.strategy_minutes.decisions[0]", "field number 12");
}

TEST(ContractTest, RepeatedFieldsAreBoundedAnywhereNamingTheField) {
  auto at_bound = StrategyMinutes();
  auto* actions = at_bound.mutable_strategy_minutes()->mutable_actions();
  while (actions->size() < kMaxRepeated) *actions->Add() = actions->Get(0);
  const auto status = ValidateForPublish(at_bound);
  EXPECT_THAT(std::string(status.message()), Not(HasSubstr("entries, at most")));

  auto over = at_bound;
  *over.mutable_strategy_minutes()->add_actions() = at_bound.strategy_minutes().actions(0);
  ExpectRefused(over, "notification.strategy_minutes.actions", "201 entries, at most 200");

  auto deep = StrategyMinutes();
  auto* ids = deep.mutable_children_considered(0)->mutable_identifiers();
  while (ids->size() <= kMaxRepeated) *ids->Add() = ids->Get(0);
  ExpectRefused(deep, "notification.children_considered[0].identifiers",
                "201 entries, at most 200");
}

TEST(ContractTest, UndefinedEnumNumberIsRefusedNamingTheEnumAndItsValues) {
  auto n = StrategyMinutes();
  auto* person = n.mutable_persons_of_concern(0);
  person->add_identifiers()->set_scheme(v1::IDENTIFIER_SCHEME_PNC_NUMBER);
  person->add_identifiers()->set_scheme(static_cast<v1::IdentifierScheme>(99));
  person->mutable_identifiers(1)->set_value("Quistgaard-77");
  ExpectRefused(n, "notification.persons_of_concern[0].identifiers[1].scheme",
                "99 is not a defined IdentifierScheme value; use one of "
                "IDENTIFIER_SCHEME_NDELIUS_CRN, IDENTIFIER_SCHEME_PNC_NUMBER");
  EXPECT_THAT(std::string(ValidateForPublish(n).message()), Not(HasSubstr("Quistgaard")));
}

TEST(ContractTest, UndefinedPurposeIsRefusedRatherThanAuditedEmpty) {
  auto n = StrategyMinutes();
  n.set_purpose(static_cast<v1::Purpose>(99));
  ExpectRefused(n, "notification.purpose", "99 is not a defined Purpose value");
}

TEST(ContractTest, UndefinedEnumInPayloadIsRefused) {
  auto n = InvestigationOutcome();
  n.mutable_investigation_outcome()->set_status(static_cast<v1::InvestigationStatus>(-3));
  ExpectRefused(n, "notification.investigation_outcome.status",
                "-3 is not a defined InvestigationStatus value");
}

TEST(ContractTest, UnknownFieldsSurviveParsingAndAreRefused) {
  std::string bytes = StrategyMinutes().SerializeAsString();
  bytes += std::string(
      "\xba\x06\x03"
      "abc",
      6);  // field 103, length-delimited "abc"
  v1::Notification parsed;
  ASSERT_TRUE(parsed.ParseFromString(bytes));
  ExpectRefused(parsed, "notification", "field number 103");
}

// --- envelope ---------------------------------------------------------------

TEST(EnvelopeRuleTest, NotificationIdMustBeEmpty) {
  auto n = StrategyMinutes();
  n.set_notification_id("0190f1e2-0000-7000-8000-000000000000");
  ExpectRefused(n, "notification.notification_id", "assigned by the broker");
}

TEST(EnvelopeRuleTest, PublisherMustBeEmpty) {
  auto n = StrategyMinutes();
  n.set_publisher("cfs");
  ExpectRefused(n, "notification.publisher", "from your certificate");
}

TEST(EnvelopeRuleTest, IdempotencyKeyIsRequired) {
  auto n = StrategyMinutes();
  n.clear_idempotency_key();
  ExpectRefused(n, "notification.idempotency_key", "required");
}

TEST(EnvelopeRuleTest, CaseRefWithBadCharactersIsRefused) {
  auto n = StrategyMinutes();
  n.set_case_ref("CASE 2024:001");
  ExpectRefused(n, "notification.case_ref", "letters, digits and - _ / .");
}

TEST(EnvelopeRuleTest, AtLeastOneChildIsRequired) {
  auto n = StrategyMinutes();
  n.clear_children_considered();
  ExpectRefused(n, "notification.children_considered", "at least one child");
}

TEST(EnvelopeRuleTest, DuplicateChildRefIsRefused) {
  auto n = StrategyMinutes();
  n.mutable_children_considered(1)->set_child_ref("C1");
  ExpectRefused(n, "notification.children_considered[1].child_ref", "duplicate");
}

TEST(EnvelopeRuleTest, PurposeIsRequired) {
  auto n = StrategyMinutes();
  n.clear_purpose();
  ExpectRefused(n, "notification.purpose", "UNSPECIFIED");
}

TEST(EnvelopeRuleTest, LawfulBasisIsRequired) {
  auto n = StrategyMinutes();
  n.clear_lawful_basis();
  ExpectRefused(n, "notification.lawful_basis", "UNSPECIFIED");
}

TEST(EnvelopeRuleTest, ClassificationIsRequired) {
  auto n = StrategyMinutes();
  n.clear_classification();
  ExpectRefused(n, "notification.classification", "UNSPECIFIED");
}

TEST(EnvelopeRuleTest, CreatedAtIsRequired) {
  auto n = StrategyMinutes();
  n.clear_created_at();
  ExpectRefused(n, "notification.created_at", "required");
}

TEST(EnvelopeRuleTest, PayloadIsRequired) {
  auto n = Envelope();
  ExpectRefused(n, "notification", "no payload");
}

// --- strategy_minutes -------------------------------------------------------

TEST(StrategyMinutesRuleTest, DiscussionNeedsFormatRationale) {
  auto n = StrategyMinutes();
  n.mutable_strategy_minutes()->set_format(v1::STRATEGY_FORMAT_DISCUSSION);
  ExpectRefused(n, "notification.strategy_minutes.format_rationale", "no strategy meeting");
  n.mutable_strategy_minutes()->set_format_rationale("Out of hours; meeting reconvened next day");
  EXPECT_TRUE(ValidateForPublish(n).ok()) << ValidateForPublish(n);
}

TEST(StrategyMinutesRuleTest, AtLeastOneAttendeeIsRequired) {
  auto n = StrategyMinutes();
  n.mutable_strategy_minutes()->clear_attendees();
  ExpectRefused(n, "notification.strategy_minutes.attendees", "at least one attendee");
}

TEST(StrategyMinutesRuleTest, ChildConsideredMustBeInEnvelope) {
  auto n = StrategyMinutes();
  n.mutable_strategy_minutes()->set_children_considered(1, "C9");
  ExpectRefused(n, "notification.strategy_minutes.children_considered[1]",
                "names no child_ref of notification.children_considered");
  EXPECT_THAT(std::string(ValidateForPublish(n).message()), Not(HasSubstr("C9")));
}

TEST(StrategyMinutesRuleTest, NoSection47DecisionNeedsRationale) {
  auto n = StrategyMinutes();
  auto* decision = n.mutable_strategy_minutes()->mutable_decisions(0);
  decision->set_kind(v1::DECISION_KIND_NO_SECTION_47_ENQUIRY);
  decision->clear_rationale();
  ExpectRefused(n, "notification.strategy_minutes.decisions[0].rationale", "section 47");
}

TEST(StrategyMinutesRuleTest, HealthAbsenceNeedsReason) {
  auto n = StrategyMinutes();
  n.mutable_strategy_minutes()->set_health_represented(false);
  ExpectRefused(n, "notification.strategy_minutes.health_absence_reason", "health");
  n.mutable_strategy_minutes()->set_health_absence_reason("Named nurse on leave; GP consulted");
  EXPECT_TRUE(ValidateForPublish(n).ok()) << ValidateForPublish(n);
}

TEST(StrategyMinutesRuleTest, CpMedicalRationaleIsRequired) {
  auto n = StrategyMinutes();
  n.mutable_strategy_minutes()->clear_cp_medical_rationale();
  ExpectRefused(n, "notification.strategy_minutes.cp_medical_rationale", "medical");
}

TEST(StrategyMinutesRuleTest, ActionNeedsDueDate) {
  auto n = StrategyMinutes();
  n.mutable_strategy_minutes()->mutable_actions(0)->clear_due_date();
  ExpectRefused(n, "notification.strategy_minutes.actions[0].due_date", "required");
}

// BUG (broker/schema/field_check.h:45-47, RequireDate): the check says "not a
// valid calendar date" but only bounds day to 1-31, so 31 February (or 31
// April) is accepted as an action's due date. Enable once RequireDate checks
// the days in the month.
TEST(StrategyMinutesRuleTest, ImpossibleDueDateIsRefused) {
  auto n = StrategyMinutes();
  samples::SetDate(n.mutable_strategy_minutes()->mutable_actions(0)->mutable_due_date(), 2024, 2,
                   31);
  ExpectRefused(n, "notification.strategy_minutes.actions[0].due_date", "not a valid");
}

// --- abe_interview_record ---------------------------------------------------

TEST(AbeInterviewRecordRuleTest, RecordingReferenceIsRequired) {
  auto n = AbeInterviewRecord();
  n.mutable_abe_interview_record()->mutable_recording()->clear_reference();
  ExpectRefused(n, "notification.abe_interview_record.recording.reference", "required");
}

TEST(AbeInterviewRecordRuleTest, NotJointlyPlannedNeedsNotes) {
  auto n = AbeInterviewRecord();
  n.mutable_abe_interview_record()->set_jointly_planned(false);
  ExpectRefused(n, "notification.abe_interview_record.joint_planning_notes",
                "children's social care");
  n.mutable_abe_interview_record()->set_joint_planning_notes("Urgent: child leaving the area");
  EXPECT_TRUE(ValidateForPublish(n).ok()) << ValidateForPublish(n);
}

// --- investigation_outcome --------------------------------------------------

TEST(InvestigationOutcomeRuleTest, NoFurtherPoliceActionNeedsRationale) {
  auto n = InvestigationOutcome();
  n.mutable_investigation_outcome()->clear_rationale();
  ExpectRefused(n, "notification.investigation_outcome.rationale", "why it closed");
}

TEST(InvestigationOutcomeRuleTest, ClosingRequiresFollowUpDiscussion) {
  auto n = InvestigationOutcome();
  n.mutable_investigation_outcome()->set_status(v1::INVESTIGATION_STATUS_CHARGED);
  n.mutable_investigation_outcome()->set_follow_up_discussion_required(false);
  ExpectRefused(n, "notification.investigation_outcome.follow_up_discussion_required",
                "must be true");
}

TEST(InvestigationOutcomeRuleTest, FollowUpNeedsDueDate) {
  auto n = InvestigationOutcome();
  n.mutable_investigation_outcome()->clear_follow_up_discussion_due();
  ExpectRefused(n, "notification.investigation_outcome.follow_up_discussion_due", "required");
}

TEST(InvestigationOutcomeRuleTest, OngoingInvestigationNeedsNoRationale) {
  auto n = InvestigationOutcome();
  auto* o = n.mutable_investigation_outcome();
  o->set_status(v1::INVESTIGATION_STATUS_UNDER_INVESTIGATION);
  o->clear_rationale();
  o->set_follow_up_discussion_required(false);
  o->clear_follow_up_discussion_due();
  EXPECT_TRUE(ValidateForPublish(n).ok()) << ValidateForPublish(n);
}

// --- probation_risk_update --------------------------------------------------

TEST(ProbationRiskUpdateRuleTest, PersonRefMustBeAPersonOfConcern) {
  auto n = ProbationRiskUpdate();
  n.mutable_probation_risk_update()->set_person_ref("P7");
  ExpectRefused(n, "notification.probation_risk_update.person_ref",
                "names no person_ref of notification.persons_of_concern");
  EXPECT_THAT(std::string(ValidateForPublish(n).message()), Not(HasSubstr("P7")));
}

TEST(ProbationRiskUpdateRuleTest, CrnOrPncIdentifierIsRequired) {
  auto n = ProbationRiskUpdate();
  auto* id = n.mutable_probation_risk_update()->mutable_identifiers(0);
  id->set_scheme(v1::IDENTIFIER_SCHEME_NHS_NUMBER);  // not a probation or police identifier
  ExpectRefused(n, "notification.probation_risk_update.identifiers", "CRN or PNC");
  id->set_scheme(v1::IDENTIFIER_SCHEME_PNC_NUMBER);
  EXPECT_TRUE(ValidateForPublish(n).ok()) << ValidateForPublish(n);
}

TEST(ProbationRiskUpdateRuleTest, RoshLevelIsRequired) {
  auto n = ProbationRiskUpdate();
  n.mutable_probation_risk_update()->set_rosh_level(v1::ROSH_LEVEL_UNSPECIFIED);
  ExpectRefused(n, "notification.probation_risk_update.rosh_level", "UNSPECIFIED");
}

// --- TypeOf and IsReference -------------------------------------------------

TEST(TypeOfTest, NamesThePayloadFieldThatIsSet) {
  EXPECT_EQ(TypeOf(StrategyMinutes()), "strategy_minutes");
  EXPECT_EQ(TypeOf(AbeInterviewRecord()), "abe_interview_record");
  EXPECT_EQ(TypeOf(InvestigationOutcome()), "investigation_outcome");
  EXPECT_EQ(TypeOf(ProbationRiskUpdate()), "probation_risk_update");
  EXPECT_EQ(TypeOf(Envelope()), "");
}

TEST(IsReferenceTest, AcceptsLettersDigitsAndSeparators) {
  EXPECT_TRUE(IsReference("C1"));
  EXPECT_TRUE(IsReference("CASE-2024/001_a.b"));
  EXPECT_TRUE(IsReference(std::string(64, 'x')));
}

TEST(IsReferenceTest, RejectsEmptyTooLongAndOtherCharacters) {
  EXPECT_FALSE(IsReference(""));
  EXPECT_FALSE(IsReference(std::string(65, 'x')));
  EXPECT_FALSE(IsReference("case 1"));
  EXPECT_FALSE(IsReference("case:1"));
  EXPECT_FALSE(IsReference("caf\xC3\xA9"));  // UTF-8 e-acute
  EXPECT_FALSE(IsReference(std::string("a\0b", 3)));
}

}  // namespace
}  // namespace safeshare::schema
