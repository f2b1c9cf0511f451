// Unit tests for LoadAgreements: the example set loads with its version
// string; every broken file is refused naming FILE:LINE: KEY; past review
// dates are warnings.
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_replace.h"
#include "broker/policy/agreements.h"
#include "temp_dir.h"

namespace safeshare::policy {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::StartsWith;

const std::filesystem::path kExamples = SAFESHARE_SOURCE_DIR "/config/agreements";

// A valid agreement. Line numbers matter: tests that break a line expect
// the error to name it.
constexpr char kValid[] = R"(id: ISA-T-01
title: Test agreement
version: 1
parties: [childrens_social_care, education]
lawful_basis: legal_obligation
review_date: 2030-01-01
publish:
  childrens_social_care: [strategy_minutes]
rules:
  - id: T-R1
    types: [strategy_minutes]
    recipients: [education]
    condition: engaged
    purpose: strategy_discussion
    withheld:
      - strategy_minutes.decisions.rationale
)";

std::string With(const std::string& from, const std::string& to) {
  const std::string text = kValid;
  EXPECT_THAT(text, HasSubstr(from)) << "test setup: text to replace is not in kValid";
  return absl::StrReplaceAll(text, {{from, to}});
}

class LoadTest : public ::testing::Test {
 protected:
  // Loads a directory holding `text` as a.yaml; returns the error message.
  std::string Error(const std::string& text) {
    dir_.Write("a.yaml", text);
    return Error();
  }
  std::string Error() {
    auto set = LoadAgreements(dir_.path(), "2026-01-01");
    EXPECT_FALSE(set.ok()) << "expected the agreements to be refused";
    return std::string(set.status().message());
  }
  std::string File(const std::string& name = "a.yaml") const {
    return (dir_.path() / name).string();
  }

  ::safeshare::testing::TempDir dir_{"agreements"};
};

TEST_F(LoadTest, ExampleAgreementsLoadInFileOrderWithTheirVersion) {
  auto set = LoadAgreements(kExamples, "2026-11-30");
  ASSERT_TRUE(set.ok()) << set.status();
  std::vector<std::string> ids;
  for (const auto& a : set->agreements) ids.push_back(a.id);
  EXPECT_THAT(ids, ElementsAre("ISA-PCI-01", "ISA-SM-01", "ISA-PRB-01", "ISA-IG-00"));
  EXPECT_THAT(set->version, MatchesRegex("ISA-PCI-01@3,ISA-SM-01@2,ISA-PRB-01@1,ISA-IG-00@1 "
                                         "sha256:[0-9a-f]{16}"));
  EXPECT_TRUE(set->warnings.empty());
  const auto& minutes = set->agreements[1];
  EXPECT_THAT(minutes.manage_cases, ElementsAre("childrens_social_care"));
  EXPECT_THAT(minutes.publish.at("childrens_social_care"), ElementsAre("strategy_minutes"));
  EXPECT_EQ(minutes.rules[1].purpose, "PURPOSE_STRATEGY_DISCUSSION");
  EXPECT_EQ(minutes.rules[1].withheld[1].text, "strategy_minutes.decisions.rationale");
  EXPECT_EQ(minutes.rules[1].withheld[1].fields.size(), 3u);
  EXPECT_EQ(set->agreements[3].rules[0].effect, Effect::kDeny);
}

TEST_F(LoadTest, VersionHashCoversEveryFilesBytes) {
  dir_.Write("a.yaml", kValid);
  auto before = LoadAgreements(dir_.path(), "2026-01-01");
  dir_.Write("a.yaml", std::string(kValid) + "# a comment changes the hash\n");
  auto after = LoadAgreements(dir_.path(), "2026-01-01");
  ASSERT_TRUE(before.ok() && after.ok());
  EXPECT_THAT(before->version, StartsWith("ISA-T-01@1 sha256:"));
  EXPECT_THAT(after->version, StartsWith("ISA-T-01@1 sha256:"));
  EXPECT_NE(before->version, after->version);
}

