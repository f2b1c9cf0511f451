// Real broker processes on one PostgreSQL database: a broker on PostgreSQL
// serves and resumes across a restart as one on SQLite does, and with two
// brokers a subscriber on one receives what was published through the
// other, in order, and can move between them without loss or redelivery.
#include <future>
#include <thread>

#include "broker/audit/chain.h"
#include "broker/store/audit_rows.h"
#include "broker/store/pg_db.h"
#include "tests/integration/scenario.h"
#include "tests/support/test_postgres.h"

namespace safeshare::testing {
namespace {

class BrokersOnPostgresTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = TestPostgres::Find();
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *server;
    auto name = server_->CreateDatabase();
    ASSERT_TRUE(name.ok()) << name.status();
    name_ = *name;
  }
  void TearDown() override {
    if (server_) {
      EXPECT_TRUE(server_->DropDatabase(name_).ok());
    }
  }

  // A broker on this test's database (its own directory, TLS state and port).
  std::unique_ptr<BrokerProcess> Start() {
    BrokerOptions options;
    options.config_edits = {{"store:\n  path: {STORE}\n",
                             "store:\n  kind: postgres\n  dsn: \"" + server_->Dsn(name_) +
                                 "\"\n  password_file: " + server_->password_file().string() +
                                 "\n  state_directory: state\n"}};
    return std::make_unique<BrokerProcess>(std::move(options));
  }

  // Every audit entry in the database, in id order.
  std::vector<audit::Entry> AuditLog() {
    auto db = store::PgConnection::Open(server_->Params(name_), /*read_only=*/true);
    EXPECT_TRUE(db.ok()) << db.status();
    if (!db.ok()) return {};
    auto rows = (*db)->Prepare(std::string("SELECT ") + store::kAuditColumns +
                               " FROM audit a ORDER BY a.id");
    EXPECT_TRUE(rows.ok());
    auto entries = store::CollectRows<audit::Entry>(*rows, store::AuditEntryFromRow);
    EXPECT_TRUE(entries.ok()) << entries.status();
    return entries.ok() ? *entries : std::vector<audit::Entry>{};
  }

  std::optional<TestPostgres> server_;
  std::string name_;
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

}  // namespace
}  // namespace safeshare::testing
