// Deadlines as the partnership writes them: the working-day calendar of the
// broker config (weekends, bank holidays, the time zone), the `deadlines:`
// of agreements, and the due times they give.
#include <chrono>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/time/time.h"
#include "broker/policy/agreements.h"
#include "broker/policy/working_calendar.h"
#include "tests/unit/config_fixture.h"
#include "tests/unit/temp_dir.h"

namespace safeshare::policy {
namespace {

using std::chrono::hours;
using ::testing::HasSubstr;

// UTC microseconds of an RFC 3339 time.
int64_t At(const std::string& rfc3339) {
  absl::Time t;
  std::string error;
  EXPECT_TRUE(absl::ParseTime(absl::RFC3339_full, rfc3339, &t, &error)) << error;
  return absl::ToUnixMicros(t);
}

std::string Text(int64_t micros) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%S%Ez", absl::FromUnixMicros(micros),
                          absl::UTCTimeZone());
}

// England and Wales: the UK's clocks, Christmas 2026 and Easter 2027.
config::CalendarConfig England() {
  config::CalendarConfig c;
  c.time_zone = "GMT0BST,M3.5.0/1,M10.5.0";
  c.non_working_days = {"2026-12-25", "2026-12-28", "2027-01-01", "2027-03-26", "2027-03-29"};
  return c;
}

constexpr DeadlinePeriod kOneDay{1, {}};

TEST(WorkingCalendarTest, WorkingDaysEndAtTheSameTimeOfDayPastWeekendsAndBankHolidays) {
  const WorkingCalendar calendar(England());
  // Thursday to Friday.
  EXPECT_EQ(Text(calendar.DueAfter(At("2026-11-19T10:00:00Z"), kOneDay)),
            "2026-11-20T10:00:00+00:00");
  // Friday afternoon: Monday afternoon, not Saturday.
  EXPECT_EQ(Text(calendar.DueAfter(At("2026-11-20T16:30:00Z"), kOneDay)),
            "2026-11-23T16:30:00+00:00");
  // Christmas Eve: Christmas Day (Friday) and the Boxing Day substitute
  // (Monday 28th) are bank holidays, so the Tuesday.
  EXPECT_EQ(Text(calendar.DueAfter(At("2026-12-24T10:00:00Z"), kOneDay)),
            "2026-12-29T10:00:00+00:00");
  EXPECT_EQ(Text(calendar.DueAfter(At("2026-12-24T10:00:00Z"), DeadlinePeriod{2, {}})),
            "2026-12-30T10:00:00+00:00");
  // Routed on a Saturday: counted from the start of Monday.
  EXPECT_EQ(Text(calendar.DueAfter(At("2026-11-21T12:00:00Z"), kOneDay)),
            "2026-11-24T00:00:00+00:00");
  // An elapsed period ignores the calendar.
  EXPECT_EQ(Text(calendar.DueAfter(At("2026-11-21T12:00:00Z"), DeadlinePeriod{0, hours(4)})),
            "2026-11-21T16:00:00+00:00");
  EXPECT_TRUE(calendar.IsWorkingDay("2026-12-24"));
  EXPECT_FALSE(calendar.IsWorkingDay("2026-12-25"));
  EXPECT_FALSE(calendar.IsWorkingDay("2026-12-26"));
}

TEST(WorkingCalendarTest, LocalTimeOfDayIsKeptAcrossTheClockChange) {
  const WorkingCalendar calendar(England());
  // Friday 10:00 GMT before the clocks go forward (Sunday 29 March 2026):
  // due Monday 10:00 BST, which is 09:00 UTC.
  EXPECT_EQ(Text(calendar.DueAfter(At("2026-03-27T10:00:00Z"), kOneDay)),
            "2026-03-30T09:00:00+00:00");
  // Thursday 23:30 BST (22:30 UTC) is a Thursday in the partnership's time:
  // due Friday 23:30 BST.
  EXPECT_EQ(Text(calendar.DueAfter(At("2026-06-11T22:30:00Z"), kOneDay)),
            "2026-06-12T22:30:00+00:00");
  // Good Friday and Easter Monday 2027 skipped: Thursday to Tuesday.
  EXPECT_EQ(Text(calendar.DueAfter(At("2027-03-25T09:00:00Z"), kOneDay)),
            "2027-03-30T08:00:00+00:00");
}