TEST_F(LoadTest, PastReviewDateIsAWarningNamingFileLineAndAgreement) {
  auto set = LoadAgreements(kExamples, "2027-07-01");
  ASSERT_TRUE(set.ok()) << set.status();
  const std::string dir = kExamples.string();
  EXPECT_THAT(set->warnings,
              ElementsAre(dir + "/20-strategy-minutes.yaml:13: review_date: agreement ISA-SM-01 "
                                "was due for review on 2027-03-31 (today is 2027-07-01); ask its "
                                "parties to review and re-issue it",
                          dir + "/30-probation-offender-management.yaml:15: review_date: "
                                "agreement ISA-PRB-01 was due for review on 2027-06-30 (today "
                                "is 2027-07-01); ask its parties to review and re-issue it"));
}

TEST_F(LoadTest, EmptyOrMissingDirectoryIsAnError) {
  dir_.Write("README.md", "not an agreement");
  EXPECT_EQ(Error(), dir_.path().string() +
                         ": no agreement files (*.yaml, *.yml); without agreements every "
                         "notification would be refused");
  auto missing = LoadAgreements(dir_.path() / "absent", "2026-01-01");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
}

TEST_F(LoadTest, UnknownKeysAreRefused) {
  EXPECT_EQ(Error(With("version: 1\n", "version: 1\ncolour: red\n")),
            File() + ":4: colour: unknown key (check the spelling)");
  EXPECT_EQ(Error(With("    condition: engaged", "    conditon: engaged")),
            File() + ":13: rules[0].conditon: unknown key (check the spelling)");
}

// yaml-cpp keeps a repeated key and answers with the first: a second
// `withheld:` list would be dropped silently (an over-share).
TEST_F(LoadTest, ARepeatedKeyIsRefusedNotSilentlyIgnored) {
  EXPECT_EQ(Error(With("    withheld:\n      - strategy_minutes.decisions.rationale\n",
                       "    withheld:\n      - strategy_minutes.decisions.rationale\n"
                       "    withheld:\n      - strategy_minutes.format_rationale\n")),
            File() +
                ":17: rules[0].withheld: duplicate key: give each key once (the second "
                "would be ignored)");
  EXPECT_EQ(Error(With("version: 1\n", "version: 1\nversion: 2\n")),
            File() +
                ":4: version: duplicate key: give each key once (the second would be "
                "ignored)");
  EXPECT_EQ(Error(With("  childrens_social_care: [strategy_minutes]\n",
                       "  childrens_social_care: [strategy_minutes]\n"
                       "  childrens_social_care: [abe_interview_record]\n")),
            File() +
                ":9: publish.childrens_social_care: duplicate key: give each key once "
                "(the second would be ignored)");
}

TEST_F(LoadTest, BadFieldPathsAreRefused) {
  const std::string at = File() + ":16: rules[0].withheld[0]: ";
  const auto path = [&](const std::string& p) {
    return Error(With("strategy_minutes.decisions.rationale", p));
  };
  EXPECT_EQ(path("strategy_minutes.decisions.reason"),
            at + "unknown field 'reason' in safeshare.v1.Decision");
  EXPECT_EQ(path("strategy_minutes.format_rationale.text"),
            at + "'format_rationale' is not a message; a path cannot go through it to 'text'");
  EXPECT_EQ(path("case_ref"), at + "'case_ref' cannot be withheld: recipients need it to file, "
                                   "acknowledge and handle the notification");
  EXPECT_EQ(path("strategy_minutes"),
            at + "withholding the whole 'strategy_minutes' payload shares nothing; use a deny "
                 "rule instead");
  EXPECT_EQ(path("investigation_outcome.rationale"),
            at + "'investigation_outcome.rationale' is inside a payload this rule does not "
                 "share (types: strategy_minutes)");
  EXPECT_EQ(path("strategy_minutes..decisions"),
            at + "'strategy_minutes..decisions' is not a field path (names joined by '.')");
}

