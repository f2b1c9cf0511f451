// The real `safeshare policy check` and `safeshare policy explain` commands
// on the example agreements (config/agreements), the development broker
// config and the example notifications (config/examples): offline, no
// broker, no certificates.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <gmock/gmock.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

namespace safeshare::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

const std::string kSource = SAFESHARE_SOURCE_DIR;
const std::string kAgreements = kSource + "/config/agreements";

struct Result {
  int exit_code = -1;
  std::string out;  // stdout and stderr
};

Result Safeshare(const std::string& args) {
  // One file per process: ctest runs this binary's tests side by side.
  const std::string file =
      ::testing::TempDir() + "/policy_cli_test." + std::to_string(getpid()) + ".out";
  const int status =
      std::system((std::string(SAFESHARE_CLI_BINARY) + " " + args + " >" + file + " 2>&1").c_str());
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, text.str()};
}

std::string Explain(const std::string& example, const std::string& args) {
  const auto r = Safeshare("policy explain --agreements " + kAgreements + " --notification " +
                           kSource + "/config/examples/" + example + ".json " + args);
  EXPECT_EQ(r.exit_code, 0) << r.out;
  return r.out;
}

TEST(PolicyCheckCommandTest, PrintsAgreementsRulesAndVersion) {
  const auto r = Safeshare("policy check " + kAgreements + " --today 2026-11-30");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("ISA-SM-01 v2 (20-strategy-minutes.yaml): Strategy meetings"));
  EXPECT_THAT(r.out, HasSubstr("  retention of strategy_minutes: 30d after every recipient "
                               "acknowledged it, 366d while one has not\n"));
  EXPECT_THAT(r.out, HasSubstr("  SM-R2 (line 35): allow strategy_minutes to health when engaged; "
                               "purpose PURPOSE_STRATEGY_DISCUSSION; withheld: "
                               "persons_of_concern.identifiers, "
                               "strategy_minutes.decisions.rationale\n"));
  EXPECT_THAT(r.out, HasSubstr("  IG-D1 (line 15): deny strategy_minutes, abe_interview_record, "
                               "investigation_outcome, probation_risk_update to "
                               "information_governance when always\n"));
  EXPECT_THAT(r.out, HasSubstr("\nversion: ISA-PCI-01@3,ISA-SM-01@2,ISA-PRB-01@1,ISA-IG-00@1 "
                               "sha256:"));
  EXPECT_THAT(r.out, Not(HasSubstr("warning")));
}

TEST(PolicyCheckCommandTest, PastReviewDatesAreWarningsNotErrors) {
  const auto r = Safeshare("policy check " + kAgreements + " --today 2027-07-01");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("warning: " + kAgreements +
                               "/20-strategy-minutes.yaml:13: review_date: agreement ISA-SM-01 "
                               "was due for review on 2027-03-31"));
}

TEST(PolicyCheckCommandTest, ABrokenFileExitsTwoWithFileLineAndKey) {
  const std::string dir = ::testing::TempDir() + "/policy_cli_broken";
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/a.yaml") << "id: ISA-X\ntitle: X\nversion: 1\nparties: [police]\n"
                                    "lawful_basis: law_enforcement\nreview_date: 2030-01-01\n"
                                    "publsh:\n  police: [investigation_outcome]\n";
  const auto r = Safeshare("policy check " + dir);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.out, dir + "/a.yaml:7: publsh: unknown key (check the spelling)\n");
  std::filesystem::remove_all(dir);
}

TEST(PolicyExplainCommandTest, MinutesToEngagedAgenciesWithWithheldFieldsAndTrace) {
  const auto out = Explain("strategy_minutes", "--publisher cfs --engaged police,health");
  EXPECT_THAT(out, HasSubstr("notification: strategy_minutes from cfs (childrens_social_care), "
                             "case open\npublish: allowed\n"));
  EXPECT_THAT(out, HasSubstr("health (health): ALLOWED\n"
                             "  rule: SM-R2 of agreement ISA-SM-01 v2\n"
                             "  purpose: PURPOSE_STRATEGY_DISCUSSION\n"
                             "  lawful basis: legal_obligation\n"
                             "  withheld: persons_of_concern.identifiers, "
                             "strategy_minutes.decisions.rationale\n"
                             "  reason: allowed by rule SM-R2 of agreement ISA-SM-01 v2 "
                             "(engaged with the case)\n"
                             "  trace:\n    SM-R2 of ISA-SM-01 (allow, engaged): held\n"));
  EXPECT_THAT(out, HasSubstr("education (education): DENIED\n"
                             "  reason: denied: rule SM-R3 applies only to agencies engaged "
                             "with the case; education is not\n"));
  EXPECT_THAT(out, HasSubstr("ig (information_governance): DENIED\n  rule: IG-D1 of agreement "
                             "ISA-IG-00 v1\n"));
}

