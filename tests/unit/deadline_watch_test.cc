// The deadline watch over a FakeStore whose clock the test moves: each
// escalation level at its due time and not a microsecond before, an
// acknowledgement just before the deadline, a restart in the middle of a
// pending deadline, two brokers watching one store, and the escalation as
// stored, delivered and audited.
#include "tests/unit/watch_fixture.h"

namespace safeshare::service {
namespace {

using std::chrono::hours;
using std::chrono::microseconds;
using std::chrono::minutes;
using std::chrono::seconds;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using DeadlineWatchTest = WatchFixture;

TEST_F(DeadlineWatchTest, EachLevelIsRaisedAtItsDueTimeOnceAndNotBefore) {
  auto watch = Watch();
  const auto seq = PublishAbe("abe-1");  // Friday 09:00: due Monday 09:00
  const auto id = IdOf(seq);
  EXPECT_EQ(Check(*watch), 0u);
  EXPECT_EQ(watch->NextDue(), At("2026-11-23T09:00:00Z"));
  clock_.SetWall(At("2026-11-23T09:00:00Z") - 1);  // the weekend does not count
  EXPECT_EQ(Check(*watch), 0u);
  EXPECT_THAT(Escalations("cfs"), IsEmpty());

  clock_.SetWall(At("2026-11-23T09:00:00Z"));
  EXPECT_EQ(Check(*watch), 1u);
  // Level 1 to the recipient that has not acknowledged and the publisher;
  // health has no deadline and the lead waits for level 2.
  EXPECT_THAT(Escalations("cfs"), ElementsAre(std::pair{1, id}));
  EXPECT_THAT(Escalations("police"), ElementsAre(std::pair{1, id}));
  EXPECT_THAT(Escalations("health"), IsEmpty());
  EXPECT_THAT(Escalations("lead"), IsEmpty());
  EXPECT_EQ(Check(*watch), 0u);  // never twice
  EXPECT_EQ(watch->NextDue(), At("2026-11-23T11:00:00Z"));

  clock_.SetWall(At("2026-11-23T11:00:00Z"));
  EXPECT_EQ(Check(*watch), 1u);
  EXPECT_THAT(Escalations("lead"), ElementsAre(std::pair{2, id}));
  EXPECT_THAT(Escalations("cfs"), ElementsAre(std::pair{1, id}));
  EXPECT_EQ(Check(*watch), 0u);
  EXPECT_EQ(watch->NextDue(), 0);
}

TEST_F(DeadlineWatchTest, TheEscalationIsStoredAsTheBrokersAndAuditedUnderTheDeadline) {
  auto watch = Watch();
  const auto seq = PublishAbe("abe-1");
  clock_.SetWall(At("2026-11-23T09:30:00Z"));  // checked late: still due, raised at once
  EXPECT_EQ(Check(*watch), 1u);
  auto deliveries = store_.ReadDeliveries(AgencyId("cfs"), seq, 10);
  ASSERT_TRUE(deliveries.ok());
  ASSERT_EQ(deliveries->size(), 1u);
  const auto& d = deliveries->front();
  EXPECT_EQ(d.rule, "DL-D1");
  EXPECT_EQ(d.agreement, "ISA-DL v2");
  EXPECT_EQ(d.lawful_basis, "legal_obligation");
  EXPECT_EQ(d.purpose, "PURPOSE_ESCALATION");
  v1::Notification n;
  ASSERT_TRUE(n.ParseFromString(d.body));
  EXPECT_EQ(n.publisher(), "broker");
  EXPECT_EQ(n.case_ref(), samples::AbeInterviewRecord().case_ref());
  EXPECT_EQ(n.lawful_basis(), v1::LAWFUL_BASIS_LEGAL_OBLIGATION);
  const auto& e = n.escalation();
  EXPECT_EQ(e.level(), v1::ESCALATION_LEVEL_RECIPIENT_AND_PUBLISHER);
  EXPECT_EQ(e.kind(), v1::ESCALATION_KIND_UNACKNOWLEDGED);
  EXPECT_EQ(e.sequence(), seq.value());
  EXPECT_EQ(e.notification_type(), "abe_interview_record");
  EXPECT_EQ(e.publisher(), "police");
  EXPECT_EQ(e.recipient(), "cfs");
  EXPECT_EQ(e.deadline_rule(), "DL-D1");
  EXPECT_EQ(e.deadline(), "acknowledge within 1 working day, then 2h to the safeguarding lead");
  EXPECT_EQ(google::protobuf::util::TimeUtil::TimestampToMicroseconds(e.acknowledge_due_at()),
            At("2026-11-23T09:00:00Z"));
  // It names the notification, never its content: no child, no person.
  EXPECT_EQ(n.children_considered_size(), 0);
  EXPECT_EQ(n.persons_of_concern_size(), 0);

  auto audit = store_.ReadAudit(0, 100);
  ASSERT_TRUE(audit.ok());
  const auto& last = audit->back();
  EXPECT_EQ(last.action, audit::Action::kPublished);
  EXPECT_EQ(last.actor, "broker");
  ASSERT_EQ(last.lines.size(), 2u);
  EXPECT_EQ(last.lines[0].agency, "cfs");
  EXPECT_EQ(last.lines[0].rule, "DL-D1");
  EXPECT_EQ(last.lines[1].agency, "police");
}

TEST_F(DeadlineWatchTest, AnAcknowledgementASecondBeforeTheDeadlineRaisesNothing) {
  auto watch = Watch();
  const auto seq = PublishAbe("abe-1");
  EXPECT_EQ(Check(*watch), 0u);
  clock_.SetWall(At("2026-11-23T08:59:59Z"));
  Acknowledge(seq);
  clock_.SetWall(At("2026-11-23T12:00:00Z"));  // past both levels
  EXPECT_EQ(Check(*watch), 0u);
  EXPECT_THAT(Escalations("cfs"), IsEmpty());
  EXPECT_THAT(Escalations("lead"), IsEmpty());
  EXPECT_EQ(watch->NextDue(), 0);
}

TEST_F(DeadlineWatchTest, ARestartInTheMiddleRaisesEachLevelOnceAtTheRightTime) {
  const auto seq = PublishAbe("abe-1");
  const auto id = IdOf(seq);
  {
    auto before = Watch();
    EXPECT_EQ(Check(*before), 0u);
  }  // the broker stops with the deadline pending
  clock_.SetWall(At("2026-11-23T08:00:00Z"));
  auto after = Watch();  // rebuilt from the store
  EXPECT_EQ(Check(*after), 0u);
  EXPECT_EQ(after->NextDue(), At("2026-11-23T09:00:00Z"));
  clock_.SetWall(At("2026-11-23T09:00:00Z"));
  EXPECT_EQ(Check(*after), 1u);
  after.reset();  // and stops again after raising level 1
  clock_.SetWall(At("2026-11-23T10:00:00Z"));
  auto again = Watch();
  EXPECT_EQ(Check(*again), 0u);  // found raised, not raised again
  clock_.SetWall(At("2026-11-23T11:00:00Z"));
  EXPECT_EQ(Check(*again), 1u);
  EXPECT_THAT(Escalations("cfs"), ElementsAre(std::pair{1, id}));
  EXPECT_THAT(Escalations("lead"), ElementsAre(std::pair{2, id}));
}

TEST_F(DeadlineWatchTest, TwoBrokersWatchingOneStoreRaiseEachLevelOnce) {
  auto a = Watch(), b = Watch();
  PublishAbe("abe-1");
  PublishAbe("abe-2");
  clock_.SetWall(At("2026-11-23T12:00:00Z"));
  EXPECT_EQ(Check(*a) + Check(*b), 4u);  // two deliveries, two levels each
  EXPECT_EQ(Check(*a) + Check(*b), 0u);
  EXPECT_EQ(Escalations("cfs").size(), 2u);
  EXPECT_EQ(Escalations("lead").size(), 2u);
}

TEST_F(DeadlineWatchTest, RunsOnItsTimerFromStartUntilStop) {
  PublishAbe("abe-1");
  clock_.SetWall(At("2026-11-24T09:00:00Z"));
  auto watch = Watch();
  watch->Start();  // checks at once
  for (int i = 0; i < 250 && Escalations("lead").empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(Escalations("lead").size(), 1u);
  watch->Stop();
  watch->Stop();  // idempotent
}

TEST_F(DeadlineWatchTest, TheOverdueListShowsWhatIsPastItsDeadlineForTheLeadAndIg) {
  const auto first = PublishAbe("abe-1");  // Friday 09:00
  clock_.SetWall(At("2026-11-20T15:00:00Z"));
  const auto second = PublishAbe("abe-2");  // Friday 15:00: due Monday 15:00
  clock_.SetWall(At("2026-11-23T09:00:00Z") - 1);
  auto none = Overdue(kLead);
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_THAT(none->deliveries, IsEmpty());

  clock_.SetWall(At("2026-11-23T12:00:00Z"));
  auto page = Overdue(kLead);
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_EQ(page->deliveries.size(), 1u);  // health has no deadline; the second is not due
  const auto& d = page->deliveries[0];
  EXPECT_EQ(d.delivery.sequence, first);
  EXPECT_EQ(d.delivery.recipient, AgencyId("cfs"));
  EXPECT_EQ(d.acknowledge_due_micros, At("2026-11-23T09:00:00Z"));
  EXPECT_EQ(d.lead_due_micros, At("2026-11-23T11:00:00Z"));
  EXPECT_EQ(d.deadline.rule->id, "DL-D1");
  EXPECT_EQ(page->as_of_micros, At("2026-11-23T12:00:00Z"));
  EXPECT_EQ(page->next_after_sequence, 0u);

  clock_.SetWall(At("2026-11-23T15:00:00Z"));
  auto both = Overdue({AgencyId("ig"), "information_governance"}, {"", "cfs", Sequence(), 1});
  ASSERT_TRUE(both.ok()) << both.status();
  ASSERT_EQ(both->deliveries.size(), 1u);  // a page of one
  EXPECT_EQ(both->next_after_sequence, first.value());
  auto next = Overdue(kLead, {"", "cfs", first, 1});
  ASSERT_TRUE(next.ok());
  ASSERT_EQ(next->deliveries.size(), 1u);
  EXPECT_EQ(next->deliveries[0].delivery.sequence, second);

  Acknowledge(first);  // acknowledged late: no longer overdue
  auto after = Overdue(kLead);
  ASSERT_TRUE(after.ok());
  ASSERT_EQ(after->deliveries.size(), 1u);
  EXPECT_EQ(after->deliveries[0].delivery.sequence, second);

  // Other roles are refused, and the refusal audited.
  auto refused = Overdue(kPolice);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kPermissionDenied);
  auto audit = store_.ReadAudit(0, 1000);
  ASSERT_TRUE(audit.ok());
  EXPECT_EQ(audit->back().action, audit::Action::kAccessRefused);
  // Each served call is audited as a read.
  EXPECT_EQ((*audit)[audit->size() - 2].action, audit::Action::kAuditRead);
}

}  // namespace
}  // namespace safeshare::service