TEST_F(LoadTest, DuplicateIdsAcrossFilesNameBothPlaces) {
  dir_.Write("a.yaml", kValid);
  dir_.Write("b.yaml", With("id: ISA-T-01", "id: ISA-T-02"));
  EXPECT_EQ(Error(), File("b.yaml") + ":10: rules[0].id: duplicate rule id 'T-R1' (first at " +
                         File() + ":10)");
  dir_.Write("b.yaml", With("id: T-R1", "id: T-R2"));
  EXPECT_EQ(Error(), File("b.yaml") + ":1: id: duplicate agreement id 'ISA-T-01' (first at " +
                         File() + ":1)");
}

TEST_F(LoadTest, BadRolesAreRefused) {
  EXPECT_EQ(Error(With("recipients: [education]", "recipients: [eduction]")),
            File() +
                ":12: rules[0].recipients[0]: unknown value 'eduction'; expected one of "
                "police, childrens_social_care, probation, health, education, "
                "information_governance, safeguarding_lead");
  EXPECT_EQ(Error(With("recipients: [education]", "recipients: [police]")),
            File() +
                ":12: rules[0].recipients[0]: role 'police' is not a party to this "
                "agreement; add it to parties");
  EXPECT_EQ(
      Error(With("  childrens_social_care: [strategy_minutes]", "  police: [strategy_minutes]")),
      File() +
          ":8: publish.police: role 'police' is not a party to this agreement; add "
          "it to parties");
}

TEST_F(LoadTest, BadDatesPurposesAndEffectsAreRefused) {
  EXPECT_EQ(Error(With("2030-01-01", "2030-02-30")),
            File() + ":6: review_date: expected a date YYYY-MM-DD, got '2030-02-30'");
  EXPECT_EQ(Error(With("2030-01-01", "1/1/2030")),
            File() + ":6: review_date: expected a date YYYY-MM-DD, got '1/1/2030'");
  const std::string purposes =
      "expected one of child_protection_enquiry, strategy_discussion, criminal_investigation, "
      "risk_management, child_in_need_assessment";
  EXPECT_EQ(Error(With("purpose: strategy_discussion", "purpose: strategy")),
            File() + ":14: rules[0].purpose: unknown purpose 'strategy'; " + purposes);
  EXPECT_EQ(Error(With("purpose: strategy_discussion", "purpose: STRATEGY_DISCUSSION")),
            File() + ":14: rules[0].purpose: unknown purpose 'STRATEGY_DISCUSSION'; " + purposes);
  EXPECT_EQ(Error(With("    purpose: strategy_discussion\n", "")),
            File() + ":10: rules[0].purpose: required key is missing");
  EXPECT_EQ(Error(With("    condition: engaged", "    condition: sometimes")),
            File() +
                ":13: rules[0].condition: unknown value 'sometimes'; expected one of "
                "always, engaged, person_interest, linked_case");
  EXPECT_EQ(Error(With("    types:", "    effect: maybe\n    types:")),
            File() + ":11: rules[0].effect: unknown value 'maybe'; expected one of allow, deny");
}

TEST_F(LoadTest, DenyRulesNeitherNamePurposeNorWithholdFields) {
  const std::string deny = With("    types:", "    effect: deny\n    types:");
  EXPECT_EQ(Error(deny), File() + ":15: rules[0].purpose: a deny rule shares nothing; remove it");
  EXPECT_EQ(Error(absl::StrReplaceAll(deny, {{"    purpose: strategy_discussion\n", ""}})),
            File() +
                ":16: rules[0].withheld: a deny rule shares nothing, so withholds nothing; "
                "remove it");
}

TEST_F(LoadTest, InvalidYamlNamesTheFileAndLine) {
  EXPECT_THAT(Error(With("parties: [childrens_social_care, education]", "parties: [police")),
              StartsWith(File() + ":"));
  EXPECT_THAT(Error(With("parties: [childrens_social_care, education]", "parties: [police")),
              HasSubstr(": not valid YAML: "));
}

}  // namespace
}  // namespace safeshare::policy
