// Real broker processes on one PostgreSQL database: a broker on PostgreSQL
// serves and resumes across a restart as one on SQLite does, and with two
// brokers a subscriber on one receives what was published through the
// other, in order, and can move between them without loss or redelivery.
#include <future>
#include <thread>

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
