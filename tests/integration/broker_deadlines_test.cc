// Deadlines on the real broker, cut to seconds: a notification its
// recipient does not acknowledge is escalated to the recipient and the
// publisher, then to the safeguarding lead; one acknowledged in time is
// not. The broker is restarted while the deadline is pending and after it
// fired: each level is raised once. The lead lists what is overdue; other
// roles may not; the audit records every escalation and verifies.
#include "tests/integration/raw_stream.h"

namespace safeshare::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

BrokerOptions Options(const std::string& dir, const std::string& agreements) {
  return BrokerOptions{.dir = dir,
                       .config_edits = {{"agreements: {AGREEMENTS}", "agreements: " + agreements},
                                        {"check_every: 30s", "check_every: 1s"}}};
}

int64_t Escalations(const BrokerProcess& broker) {
  return QueryStore(broker, "SELECT count(*) FROM notifications WHERE publisher='broker'");
}

TEST(DeadlinesTest, AnUnreadNotificationIsEscalatedOncePerLevelAcrossRestarts) {
  const std::string agreements = ShortDeadlineAgreements("4s", "3s");
  const std::string dir = MakeTempDir("safeshare-deadlines");
  std::string unread_id;
  {
    BrokerProcess broker(Options(dir, agreements));
    auto police = Connect(broker, "police");
    auto cfs = Connect(broker, "cfs");
    auto read = police.Publish(Example("investigation_outcome", "dl-read"));
    auto unread = police.Publish(Example("abe_interview_record", "dl-unread"));
    ASSERT_TRUE(read.ok() && unread.ok());
    unread_id = unread->notification_id();
    // Children's social care acknowledges the first in time, not the second.
    const auto got = Receive(cfs, "inbox", 1);
    ASSERT_EQ(got.size(), 1u);
    ASSERT_EQ(got[0].sequence(), 1u);
    ASSERT_EQ(broker.Terminate(), 0);  // stopped with the deadline pending
  }
  BrokerProcess broker(Options(dir, agreements));
  // Level 1 four seconds after routing, level 2 three seconds later: two
  // escalations, raised by the restarted broker from what it stored.
  ASSERT_TRUE(Eventually([&] { return Escalations(broker) == 2; }, std::chrono::seconds(30)));
  auto lead = Connect(broker, "lead");
  const auto to_lead = Receive(lead, "escalations", 1);
  ASSERT_EQ(to_lead.size(), 1u);
  v1::Notification escalation = to_lead[0].notification();
  EXPECT_EQ(escalation.publisher(), "broker");
  EXPECT_EQ(escalation.escalation().level(), v1::ESCALATION_LEVEL_SAFEGUARDING_LEAD);
  EXPECT_EQ(escalation.escalation().notification_id(), unread_id);
  EXPECT_EQ(escalation.escalation().recipient(), "cfs");
  EXPECT_EQ(escalation.escalation().deadline_rule(), "PCI-DL1");
  // The publisher heard at level 1, on a subscription of its own for them.
  auto police = Connect(broker, "police");
  const auto to_police = Receive(police, "escalations", 1);
  ASSERT_EQ(to_police.size(), 1u);
  escalation = to_police[0].notification();
  EXPECT_EQ(escalation.escalation().level(), v1::ESCALATION_LEVEL_RECIPIENT_AND_PUBLISHER);

  // The lead and IG see it overdue; police may not ask.
  const auto overdue = RunCli(broker, "lead", "overdue");
  EXPECT_EQ(overdue.exit_code, 0) << overdue.output;
  EXPECT_THAT(overdue.output, HasSubstr(" lead  cfs            abe_interview_record"));
  EXPECT_THAT(overdue.output, HasSubstr("ISA-PCI-01 v3 PCI-DL1: acknowledge within 4s, then 3s"));
  EXPECT_THAT(overdue.output, HasSubstr("by agency: cfs 1"));
  // The outcome was acknowledged in time: not overdue.
  EXPECT_THAT(overdue.output, Not(HasSubstr("cfs            investigation_outcome")));
  // The expectation the closing outcome opened is listed, not yet due.
  EXPECT_THAT(overdue.output, HasSubstr("in 90d    -     CASE-2026-0042   strategy_minutes"));
  EXPECT_THAT(overdue.output, HasSubstr("ISA-PCI-01 v3 PCI-EX1: an investigation closed"));
  const auto json = RunCli(broker, "ig", "overdue --json");
  EXPECT_EQ(json.exit_code, 0) << json.output;
  EXPECT_THAT(json.output, HasSubstr("\"notification_id\":\"" + unread_id + "\""));
  const auto refused = RunCli(broker, "police", "overdue");
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_THAT(refused.output, HasSubstr("PERMISSION_DENIED"));

  // Restarted after both fired: nothing is raised again.
  ASSERT_EQ(broker.Terminate(), 0);
  BrokerProcess again(Options(dir, agreements));
  std::this_thread::sleep_for(std::chrono::seconds(3));  // three checks
  EXPECT_EQ(Escalations(again), 2);

  // The IG lead finds both in the audit log, published by the broker under the deadline.
  const auto query = RunCli(again, "ig", "audit query --action published --agency broker --json");
  EXPECT_EQ(query.exit_code, 0) << query.output;
  EXPECT_THAT(query.output, HasSubstr("\"rule\":\"PCI-DL1\""));
  ASSERT_EQ(again.Terminate(), 0);
  const auto audit = RunBrokerCommand(again, "audit");
  EXPECT_EQ(audit.exit_code, 0) << audit.output;
  EXPECT_THAT(audit.output, HasSubstr("audit chain intact"));
}

}  // namespace
}  // namespace safeshare::testing
