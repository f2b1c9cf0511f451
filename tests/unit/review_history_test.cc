// The IG lead's reports (client/review): notification histories built from
// audit entries as Query pages return them, and how they read as text.
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "history_builder.h"
#include "report_text.h"

namespace safeshare::review {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr char kCase[] = "CASE-2026-001";
constexpr char kN1[] = "n-1";
constexpr char kN2[] = "n-2";

v1::AuditLine Line(const std::string& outcome, const std::string& agency,
                   const std::string& notification, const std::string& case_ref = kCase) {
  v1::AuditLine line;
  line.set_outcome(outcome);
  line.set_agency(agency);
  line.set_notification_id(notification);
  line.set_case_ref(case_ref);
  line.set_sequence(notification == kN1 ? 7 : 8);
  if (outcome == "routed") {
    line.set_agreement("ISA-SM-01 v2");
    line.set_rule("SM-R1");
    line.set_purpose("PURPOSE_STRATEGY_DISCUSSION");
    line.set_lawful_basis("public_task");
    line.set_content_hash("view-" + agency);
  }
  if (outcome == "withheld") line.set_detail("no rule shares strategy_minutes with " + agency);
  if (outcome == "urgent_disclosure") line.set_detail("urgent: risk to life");
  return line;
}

v1::AuditEntry Entry(uint64_t index, const std::string& action, const std::string& actor,
                     std::vector<v1::AuditLine> lines, const std::string& notification = "") {
  v1::AuditEntry entry;
  entry.set_index(index);
  entry.set_version(2);
  entry.mutable_at()->set_seconds(1'764'504'000 + static_cast<int64_t>(index));  // 2025-11-30 12:00
  entry.set_actor(actor);
  entry.set_action(action);
  entry.set_notification_id(notification);
  if (!notification.empty()) entry.set_case_ref(kCase);
  for (auto& line : lines) *entry.add_lines() = std::move(line);
  return entry;
}

// A demo-like case: cfs publishes minutes routed to police and health,
// withheld from probation; both receive them, only police acknowledges.
std::vector<v1::AuditEntry> DemoCase() {
  auto published = Entry(10, "published", "cfs",
                         {Line("routed", "police", kN1), Line("routed", "health", kN1),
                          Line("withheld", "probation", kN1)},
                         kN1);
  published.set_detail("strategy_minutes sequence 7; policy ISA-SM-01@2");
  published.set_content_hash("stored-hash");
  auto delivered_police = Entry(11, "delivered", "broker", {Line("delivered", "police", kN1)}, kN1);
  delivered_police.set_recipient("police");
  delivered_police.set_subscription("police-inbox");
  auto delivered_health = Entry(12, "delivered", "broker", {Line("delivered", "health", kN1)}, kN1);
  delivered_health.set_subscription("health-inbox");
  auto acked = Entry(13, "acknowledged", "police", {Line("acknowledged", "police", kN1)}, kN1);
  return {published, delivered_police, delivered_health, acked};
}

std::vector<NotificationHistory> Build(const std::vector<v1::AuditEntry>& entries,
                                       HistoryBuilder builder = HistoryBuilder(kCase)) {
  for (const auto& e : entries) builder.Add(e);
  return builder.Histories();
}

TEST(HistoryBuilderTest, ADecisionAndItsReceiptsMakeOneHistory) {
  const auto histories = Build(DemoCase());
  ASSERT_EQ(histories.size(), 1u);
  const NotificationHistory& h = histories[0];
  EXPECT_EQ(h.notification_id(), kN1);
  EXPECT_EQ(h.publisher(), "cfs");
  EXPECT_EQ(h.published_index(), 10u);
  EXPECT_EQ(h.sequence(), 7u);
  EXPECT_EQ(h.detail(), "strategy_minutes sequence 7; policy ISA-SM-01@2");
  ASSERT_EQ(h.recipients_size(), 2);
  const RecipientStatus& police = h.recipients(0);
  EXPECT_EQ(police.agency(), "police");
  EXPECT_EQ(police.agreement(), "ISA-SM-01 v2");
  EXPECT_EQ(police.rule(), "SM-R1");
  EXPECT_EQ(police.lawful_basis(), "public_task");
  EXPECT_EQ(police.content_hash(), "view-police");
  EXPECT_EQ(police.delivered_index(), 11u);
  EXPECT_EQ(police.subscription(), "police-inbox");
  EXPECT_TRUE(police.acknowledged());
  EXPECT_EQ(police.acknowledged_index(), 13u);
  const RecipientStatus& health = h.recipients(1);
  EXPECT_EQ(health.delivered_index(), 12u);
  EXPECT_FALSE(health.acknowledged());
  ASSERT_EQ(h.withheld_size(), 1);
  EXPECT_EQ(h.withheld(0).agency(), "probation");
  EXPECT_EQ(h.withheld(0).reason(), "no rule shares strategy_minutes with probation");
  EXPECT_THAT(h.not_acknowledged(), ElementsAre("health"));
}

TEST(HistoryBuilderTest, ABatchSpanningCasesCountsOnlyTheCaseAsked) {
  auto entries = DemoCase();
  // One delivery batch to police with a notification of another case.
  auto batch = Entry(
      14, "delivered", "broker",
      {Line("delivered", "police", "n-other", "CASE-OTHER"), Line("delivered", "police", kN2)});
  batch.set_subscription("police-inbox");
  entries.push_back(batch);
  const auto histories = Build(entries);
  ASSERT_EQ(histories.size(), 2u);
  EXPECT_EQ(histories[1].notification_id(), kN2);
  EXPECT_EQ(histories[1].published_index(), 0u);  // its decision was not among the entries
  ASSERT_EQ(histories[1].recipients_size(), 1);
  EXPECT_EQ(histories[1].recipients(0).outcome(), "");
  EXPECT_EQ(histories[1].recipients(0).delivered_index(), 14u);
}

TEST(HistoryBuilderTest, OnlyTheNotificationsAskedForWhenScopedByThem) {
  auto entries = DemoCase();
  entries.push_back(Entry(20, "published", "police", {Line("routed", "cfs", kN2)}, kN2));
  const auto histories = Build(entries, HistoryBuilder("", {kN2}));
  ASSERT_EQ(histories.size(), 1u);
  EXPECT_EQ(histories[0].notification_id(), kN2);
  EXPECT_EQ(histories[0].publisher(), "police");
}

TEST(HistoryBuilderTest, UrgentDisclosuresAreRecipientsMarkedAsSuch) {
  const auto histories =
      Build({Entry(5, "published", "police", {Line("urgent_disclosure", "education", kN1)}, kN1)});
  ASSERT_EQ(histories.size(), 1u);
  ASSERT_EQ(histories[0].recipients_size(), 1);
  EXPECT_EQ(histories[0].recipients(0).outcome(), "urgent_disclosure");
  EXPECT_EQ(histories[0].recipients(0).detail(), "urgent: risk to life");
}

// Stores written before lines existed have one entry per agency.
TEST(HistoryBuilderTest, EntriesOfEncodingVersionOneReadAsOneLineEach) {
  v1::AuditEntry published = Entry(1, "published", "cfs", {}, kN1);
  v1::AuditEntry routed = Entry(2, "routed", "broker", {}, kN1);
  routed.set_version(1);
  routed.set_recipient("police");
  routed.set_rule("SM-R1");
  routed.set_lawful_basis("public_task");
  v1::AuditEntry withheld = Entry(3, "withheld", "broker", {}, kN1);
  withheld.set_version(1);
  withheld.set_recipient("probation");
  withheld.set_detail("no rule");
  v1::AuditEntry acked = Entry(4, "acknowledged", "police", {}, kN1);
  acked.set_version(1);
  acked.set_recipient("police");
  const auto histories = Build({published, routed, withheld, acked});
  ASSERT_EQ(histories.size(), 1u);
  ASSERT_EQ(histories[0].recipients_size(), 1);
  EXPECT_EQ(histories[0].recipients(0).rule(), "SM-R1");
  EXPECT_TRUE(histories[0].recipients(0).acknowledged());
  ASSERT_EQ(histories[0].withheld_size(), 1);
  EXPECT_EQ(histories[0].withheld(0).reason(), "no rule");
  EXPECT_THAT(histories[0].not_acknowledged(), IsEmpty());
}

TEST(HistoryBuilderTest, OtherEntriesOfTheCaseAreEvents) {
  v1::AuditEntry refused = Entry(30, "publish_refused", "education", {});
  refused.set_case_ref(kCase);
  refused.set_detail("education may not publish strategy_minutes");
  HistoryBuilder builder(kCase);
  builder.Add(refused);
  ASSERT_EQ(builder.events().size(), 1u);
  EXPECT_EQ(builder.events()[0].action(), "publish_refused");
  EXPECT_EQ(builder.events()[0].detail(), "education may not publish strategy_minutes");
  EXPECT_THAT(builder.Histories(), IsEmpty());
}

TEST(ReportTextTest, TheCaseReportNamesEveryStepAndWhoHasNotAcknowledged) {
  CaseReport report;
  report.set_case_ref(kCase);
  report.set_entries_read(4);
  report.set_tree_size(13);
  for (auto& h : Build(DemoCase())) *report.add_notifications() = h;
  std::ostringstream text;
  PrintCaseReport(report, text);
  const std::string out = text.str();
  EXPECT_THAT(out, HasSubstr("Case CASE-2026-001: 1 notification(s), 4 audit entries read (log of "
                             "13 entries)\n"));
  EXPECT_THAT(out, HasSubstr("Notification n-1 (strategy_minutes sequence 7; policy ISA-SM-01@2)"));
  EXPECT_THAT(out, HasSubstr("published 2025-11-30 12:00:10Z by cfs (entry 10"));
  EXPECT_THAT(out, HasSubstr("    police     agreement ISA-SM-01 v2; rule SM-R1; purpose "
                             "PURPOSE_STRATEGY_DISCUSSION; lawful basis public_task\n"));
  EXPECT_THAT(out, HasSubstr("delivered 2025-11-30 12:00:11Z (police-inbox, entry 11); "
                             "acknowledged 2025-11-30 12:00:13Z (entry 13)"));
  EXPECT_THAT(out, HasSubstr("delivered 2025-11-30 12:00:12Z (health-inbox, entry 12); NOT "
                             "ACKNOWLEDGED"));
  EXPECT_THAT(out, HasSubstr("withheld from\n    probation  no rule shares strategy_minutes "
                             "with probation\n"));
  EXPECT_THAT(out, HasSubstr("NOT ACKNOWLEDGED BY: health\n"));
}

TEST(ReportTextTest, TheJsonFormPrintsFalseAndEmptyFieldsToo) {
  const auto histories = Build(DemoCase());
  const std::string json = ToJson(histories[0]);
  EXPECT_THAT(json, HasSubstr("\"notAcknowledged\":[\"health\"]"));
  EXPECT_THAT(json, HasSubstr("\"acknowledged\":false"));
  EXPECT_THAT(json, HasSubstr("\"publishedIndex\":\"10\""));
}

TEST(ReportTextTest, AnEntrySummaryGroupsItsLinesByOutcome) {
  auto published = DemoCase()[0];
  EXPECT_EQ(EntrySummary(published),
            "strategy_minutes sequence 7; policy ISA-SM-01@2; routed: police, health; "
            "withheld: probation");
  v1::AuditEntry delivered;
  delivered.set_detail("sequence 7");
  delivered.set_recipient("police");
  delivered.set_subscription("police-inbox");
  auto* line = delivered.add_lines();
  line->set_outcome("delivered");
  line->set_notification_id("n-7");
  EXPECT_EQ(EntrySummary(delivered),
            "sequence 7; recipient police; subscription police-inbox; delivered: n-7");
}

}  // namespace
}  // namespace safeshare::review
