// Real broker processes on one PostgreSQL database: a broker on PostgreSQL
// serves and resumes across a restart as one on SQLite does, and with two
// brokers a subscriber on one receives what was published through the
// other, in order, and can move between them without loss or redelivery;
// two brokers raise each escalation once and close each expectation once.
#include <algorithm>
#include <future>
#include <thread>

#include "tests/integration/raw_stream.h"
#include "tests/support/postgres_brokers.h"
#include "tests/support/tcp_proxy.h"

namespace safeshare::testing {
namespace {

class BrokersOnPostgresTest : public PostgresDatabaseTest {
 protected:
  std::vector<audit::Entry> AuditLog() { return PostgresAuditLog(*server_, name_); }
};

TEST_F(BrokersOnPostgresTest, ABrokerOnPostgresServesAndResumesAcrossARestart) {
  auto broker = Start();
  {
    auto police = Connect(*broker, "police");
    auto published = police.Publish(Example("investigation_outcome", "pg-1"));
    ASSERT_TRUE(published.ok()) << published.status();
    EXPECT_EQ(published->sequence(), 1u);
    auto cfs = Connect(*broker, "cfs");
    auto got = Receive(cfs, "cfs-inbox", 1);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].notification().notification_id(), published->notification_id());
  }
  EXPECT_EQ(broker->Terminate(), 0);
  EXPECT_THAT(ReadFile(broker->dir() + "/broker.log"),
              ::testing::HasSubstr("PostgreSQL database " + name_));

  broker = Start();  // the same database
  auto police = Connect(*broker, "police");
  auto again = police.Publish(Example("investigation_outcome", "pg-1"));  // a retry
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->sequence(), 1u);
  auto second = police.Publish(Example("investigation_outcome", "pg-2"));
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->sequence(), 2u);
  auto cfs = Connect(*broker, "cfs");
  auto got = Receive(cfs, "cfs-inbox", 1);  // only what it had not acknowledged
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].notification().notification_id(), second->notification_id());

  const auto log = AuditLog();
  ASSERT_FALSE(log.empty());
  EXPECT_TRUE(audit::VerifyChain(log).ok()) << audit::VerifyChain(log);
}

TEST_F(BrokersOnPostgresTest, ASubscriberOnOneBrokerReceivesWhatWasPublishedThroughTheOther) {
  auto a = Start();
  auto b = Start();
  // cfs waits on b for three notifications that police publishes through a.
  auto cfs_b = Connect(*b, "cfs");
  auto receiving = std::async(std::launch::async, [&] { return Receive(cfs_b, "inbox", 3); });
  auto police = Connect(*a, "police");
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    auto published = police.Publish(Example("investigation_outcome", "x-" + std::to_string(i)));
    ASSERT_TRUE(published.ok()) << published.status();
    ids.push_back(published->notification_id());
  }
  const auto got = receiving.get();
  ASSERT_EQ(got.size(), 3u);
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].notification().notification_id(), ids[i]);
  }

  // The consumer moves to a: it gets what was published since (through
  // b this time), and nothing it acknowledged on b again.
  auto police_b = Connect(*b, "police");
  auto fourth = police_b.Publish(Example("investigation_outcome", "x-3"));
  ASSERT_TRUE(fourth.ok()) << fourth.status();
  auto cfs_a = Connect(*a, "cfs");
  const auto moved = Receive(cfs_a, "inbox", 1);
  ASSERT_EQ(moved.size(), 1u);
  EXPECT_EQ(moved[0].notification().notification_id(), fourth->notification_id());

  // One audit chain, written by both brokers.
  const auto log = AuditLog();
  EXPECT_TRUE(audit::VerifyChain(log).ok()) << audit::VerifyChain(log);
}

// Routing facts changed through one broker (an interest, a case's status and
// engagements, a person named on a case) decide publishes through the other
// once its announcement arrives: a publish is retried under a new key until
// the reread took effect, within 20 s.
TEST_F(BrokersOnPostgresTest, RoutingFactsChangedThroughOneBrokerDecideOnTheOther) {
  auto a = Start();
  auto b = Start();
  auto probation_b = Connect(*b, "probation");
  v1::InterestRequest interest;
  auto* pnc = interest.add_identifiers();
  pnc->set_scheme(v1::IDENTIFIER_SCHEME_PNC_NUMBER);
  pnc->set_value("2019/0123456X");  // the person of concern of the examples
  ASSERT_TRUE(probation_b.RegisterInterest(interest).ok());
  auto cfs_b = Connect(*b, "cfs");
  v1::UpdateCaseRequest update;
  update.set_case_ref("CASE-PG-CLOSED");
  update.add_engage("police");
  update.add_engage("cfs");
  update.set_status(v1::CASE_STATUS_CLOSED);
  ASSERT_TRUE(cfs_b.UpdateCase(update).ok());

  // Through a: the outcome on the closed case reaches probation (its
  // interest, registered on b), and names the person on that case.
  auto police_a = Connect(*a, "police");
  int attempt = 0;
  const auto publish_until = [&](client::Client& publisher, const std::string& type,
                                 const std::string& case_ref, const auto& routed_enough) {
    for (const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
         std::chrono::steady_clock::now() < until;
         std::this_thread::sleep_for(std::chrono::milliseconds(100))) {
      auto n = Example(type, "pg-routing-" + std::to_string(++attempt));
      n.set_case_ref(case_ref);
      auto published = publisher.Publish(n);
      EXPECT_TRUE(published.ok()) << published.status();
      if (published.ok() && routed_enough(*published)) return true;
    }
    return false;
  };
  EXPECT_TRUE(publish_until(
      police_a, "investigation_outcome", "CASE-PG-CLOSED", [](const v1::PublishResponse& r) {
        return std::count(r.routed_to().begin(), r.routed_to().end(), "probation") == 1;
      }));
  // Through b: a risk update about that person on another case reaches the
  // agencies engaged with the closed case, which a linked the person to.
  v1::PublishResponse risk;
  EXPECT_TRUE(publish_until(probation_b, "probation_risk_update", "CASE-PG-OTHER",
                            [&](const v1::PublishResponse& r) {
                              risk = r;
                              return r.routed_to_size() == 2;
                            }));
  EXPECT_THAT(risk.routed_to(), ::testing::UnorderedElementsAre("police", "cfs"));
  const auto log = AuditLog();
  EXPECT_TRUE(audit::VerifyChain(log).ok()) << audit::VerifyChain(log);
}

