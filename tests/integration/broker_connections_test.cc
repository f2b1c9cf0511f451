// The HTTP/2 ping policy against the real broker process: a client that
// keeps an idle Subscribe stream alive with keepalive pings within the policy
// is never cut, and one that pings faster still is. (A gRPC 1.51 client
// sends at most one ping a second whatever its keepalive time, so the tests
// scale the broker's policy rather than the client.)
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <future>
#include <optional>
#include <thread>

#include "tests/integration/scenario.h"

namespace safeshare::testing {
namespace {

// The broker's policy scaled down tenfold (clients may ping every 0.5 s
// instead of every 5 s) so that tests take seconds; gRPC's own default would
// be one ping per 5 minutes.
BrokerOptions TenfoldFasterPolicy() {
  BrokerOptions options;
  options.config_edits = {
      {"client_ping_min_interval_ms: 5000", "client_ping_min_interval_ms: 500"}};
  return options;
}

// Channel arguments of a client that pings every `interval` whether or not
// anything else is sent.
grpc::ChannelArguments PingingEvery(std::chrono::milliseconds interval) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, static_cast<int>(interval.count()));
  args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  args.SetInt(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
  return args;
}

// An open Subscribe stream as cfs whose next Read runs in the background.
// The 30 s deadline bounds every wait on it, including at destruction.
class IdleSubscription {
 public:
  IdleSubscription(const BrokerProcess& broker, const grpc::ChannelArguments& args)
      : stub_(RawStub(broker, "cfs", args)) {
    context_.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    v1::SubscribeRequest request;
    request.set_subscription("cfs-idle");
    reader_ = stub_->Subscribe(&context_, request);
    next_ = std::async(std::launch::async, [this] { return reader_->Read(&message_); }).share();
  }
  ~IdleSubscription() {
    context_.TryCancel();
    (void)Finish();
  }

  // True while no message has arrived and the stream has not ended.
  bool Open() const {
    return next_.wait_for(std::chrono::seconds(0)) == std::future_status::timeout;
  }
  // The first message, waiting up to `limit`; nullopt when the stream ended
  // or nothing came.
  std::optional<v1::SubscribeResponse> Next(std::chrono::seconds limit) const {
    if (next_.wait_for(limit) != std::future_status::ready || !next_.get()) return std::nullopt;
    return message_;
  }
  // True when the stream ended within `limit` without a message.
  bool Ended(std::chrono::seconds limit) const {
    return next_.wait_for(limit) == std::future_status::ready && !next_.get();
  }
  // The stream's status, once it has ended (or the deadline passed).
  grpc::Status Finish() {
    if (!status_) {
      next_.wait();
      status_ = reader_->Finish();
    }
    return *status_;
  }

 private:
  std::unique_ptr<v1::Broker::Stub> stub_;
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReader<v1::SubscribeResponse>> reader_;
  v1::SubscribeResponse message_;
  std::shared_future<bool> next_;
  std::optional<grpc::Status> status_;
};

TEST(ConnectionsTest, KeepalivePingsWithinThePolicyNeverCutAnIdleStream) {
  BrokerProcess broker(TenfoldFasterPolicy());
  IdleSubscription cfs(broker, PingingEvery(std::chrono::seconds(1)));
  // Six pings with nothing sent back: under gRPC's default policy the third
  // strike (the fourth ping) is answered with GOAWAY ENHANCE_YOUR_CALM.
  std::this_thread::sleep_for(std::chrono::seconds(6));
  ASSERT_TRUE(cfs.Open()) << "the idle stream was ended: " << cfs.Finish().error_message();

  auto police = Connect(broker, "police");
  ASSERT_TRUE(police.Publish(Example("investigation_outcome", "conn-after-idle")).ok());
  const auto message = cfs.Next(std::chrono::seconds(20));
  ASSERT_TRUE(message.has_value()) << "no delivery on the kept stream";
  ASSERT_EQ(message->deliveries_size(), 1);
  EXPECT_TRUE(message->deliveries(0).notification().has_investigation_outcome());
}

TEST(ConnectionsTest, AClientPingingFasterThanThePolicyIsCut) {
  BrokerProcess broker;  // config/broker.yaml: no more often than every 5 s
  // Every second: strikes from the second ping on, GOAWAY at the third.
  IdleSubscription cfs(broker, PingingEvery(std::chrono::seconds(1)));
  ASSERT_TRUE(cfs.Ended(std::chrono::seconds(20)));
  const auto status = cfs.Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
}

// Waits (at most 20 s) until the broker's log holds `text`.
bool LogShows(const BrokerProcess& broker, const std::string& text) {
  for (int i = 0; i < 200; ++i) {
    if (ReadFile(broker.dir() + "/broker.log").find(text) != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

// A subscriber whose process freezes (SIGSTOP: its kernel still ACKs TCP,
// but nothing answers HTTP/2 pings) is dropped by the broker's keepalive,
// so a dead peer does not hold its subscription open.
TEST(ConnectionsTest, ADeadPeerIsDroppedByTheBrokersKeepalive) {
  BrokerOptions options;
  options.config_edits = {{"keepalive_time_ms: 30000", "keepalive_time_ms: 1000"},
                          {"keepalive_timeout_ms: 10000", "keepalive_timeout_ms: 1000"}};
  BrokerProcess broker(options);
  const std::vector<std::string> args =
      CliArgs(broker, SAFESHARE_CLI_BINARY, "cfs", {"subscribe", "--name", "dead-peer"});
  std::vector<char*> argv;
  argv.reserve(args.size() + 1);
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t client = -1;
  ASSERT_EQ(::posix_spawn(&client, argv[0], nullptr, nullptr, argv.data(), environ), 0);
  const bool opened = LogShows(broker, "cfs opened subscription dead-peer");
  ::kill(client, SIGSTOP);
  const bool dropped = opened && LogShows(broker, "cfs subscription dead-peer: stream ended");
  ::kill(client, SIGKILL);
  ::waitpid(client, nullptr, 0);
  EXPECT_TRUE(opened) << "the subscriber never connected";
  EXPECT_TRUE(dropped) << "the frozen subscriber's stream was never ended";
}

}  // namespace
}  // namespace safeshare::testing
