// One active consumer per subscription, heartbeats and reconnecting
// subscribers, against the real broker process: two `safeshare subscribe`
// processes on a standby subscription (only the active one prints; killed,
// the standby takes over with nothing lost or doubled), an exclusive
// subscription refusing a second stream, heartbeats on a quiet stream and
// their bounds, heartbeats alongside client pings, and the CLI reconnecting
// after a reset and after a broker restart on the same store and port.
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <future>
#include <optional>
#include <regex>
#include <set>
#include <thread>

#include "tests/integration/raw_stream.h"
#include "tests/integration/scenario.h"
#include "tests/support/child_process.h"

namespace safeshare::testing {
namespace {

using std::chrono::seconds;
using ::testing::HasSubstr;

// The sequences of the JSON delivery lines in `output`, in order.
std::vector<uint64_t> PrintedSequences(const std::string& output) {
  static const std::regex kSequence(R"re(^\{"sequence":"?(\d+))re");
  std::vector<uint64_t> out;
  std::istringstream lines(output);
  for (std::string line; std::getline(lines, line);) {
    std::smatch m;
    if (std::regex_search(line, m, kSequence)) out.push_back(std::stoull(m[1]));
  }
  return out;
}

// A `safeshare subscribe` process as cfs, its stdout and stderr in a log.
class Subscriber {
 public:
  Subscriber(const BrokerProcess& broker, const std::string& name, const std::string& log,
             const std::vector<std::string>& extra = {})
      : log_(log), process_(Args(broker, name, extra), log) {}

  std::string output() const { return ReadFile(log_); }
  std::vector<uint64_t> printed() const { return PrintedSequences(output()); }
  bool Says(const std::string& text, seconds limit = seconds(30)) const {
    return Eventually([&] { return output().find(text) != std::string::npos; }, limit);
  }
  void Kill() { ::kill(process_.pid(), SIGKILL); }

 private:
  static std::vector<std::string> Args(const BrokerProcess& broker, const std::string& name,
                                       const std::vector<std::string>& extra) {
    std::vector<std::string> command = {"subscribe", "--name", name};
    command.insert(command.end(), extra.begin(), extra.end());
    return CliArgs(broker, SAFESHARE_CLI_BINARY, "cfs", command);
  }

  std::string log_;
  ChildProcess process_;
};

class ConsumersTest : public ::testing::Test {
 protected:
  void PublishMany(client::Client& police, int count) {
    for (int i = 0; i < count; ++i) {
      auto stored = police.Publish(
          Example("investigation_outcome", "consumers-" + std::to_string(++published_)));
      ASSERT_TRUE(stored.ok()) << stored.status();
    }
  }
  // The listing of cfs's subscription `name` (empty when not listed).
  static v1::SubscriptionInfo Listed(client::Client& cfs, const std::string& name) {
    auto listed = cfs.ListSubscriptions(name);
    return listed.ok() && listed->subscriptions_size() == 1 ? listed->subscriptions(0)
                                                            : v1::SubscriptionInfo{};
  }
  std::string Log(const BrokerProcess& broker, const std::string& name) const {
    return broker.dir() + "/" + name + ".log";
  }