TEST_F(BrokersOnPostgresTest, TwoBrokersRaiseEachEscalationAndCloseEachExpectationOnce) {
  BrokerOptions options{.config_edits = {{"agreements: {AGREEMENTS}",
                                          "agreements: " + ShortDeadlineAgreements("3s", "2s")},
                                         {"check_every: 30s", "check_every: 1s"}}};
  auto a = Start("", options);
  auto b = Start("", options);
  // Minutes through b open an expectation of an outcome from police, which
  // police publish through a; an ABE record through a is left unread.
  auto cfs = Connect(*b, "cfs");
  ASSERT_TRUE(cfs.Publish(Example("strategy_minutes", "pg-minutes")).ok());
  auto police = Connect(*a, "police");
  ASSERT_TRUE(police.Publish(Example("investigation_outcome", "pg-outcome")).ok());
  ASSERT_TRUE(police.Publish(Example("abe_interview_record", "pg-unread")).ok());
  const auto raised = [&] {
    return PostgresColumn(*server_, name_,
                          "SELECT count(*) FROM notifications WHERE publisher='broker'");
  };
  // The ABE record and the outcome both go unacknowledged by cfs: level 1
  // and level 2 of each, raised by whichever broker holds the duty.
  ASSERT_TRUE(Eventually([&] { return raised() == std::vector<std::string>{"4"}; },
                         std::chrono::seconds(30)));
  std::this_thread::sleep_for(std::chrono::seconds(3));  // three more checks on each broker
  EXPECT_EQ(raised(), std::vector<std::string>{"4"});
  const auto log = AuditLog();
  const auto count = [&](audit::Action action) {
    return std::count_if(log.begin(), log.end(),
                         [&](const audit::Entry& e) { return e.action == action; });
  };
  EXPECT_EQ(count(audit::Action::kExpectationMet), 1);
  // Opened: SM-EX1 by the minutes, PCI-EX1 by the closing outcome.
  EXPECT_EQ(count(audit::Action::kExpectationOpened), 2);
  EXPECT_TRUE(audit::VerifyChain(log).ok()) << audit::VerifyChain(log);
}

TEST_F(BrokersOnPostgresTest, ACutOffDatabaseTakesTheBrokerOutOfServiceUntilItAnswersAgain) {
  TcpProxy proxy(server_->port());
  auto broker = Start(server_->DsnVia(name_, proxy.port()));
  auto police = RawStub(*broker, "police");
  const auto publish = [&](const std::string& key, v1::PublishResponse* answer) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(15));
    v1::PublishRequest request;
    *request.mutable_notification() = Example("investigation_outcome", key);
    return police->Publish(&context, request, answer);
  };
  v1::PublishResponse first;
  ASSERT_TRUE(publish("cut-1", &first).ok());
  EXPECT_TRUE(HealthBecomes(*broker, kServing));

  proxy.Cut();
  v1::PublishResponse refused;
  const auto during = publish("cut-2", &refused);
  EXPECT_EQ(during.error_code(), grpc::StatusCode::UNAVAILABLE) << during.error_message();
  EXPECT_TRUE(HealthBecomes(*broker, kNotServing));

  proxy.Restore();
  EXPECT_TRUE(HealthBecomes(*broker, kServing));
  // The refused publish stored nothing: retried, it gets the next sequence.
  v1::PublishResponse retried;
  const auto after = publish("cut-2", &retried);
  ASSERT_TRUE(after.ok()) << after.error_message();
  EXPECT_EQ(retried.sequence(), first.sequence() + 1);
  auto cfs = Connect(*broker, "cfs");
  const auto got = Receive(cfs, "inbox", 2);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[1].notification().notification_id(), retried.notification_id());
  EXPECT_THAT(ReadFile(broker->dir() + "/broker.log"), ::testing::HasSubstr("answers again"));
  EXPECT_EQ(broker->Terminate(), 0);
}

}  // namespace
}  // namespace safeshare::testing
