// The fault tests (tests/fault) against PostgreSQL: the broker killed -9
// under load, PostgreSQL's postmaster killed -9 under load, PostgreSQL's
// disk filled while publishing. Nothing acknowledged is lost, the broker
// refuses what it cannot store with a status that says so and recovers by
// itself, and the audit chain verifies. The last two run on a PostgreSQL of
// their own (PrivatePostgres), not the fixture's, which other tests share.
#include <unistd.h>

#include <fstream>

#include "tests/support/fault_support.h"
#include "tests/support/postgres_brokers.h"
#include "tests/support/private_postgres.h"

namespace safeshare::testing {
namespace {

// Everything in `acked` is stored in database `name` and delivered to cfs
// (whose subscription "fault-check" reads every delivery it has), in order;
// the audit chain verifies.
void ExpectNothingAcknowledgedLost(const BrokerProcess& broker, const TestPostgres& server,
                                   const std::string& name, const Acked& acked) {
  const auto stored = StoredIds(server, name);
  const auto received = ReceiveAllIds(broker, "cfs", DeliveriesFor(server, name, "cfs"));
  for (const auto& [key, id] : acked) {
    EXPECT_TRUE(stored.count(id)) << "acknowledged " << key << " (" << id << ") not stored";
    EXPECT_TRUE(received.count(id)) << "acknowledged " << key << " (" << id << ") not delivered";
  }
  EXPECT_EQ(received.size(), stored.size());
  EXPECT_TRUE(PostgresAuditVerifies(server, name));
}

// One publish through a bare stub, bounded by 15 s (no client retries).
grpc::Status PublishOnce(const BrokerProcess& broker, const std::string& key) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(15));
  v1::PublishRequest request;
  *request.mutable_notification() = Example("abe_interview_record", key);
  v1::PublishResponse answer;
  return RawStub(broker, "police")->Publish(&context, request, &answer);
}

std::string Describe(const std::map<absl::StatusCode, int>& refused) {
  std::string text;
  for (const auto& [code, n] : refused)
    text += absl::StatusCodeToString(code) + " x" + std::to_string(n) + " ";
  return text;
}

class PostgresFaultTest : public PostgresDatabaseTest {};

TEST_F(PostgresFaultTest, KillDashNineOfTheBrokerUnderLoadLosesNothingAcknowledged) {
  auto broker = Start();
  const auto acked = KillUnderLoad(*broker, /*limit=*/3000);
  ASSERT_GE(acked.size(), 300u);

  BrokerOptions same;
  same.dir = broker->dir();
  auto restarted = Start("", std::move(same));  // the same database and state
  ExpectNothingAcknowledgedLost(*restarted, *server_, name_, acked);
  ExpectRetryGetsTheOriginal(*restarted, acked);
}

TEST(PostgresServerFaultTest, KillDashNineOfThePostmasterUnderLoadLosesNothingAcknowledged) {
  PrivatePostgres postgres;
  const auto& server = postgres.server();
  const auto name = server.CreateDatabase();
  ASSERT_TRUE(name.ok()) << name.status();
  auto broker = StartOnPostgres(server, *name);
  ASSERT_TRUE(HealthBecomes(*broker, kServing));
  PublishLoad load(*broker, /*threads=*/2, /*limit=*/4000, /*keep_going=*/true);
  WaitFor([&] { return load.acked() >= 100; }, std::chrono::seconds(60));
  ASSERT_GE(load.acked(), 100u);

  postgres.Kill();  // the postmaster; its backends follow it
  EXPECT_TRUE(HealthBecomes(*broker, kNotServing, std::chrono::seconds(30)));
  const auto during = PublishOnce(*broker, "while-down");
  EXPECT_EQ(during.error_code(), grpc::StatusCode::UNAVAILABLE) << during.error_message();
  const size_t acked_while_down = load.acked();
  std::this_thread::sleep_for(std::chrono::seconds(2));
  EXPECT_EQ(load.acked(), acked_while_down) << "acknowledged with PostgreSQL down";
  ASSERT_TRUE(broker->running());

  ASSERT_TRUE(postgres.Restart());  // crash recovery, same port
  EXPECT_TRUE(HealthBecomes(*broker, kServing, std::chrono::seconds(60)));
  WaitFor([&] { return load.acked() >= acked_while_down + 100; }, std::chrono::seconds(60));
  load.Stop();
  EXPECT_GE(load.acked(), acked_while_down + 100) << "publishes did not resume by themselves";
  const auto refused = load.refused();
  EXPECT_GT(refused.count(absl::StatusCode::kUnavailable), 0u) << Describe(refused);
  EXPECT_EQ(refused.size(), refused.count(absl::StatusCode::kUnavailable))
      << "refused otherwise than UNAVAILABLE: " << Describe(refused);
  std::cout << load.acked() << " acknowledged, " << acked_while_down
            << " before PostgreSQL was killed; refused: " << Describe(refused) << "\n";
  ExpectNothingAcknowledgedLost(*broker, server, *name, load.Snapshot());
  EXPECT_THAT(ReadFile(broker->dir() + "/broker.log"), ::testing::HasSubstr("answers again"));
  EXPECT_EQ(broker->Terminate(), 0);
}

TEST(PostgresServerFaultTest, AFullDiskRefusesPublishesKeepsTheBrokerUpAndLosesNothing) {
  // The data directory is a 64 MiB tmpfs in the server's mount namespace
  // (the write-ahead log is outside it), about 30 MiB of it used.
  PrivatePostgres postgres("64m");
  const auto& server = postgres.server();
  const auto name = server.CreateDatabase();
  ASSERT_TRUE(name.ok()) << name.status();
  auto broker = StartOnPostgres(server, *name);
  auto police = Connect(*broker, "police");
  auto first = police.Publish(Example("abe_interview_record", "before-full"));
  ASSERT_TRUE(first.ok()) << first.status();
  Acked acked{{"before-full", first->notification_id()}};

  const std::string filler = postgres.data_dir() + "/filler";
  Fill(filler, size_t{1024} * 1024, 80);  // leave the data directory no room
  const auto refused = PublishUntilRefused(police, 3000, acked);
  ASSERT_FALSE(refused.ok()) << "the disk never filled (" << acked.size() << " stored)";
  EXPECT_TRUE(refused.code() == absl::StatusCode::kResourceExhausted ||
              refused.code() == absl::StatusCode::kUnavailable)
      << refused;
  std::cout << acked.size() << " acknowledged before the disk was full; then: " << refused << "\n";
  ASSERT_TRUE(broker->running());

  ASSERT_EQ(::unlink(filler.c_str()), 0);  // space returns
  absl::StatusOr<v1::PublishResponse> after = absl::UnavailableError("not tried");
  for (int i = 0; i < 100 && !after.ok(); ++i) {  // at most about 30 s
    if (i > 0) std::this_thread::sleep_for(std::chrono::milliseconds(300));
    after = police.Publish(Example("abe_interview_record", "after-space"));
  }
  ASSERT_TRUE(after.ok()) << after.status();
  acked["after-space"] = after->notification_id();
  EXPECT_TRUE(HealthBecomes(*broker, kServing));
  ExpectNothingAcknowledgedLost(*broker, server, *name, acked);
  EXPECT_EQ(broker->Terminate(), 0);
}

}  // namespace
}  // namespace safeshare::testing
