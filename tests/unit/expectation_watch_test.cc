// Expectations over a FakeStore whose clock the test moves: opened in the
// same commit as the notification that opens them, met by the expected
// notification on the case, escalated at their due time (then to the lead)
// when not, rebuilt from the audit log by a restarted watch, and listed as
// overdue for the safeguarding lead.
#include "tests/unit/watch_fixture.h"

namespace safeshare::service {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ExpectationWatchTest = WatchFixture;

// An update of an open investigation: opens nothing, meets DL-EX1.
v1::Notification OpenOutcome() {
  auto n = samples::InvestigationOutcome();
  auto* o = n.mutable_investigation_outcome();
  o->set_status(v1::INVESTIGATION_STATUS_UNDER_INVESTIGATION);
  o->clear_rationale();
  o->set_follow_up_discussion_required(false);
  o->clear_follow_up_discussion_due();
  return n;
}

std::vector<audit::Entry> Entries(const store::Store& store, audit::Action action) {
  auto all = store.ReadAudit(0, 10'000);
  EXPECT_TRUE(all.ok());
  std::vector<audit::Entry> out;
  for (auto& e : all.ok() ? *all : std::vector<audit::Entry>{}) {
    if (e.action == action) out.push_back(std::move(e));
  }
  return out;
}

TEST_F(ExpectationWatchTest, MinutesDecidingASection47EnquiryOpenOneThatTheOutcomeMeets) {
  auto watch = Watch();
  const auto minutes = PublishAs(kCfs, samples::StrategyMinutes(), "m-1");  // Friday 09:00
  // Opened in the publish's own commit, right after its `published` entry.
  const auto opened = Entries(store_, audit::Action::kExpectationOpened);
  ASSERT_EQ(opened.size(), 1u);
  EXPECT_EQ(opened[0].actor, "broker");
  EXPECT_EQ(opened[0].rule, "DL-EX1");
  EXPECT_EQ(opened[0].notification_id, IdOf(minutes));
  EXPECT_EQ(opened[0].detail,
            "due 2026-11-24T09:00:00.000Z; expects investigation_outcome from police; opened by "
            "strategy_minutes sequence 1 from cfs; a section 47 enquiry decided: "
            "investigation_outcome from police within 2 working days (ISA-DL v2)");
  EXPECT_EQ(Check(*watch), 0u);
  EXPECT_EQ(watch->NextDue(), At("2026-11-24T09:00:00Z"));

  clock_.SetWall(At("2026-11-23T10:00:00Z"));
  const auto outcome = PublishAs(kPolice, OpenOutcome(), "o-1");
  EXPECT_EQ(Check(*watch), 0u);
  const auto met = Entries(store_, audit::Action::kExpectationMet);
  ASSERT_EQ(met.size(), 1u);
  EXPECT_EQ(met[0].rule, "DL-EX1");
  EXPECT_EQ(met[0].notification_id, IdOf(minutes));
  EXPECT_EQ(met[0].detail, "met by investigation_outcome " + IdOf(outcome) + " from police");
  auto open = ReadOpenExpectations(store_, "");
  ASSERT_TRUE(open.ok());
  EXPECT_THAT(*open, IsEmpty());
  // Never escalated, and never met twice.
  clock_.SetWall(At("2026-11-30T09:00:00Z"));
  EXPECT_EQ(Check(*watch), 0u);
  EXPECT_EQ(Entries(store_, audit::Action::kExpectationMet).size(), 1u);
  EXPECT_THAT(Escalations("police"), IsEmpty());
}

TEST_F(ExpectationWatchTest, AnUnmetExpectationIsEscalatedWhenDueThenToTheLead) {
  auto watch = Watch();
  const auto minutes = PublishAs(kCfs, samples::StrategyMinutes(), "m-1");
  const auto id = IdOf(minutes);
  // A publish of another type, or on another case, or by another role, does not meet it.
  auto elsewhere = OpenOutcome();
  elsewhere.set_case_ref("CASE-OTHER");
  PublishAs(kPolice, elsewhere, "o-elsewhere");
  clock_.SetWall(At("2026-11-24T09:00:00Z") - 1);
  EXPECT_EQ(Check(*watch), 0u);

  clock_.SetWall(At("2026-11-24T09:00:00Z"));
  EXPECT_EQ(Check(*watch), 1u);
  // Level 1: the agency expected to publish, and the publisher that opened it.
  EXPECT_THAT(Escalations("police"), ElementsAre(std::pair{1, id}));
  EXPECT_THAT(Escalations("cfs"), ElementsAre(std::pair{1, id}));
  EXPECT_THAT(Escalations("lead"), IsEmpty());
  auto deliveries = store_.ReadDeliveries(AgencyId("police"), Sequence(0), 100);
  ASSERT_TRUE(deliveries.ok());
  v1::Notification n;
  ASSERT_TRUE(n.ParseFromString(deliveries->back().body));
  EXPECT_EQ(n.escalation().kind(), v1::ESCALATION_KIND_EXPECTATION_UNMET);
  EXPECT_EQ(n.escalation().expected_type(), "investigation_outcome");
  EXPECT_EQ(n.escalation().expected_from(), "police");
  EXPECT_EQ(n.escalation().deadline_rule(), "DL-EX1");
  EXPECT_EQ(n.escalation().publisher(), "cfs");
  EXPECT_EQ(deliveries->back().rule, "DL-EX1");
  EXPECT_EQ(Check(*watch), 0u);

  clock_.SetWall(At("2026-11-24T10:00:00Z"));
  EXPECT_EQ(Check(*watch), 1u);
  EXPECT_THAT(Escalations("lead"), ElementsAre(std::pair{2, id}));
  // Met late: closed on the record all the same.
  PublishAs(kPolice, OpenOutcome(), "o-late");
  EXPECT_EQ(Check(*watch), 0u);
  EXPECT_EQ(Entries(store_, audit::Action::kExpectationMet).size(), 1u);
}

TEST_F(ExpectationWatchTest, AClosingOutcomeExpectsMinutesByTheEndOfItsFollowUpDate) {
  auto outcome = samples::InvestigationOutcome();  // closing: no further police action
  auto* due = outcome.mutable_investigation_outcome()->mutable_follow_up_discussion_due();
  due->set_year(2026);
  due->set_month(11);
  due->set_day(25);
  const auto seq = PublishAs(kPolice, outcome, "o-closed");
  auto open = ReadOpenExpectations(store_, samples::InvestigationOutcome().case_ref());
  ASSERT_TRUE(open.ok());
  ASSERT_EQ(open->size(), 1u);
  const auto& expectation = open->begin()->second;
  EXPECT_EQ(expectation.id, "DL-EX2");
  EXPECT_EQ(expectation.due_micros, At("2026-11-26T00:00:00Z"));  // the calendar's midnight
  EXPECT_EQ(expectation.opened_by.value(), IdOf(seq));
  EXPECT_EQ(expectation.opened_publisher, AgencyId("police"));
  auto watch = Watch();
  clock_.SetWall(At("2026-11-25T23:00:00Z"));
  PublishAs(kCfs, samples::StrategyMinutes(), "m-follow-up");  // the discussion held in time
  EXPECT_EQ(Check(*watch), 0u);
  open = ReadOpenExpectations(store_, "");
  ASSERT_TRUE(open.ok());
  ASSERT_EQ(open->size(), 1u);  // only the minutes' own DL-EX1 is open now
  EXPECT_EQ(open->begin()->second.id, "DL-EX1");
}

TEST_F(ExpectationWatchTest, ARestartedWatchRebuildsOpenExpectationsFromTheAuditLog) {
  const auto id = IdOf(PublishAs(kCfs, samples::StrategyMinutes(), "m-1"));
  {
    auto before = Watch();
    EXPECT_EQ(Check(*before), 0u);
  }
  clock_.SetWall(At("2026-11-24T09:30:00Z"));
  auto after = Watch();
  auto other = Watch();  // a second broker on the same store
  EXPECT_EQ(Check(*after) + Check(*other), 1u);
  clock_.SetWall(At("2026-11-24T10:30:00Z"));
  EXPECT_EQ(Check(*other) + Check(*after), 1u);
  EXPECT_THAT(Escalations("police"), ElementsAre(std::pair{1, id}));
  EXPECT_THAT(Escalations("lead"), ElementsAre(std::pair{2, id}));
}

TEST_F(ExpectationWatchTest, SeveralOpenExpectationsAreTrackedApart) {
  auto watch = Watch();
  auto minutes_b = samples::StrategyMinutes();
  minutes_b.set_case_ref("CASE-B");
  const auto a = IdOf(PublishAs(kCfs, samples::StrategyMinutes(), "m-a"));
  const auto b = IdOf(PublishAs(kCfs, minutes_b, "m-b"));
  EXPECT_EQ(Check(*watch), 0u);
  auto outcome_b = OpenOutcome();
  outcome_b.set_case_ref("CASE-B");
  PublishAs(kPolice, outcome_b, "o-b");  // meets B's only
  EXPECT_EQ(Check(*watch), 0u);
  const auto met = Entries(store_, audit::Action::kExpectationMet);
  ASSERT_EQ(met.size(), 1u);
  EXPECT_EQ(met[0].notification_id, b);
  clock_.SetWall(At("2026-11-24T09:00:00Z"));
  EXPECT_EQ(Check(*watch), 1u);  // A's, at its due time
  EXPECT_THAT(Escalations("police"), ElementsAre(std::pair{1, a}));
  auto open = ReadOpenExpectations(store_, "");
  ASSERT_TRUE(open.ok());
  ASSERT_EQ(open->size(), 1u);
  EXPECT_EQ(open->begin()->second.opened_by.value(), a);
}

TEST_F(ExpectationWatchTest, OpenExpectationsAreListedWithTheOverdueDeliveries) {
  PublishAs(kCfs, samples::StrategyMinutes(), "m-1");
  clock_.SetWall(At("2026-11-24T12:00:00Z"));
  auto page = Overdue(kLead);
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_EQ(page->expectations.size(), 1u);
  const auto& listed = page->expectations[0];
  EXPECT_EQ(listed.open.id, "DL-EX1");
  EXPECT_EQ(listed.open.due_micros, At("2026-11-24T09:00:00Z"));
  EXPECT_EQ(listed.lead_due_micros, At("2026-11-24T10:00:00Z"));
  EXPECT_EQ(listed.agreement, "ISA-DL v2");
  EXPECT_THAT(listed.text, HasSubstr("a section 47 enquiry decided"));
  // By the agency expected to act: police's role, not children's social care's.
  auto police = Overdue(kLead, {"", "police", Sequence(), 0});
  ASSERT_TRUE(police.ok());
  EXPECT_EQ(police->expectations.size(), 1u);
  auto cfs = Overdue(kLead, {"", "cfs", Sequence(), 0});
  ASSERT_TRUE(cfs.ok());
  EXPECT_THAT(cfs->expectations, IsEmpty());
}

}  // namespace
}  // namespace safeshare::service