TEST(WorkingCalendarTest, AWeekendOfTheConfigsOwnApplies) {
  auto config = England();
  config.weekend = {5, 6};  // Friday and Saturday
  const WorkingCalendar calendar(config);
  EXPECT_EQ(Text(calendar.DueAfter(At("2026-11-19T10:00:00Z"), kOneDay)),
            "2026-11-22T10:00:00+00:00");  // Thursday to Sunday
}

TEST(DeadlinesConfigTest, TheBrokerConfigSetsTheCalendarAndTheLeadRoles) {
  auto parsed = config::ParseBrokerConfig(
      config::With("audit:\n",
                   "deadlines:\n"
                   "  time_zone: \"GMT0BST,M3.5.0/1,M10.5.0\"\n"
                   "  weekend: [saturday, sunday]\n"
                   "  non_working_days: [2026-12-28, 2026-12-25]\n"
                   "  lead_roles: [safeguarding_lead, information_governance]\n"
                   "  check_every: 5s\n"
                   "audit:\n"),
      config::kFile);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  const auto& d = parsed->deadlines;
  EXPECT_EQ(d.calendar.time_zone, "GMT0BST,M3.5.0/1,M10.5.0");
  EXPECT_EQ(d.calendar.weekend, (std::vector<int>{0, 6}));
  EXPECT_EQ(d.calendar.non_working_days, (std::vector<std::string>{"2026-12-25", "2026-12-28"}));
  EXPECT_EQ(d.lead_roles,
            (std::vector<std::string>{"safeguarding_lead", "information_governance"}));
  EXPECT_EQ(d.check_every, std::chrono::seconds(5));

  const auto error = [](const std::string& block) {
    return std::string(
        config::ParseError(config::With("audit:\n", "deadlines:\n" + block + "audit:\n"))
            .message());
  };
  EXPECT_THAT(error("  time_zone: Europe/Nowhere/At/All,,\n"),
              HasSubstr("broker.yaml:19: deadlines.time_zone: not a POSIX time zone rule"));
  EXPECT_THAT(error("  non_working_days: [2026-02-30]\n"),
              HasSubstr("deadlines.non_working_days[0]: expected a date YYYY-MM-DD"));
  EXPECT_THAT(error("  non_working_days: [2026-12-25, 2026-12-25]\n"),
              HasSubstr("deadlines.non_working_days[1]: listed twice"));
  EXPECT_THAT(error("  weekend: [monday, tuesday, wednesday, thursday, friday, saturday, "
                    "sunday]\n"),
              HasSubstr("deadlines.weekend: leaves no working day"));
  EXPECT_THAT(error("  weekend: [caturday]\n"), HasSubstr("deadlines.weekend[0]"));
  EXPECT_THAT(error("  lead_roles: [chief]\n"), HasSubstr("deadlines.lead_roles[0]"));
  EXPECT_THAT(error("  check_every: 2h\n"), HasSubstr("deadlines.check_every: must be at most 1h"));
  EXPECT_THAT(error("  remind: yes\n"), HasSubstr("deadlines.remind"));
}

// An agreement sharing outcomes and minutes with children's social care,
// with `deadlines` as its deadlines block.
std::string Agreement(const std::string& id, const std::string& deadlines) {
  return "id: " + id +
         "\ntitle: Test\nversion: 4\n"
         "parties: [police, childrens_social_care, health]\n"
         "lawful_basis: legal_obligation\nreview_date: 2099-01-01\n"
         "publish:\n  police: [investigation_outcome]\n"
         "rules:\n"
         "  - id: " +
         id +
         "-R1\n"
         "    types: [investigation_outcome, strategy_minutes]\n"
         "    recipients: [childrens_social_care, health]\n"
         "    condition: always\n"
         "    purpose: child_protection_enquiry\n" +
         deadlines;
}

absl::StatusOr<AgreementSet> Load(const std::vector<std::string>& files) {
  const testing::TempDir dir("agreements");
  for (size_t i = 0; i < files.size(); ++i) dir.Write(std::to_string(i) + ".yaml", files[i]);
  return LoadAgreements(dir.path(), "2026-01-01");
}