// As the broker does: the minutes' attendees (police, health) and action
// owners are engaged by the minutes themselves, with no --engaged flag.
TEST(PolicyExplainCommandTest, MinutesEngageTheirAttendeesAsTheBrokerDoes) {
  const auto out = Explain("strategy_minutes", "--publisher cfs");
  EXPECT_THAT(out, HasSubstr("police (police): ALLOWED\n  rule: SM-R1"));
  EXPECT_THAT(out, HasSubstr("health (health): ALLOWED\n  rule: SM-R2"));
  EXPECT_THAT(out, HasSubstr("education (education): DENIED\n"));
}

TEST(PolicyExplainCommandTest, InterestMatchesANormalisedIdentifierOnAClosedCase) {
  const auto out = Explain("strategy_minutes",
                           "--publisher cfs --closed --interest 'probation:ndelius_crn:x123 456'");
  EXPECT_THAT(out, HasSubstr("case closed"));
  EXPECT_THAT(out, HasSubstr("probation (probation): ALLOWED\n  rule: PRB-R1 of agreement "
                             "ISA-PRB-01 v1\n"));
  EXPECT_THAT(out, HasSubstr("  withheld: strategy_minutes.cp_medical_rationale\n"));
  // An identifier the notification does not name gives no interest.
  const auto other =
      Explain("strategy_minutes", "--publisher cfs --interest probation:ndelius_crn:Y999999");
  EXPECT_THAT(other, HasSubstr("note: the notification does not name the ndelius_crn of "
                               "probation's --interest"));
  EXPECT_THAT(other, HasSubstr("probation (probation): DENIED"));
}

TEST(PolicyExplainCommandTest, JsonForLinkedCases) {
  const auto out =
      Explain("probation_risk_update", "--publisher probation --linked cfs:CASE-2019/044 --json");
  google::protobuf::Struct json;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(out, &json).ok()) << out;
  const auto& f = json.fields();
  EXPECT_EQ(f.at("type").string_value(), "probation_risk_update");
  EXPECT_TRUE(f.at("may_publish").bool_value());
  const auto& agencies = f.at("agencies").list_value().values();
  ASSERT_EQ(agencies.size(), 6);  // every agency but the publisher
  const auto& police = agencies[0].struct_value().fields();
  EXPECT_EQ(police.at("agency").string_value(), "police");
  EXPECT_FALSE(police.at("allowed").bool_value());
  const auto& cfs = agencies[1].struct_value().fields();
  EXPECT_TRUE(cfs.at("allowed").bool_value());
  EXPECT_EQ(cfs.at("rule").string_value(), "PRB-R3");
  EXPECT_EQ(cfs.at("purpose").string_value(), "PURPOSE_RISK_MANAGEMENT");
  EXPECT_EQ(cfs.at("linked_cases").list_value().values(0).string_value(), "CASE-2019/044");
  EXPECT_EQ(cfs.at("trace").list_value().values_size(), 2);
}

TEST(PolicyExplainCommandTest, BadFlagsExitTwoWithOneLine) {
  const auto publisher =
      Safeshare("policy explain --agreements " + kAgreements + " --notification " + kSource +
                "/config/examples/strategy_minutes.json --publisher nobody");
  EXPECT_EQ(publisher.exit_code, 2);
  EXPECT_EQ(publisher.out,
            "--publisher: no agency 'nobody' in the broker config; expected one of police, cfs, "
            "probation, health, education, ig, lead\n");
  const auto scheme =
      Safeshare("policy explain --agreements " + kAgreements + " --notification " + kSource +
                "/config/examples/strategy_minutes.json --publisher cfs "
                "--interest probation:crn:X1");
  EXPECT_EQ(scheme.exit_code, 2);
  EXPECT_THAT(scheme.out, StartsWith("--interest: unknown scheme 'crn'"));
}

}  // namespace
}  // namespace safeshare::testing