  int published_ = 0;
};

// Heartbeats down to 1 s, so the tests take seconds.
BrokerOptions FastHeartbeats() {
  BrokerOptions options;
  options.config_edits = {{"  create_on_subscribe: true\n",
                           "  create_on_subscribe: true\n  heartbeat_min_seconds: 1\n"}};
  return options;
}

TEST_F(ConsumersTest, AStandbyTakesOverFromAKilledActiveWithNothingLostOrDoubled) {
  BrokerProcess broker;
  auto police = Connect(broker, "police");
  auto cfs = Connect(broker, "cfs");
  Subscriber a(broker, "shared", Log(broker, "a"));
  ASSERT_TRUE(Eventually([&] { return Listed(cfs, "shared").active_consumers() == 1; }));
  Subscriber b(broker, "shared", Log(broker, "b"));
  ASSERT_TRUE(b.Says("subscribe: standby")) << b.output();

  PublishMany(police, 20);
  ASSERT_TRUE(Eventually([&] { return Listed(cfs, "shared").acknowledged_through() == 20; }))
      << a.output();
  EXPECT_EQ(a.printed().size(), 20u);
  EXPECT_TRUE(b.printed().empty()) << b.output();
  const auto info = Listed(cfs, "shared");
  EXPECT_EQ(info.active_consumers(), 1u);
  EXPECT_EQ(info.standby_consumers(), 1u);
  EXPECT_EQ(info.consumer_mode(), v1::CONSUMER_MODE_STANDBY);

  a.Kill();
  ASSERT_TRUE(b.Says("subscribe: active")) << b.output();
  PublishMany(police, 20);
  ASSERT_TRUE(Eventually([&] { return b.printed().size() == 20; })) << b.output();
  std::set<uint64_t> all;
  for (uint64_t s : a.printed()) EXPECT_TRUE(all.insert(s).second) << "A printed " << s << " twice";
  for (uint64_t s : b.printed()) EXPECT_TRUE(all.insert(s).second) << s << " printed by A and B";
  EXPECT_EQ(all.size(), 40u);
  EXPECT_EQ(*all.rbegin(), 40u);
}

TEST_F(ConsumersTest, AnExclusiveSubscriptionRefusesASecondStreamAndHeartbeatBoundsHold) {
  BrokerProcess broker;
  auto police = Connect(broker, "police");
  auto cfs = Connect(broker, "cfs");
  v1::CreateSubscriptionRequest create;
  create.set_subscription("solo");
  create.set_consumer_mode(v1::CONSUMER_MODE_EXCLUSIVE);
  ASSERT_TRUE(cfs.CreateSubscription(create).ok());

  auto first = std::make_unique<RawStream>(broker, "solo");
  ASSERT_TRUE(Eventually([&] { return Listed(cfs, "solo").active_consumers() == 1; }));
  RawStream second(broker, "solo");
  const auto refused = second.Finish();
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(refused.error_message(), HasSubstr("subscription 'solo' already has an active "
                                                 "stream and is EXCLUSIVE"));
  EXPECT_EQ(Listed(cfs, "solo").consumer_mode(), v1::CONSUMER_MODE_EXCLUSIVE);

  first.reset();  // the first stream ends: a new one is accepted
  ASSERT_TRUE(Eventually([&] { return Listed(cfs, "solo").active_consumers() == 0; }));
  RawStream third(broker, "solo");
  PublishMany(police, 1);
  EXPECT_TRUE(Eventually([&] { return third.deliveries() == 1; }));

  RawStream out_of_bounds(broker, "solo-2", /*heartbeat=*/400);
  const auto bounds = out_of_bounds.Finish();
  EXPECT_EQ(bounds.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(bounds.error_message(), HasSubstr("heartbeat_seconds"));
  EXPECT_THAT(bounds.error_message(), HasSubstr("5..300"));
}

TEST_F(ConsumersTest, AQuietStreamGetsHeartbeatsAtTheIntervalItAsks) {
  BrokerProcess broker(FastHeartbeats());
  RawStream quiet(broker, "quiet", /*heartbeat=*/1, {}, std::chrono::milliseconds(3500));
  ASSERT_TRUE(quiet.Ended(seconds(20)));
  EXPECT_EQ(quiet.Finish().error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_GE(quiet.heartbeats(), 2);
  EXPECT_EQ(quiet.deliveries(), 0);
}

// As broker_connections_test: the ping policy scaled tenfold, a client
// pinging every second, and heartbeats every second on the same stream.
TEST_F(ConsumersTest, PingsAndHeartbeatsTogetherKeepAQuietStreamOpen) {
  BrokerOptions options = FastHeartbeats();
  options.config_edits.push_back(
      {"client_ping_min_interval_ms: 5000", "client_ping_min_interval_ms: 500"});
  BrokerProcess broker(options);
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 1000);
  args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  args.SetInt(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
  RawStream stream(broker, "pinged", /*heartbeat=*/1, args);
  std::this_thread::sleep_for(seconds(6));
  ASSERT_FALSE(stream.Ended(seconds(0))) << stream.Finish().error_message();
  EXPECT_GE(stream.heartbeats(), 3);
  auto police = Connect(broker, "police");
  PublishMany(police, 1);
  EXPECT_TRUE(Eventually([&] { return stream.deliveries() == 1; }, seconds(20)));
}

TEST_F(ConsumersTest, TheCliReconnectsAfterAResetAndAfterABrokerRestart) {
  std::optional<BrokerProcess> broker;
  broker.emplace();
  const std::string dir = broker->dir();
  const int port = broker->port();
  {
    auto police = Connect(*broker, "police");
    PublishMany(police, 1);
  }
  Subscriber cli(*broker, "again", dir + "/cli.log");
  ASSERT_TRUE(Eventually([&] { return cli.printed().size() == 1; })) << cli.output();
  {
    auto cfs = Connect(*broker, "cfs");
    ASSERT_TRUE(Eventually([&] { return Listed(cfs, "again").acknowledged_through() == 1; }));
    v1::ResetSubscriptionRequest reset;
    reset.set_subscription("again");
    reset.set_to(v1::START_FROM_BEGINNING);
    ASSERT_TRUE(cfs.ResetSubscription(reset).ok());
  }
  ASSERT_TRUE(cli.Says("subscribe: stream ended (ABORTED")) << cli.output();
  ASSERT_TRUE(Eventually([&] { return cli.printed().size() == 2; })) << cli.output();
  EXPECT_EQ(cli.printed(), (std::vector<uint64_t>{1, 1}));

  // Down long enough for the CLI's backoff to grow to many seconds: it must
  // still be back within moments of the broker, not at its next attempt
  // (up to 30 s away) or later. Until 2026-12 a CLI asleep in its backoff
  // left its connection attempt stalled and missed the broker for minutes.
  broker->Terminate();
  broker.reset();
  std::this_thread::sleep_for(seconds(12));
  broker.emplace(BrokerOptions{.dir = dir, .listen = "127.0.0.1:" + std::to_string(port)});
  ASSERT_EQ(broker->port(), port);
  auto police = Connect(*broker, "police");
  PublishMany(police, 1);
  ASSERT_TRUE(Eventually([&] { return cli.printed().size() == 3; }, seconds(20))) << cli.output();
  EXPECT_EQ(cli.printed().back(), 2u);
  EXPECT_THAT(cli.output(), HasSubstr("subscribe: stream ended (UNAVAILABLE"));
}

}  // namespace
}  // namespace safeshare::testing