std::vector<config::Agency> Agencies() {
  return {{AgencyId("police"), "police", "spiffe://t/police", {}, {}},
          {AgencyId("cfs"), "childrens_social_care", "spiffe://t/cfs", {}, {}},
          {AgencyId("health"), "health", "spiffe://t/health", {}, {}}};
}

TEST(DeadlineRulesTest, AnAgreementSetsADeadlinePerTypeAndRecipientRole) {
  auto set = Load({Agreement("A",
                             "deadlines:\n"
                             "  - id: A-D1\n"
                             "    types: [investigation_outcome]\n"
                             "    recipients: [childrens_social_care]\n"
                             "    acknowledge_within: 1 working day\n"
                             "    escalate_after: 2 working days\n"
                             "  - id: A-D2\n"
                             "    types: [strategy_minutes]\n"
                             "    recipients: [childrens_social_care, health]\n"
                             "    acknowledge_within: 4h\n"
                             "    escalate_after: 30m\n")});
  ASSERT_TRUE(set.ok()) << set.status();
  const Policy policy(*std::move(set), Agencies(), {});
  EXPECT_TRUE(policy.HasDeadlines());
  const auto outcome = policy.DeadlineFor("investigation_outcome", "childrens_social_care");
  ASSERT_TRUE(outcome.has_value());
  EXPECT_EQ(outcome->rule->id, "A-D1");
  EXPECT_EQ(outcome->AgreementName(), "A v4");
  EXPECT_EQ(outcome->rule->acknowledge_within, (DeadlinePeriod{1, {}}));
  EXPECT_EQ(outcome->rule->Text(),
            "acknowledge within 1 working day, then 2 working days to the safeguarding lead");
  const auto minutes = policy.DeadlineFor("strategy_minutes", "health");
  ASSERT_TRUE(minutes.has_value());
  EXPECT_EQ(minutes->rule->Text(), "acknowledge within 4h, then 30m to the safeguarding lead");
  // None set: no deadline.
  EXPECT_FALSE(policy.DeadlineFor("investigation_outcome", "health").has_value());
}

TEST(DeadlineRulesTest, MistakesAreRefusedNamingFileLineAndKey) {
  const auto error = [](const std::string& rule, const std::string& second = "") {
    std::vector<std::string> files{Agreement("A", "deadlines:\n" + rule)};
    if (!second.empty()) files.push_back(Agreement("B", "deadlines:\n" + second));
    auto set = Load(files);
    EXPECT_FALSE(set.ok());
    return std::string(set.status().message());
  };
  const auto rule = [](const std::string& id, const std::string& types, const std::string& within) {
    return "  - id: " + id + "\n    types: [" + types +
           "]\n    recipients: [childrens_social_care]\n"
           "    acknowledge_within: " +
           within + "\n    escalate_after: 1 working day\n";
  };
  EXPECT_THAT(error(rule("D1", "investigation_outcome", "1 day")),
              HasSubstr("0.yaml:19: deadlines[0].acknowledge_within: expected a number of "
                        "working days"));
  EXPECT_THAT(error(rule("D1", "investigation_outcome", "0 working days")),
              HasSubstr("deadlines[0].acknowledge_within"));
  EXPECT_THAT(error(rule("D1", "investigation_outcome", "400 working days")),
              HasSubstr("at most 365"));
  EXPECT_THAT(error(rule("D1", "abe_interview_record", "1 working day")),
              HasSubstr("deadlines[0].types: this agreement shares no abe_interview_record"));
  EXPECT_THAT(error(rule("A-R1", "investigation_outcome", "1 working day")),
              HasSubstr("duplicate rule id 'A-R1'"));
  // One deadline per type and recipient across the whole set, naming the first.
  EXPECT_THAT(error(rule("D1", "investigation_outcome", "1 working day"),
                    rule("D2", "investigation_outcome", "2 working days")),
              HasSubstr("1.yaml:18: deadlines[0].recipients: a deadline for "
                        "investigation_outcome to childrens_social_care is already set at "));
}

}  // namespace
}  // namespace safeshare::policy
