// One subscription consumed through two broker processes on one PostgreSQL
// database: the broker whose stream is active holds the subscription's
// claim, so a stream opened through the other broker waits as a standby
// (or, for an exclusive subscription, is refused) and takes over when the
// first stream ends or its broker is killed -9, receiving what was not
// acknowledged and nothing that was.
#include <atomic>
#include <future>
#include <mutex>
#include <set>
#include <thread>

#include "tests/integration/raw_stream.h"
#include "tests/support/postgres_brokers.h"

namespace safeshare::testing {
namespace {

using std::chrono::seconds;
using ::testing::HasSubstr;

// A Subscribe stream of cfs's subscription `name` through `broker`, read by
// a background thread that records the sequence of every delivery and the
// role the last heartbeat named (a standby heartbeats at once, and again
// when promoted). With `acknowledge`, each delivery is acknowledged through
// the same broker as it arrives.
class ClaimStream {
 public:
  enum Role { kUnknown, kActive, kStandby };

  ClaimStream(const BrokerProcess& broker, const std::string& name, bool acknowledge = false)
      : stub_(RawStub(broker, "cfs")) {
    if (acknowledge) acknowledger_.emplace(Connect(broker, "cfs"));
    context_.set_deadline(std::chrono::system_clock::now() + seconds(150));
    v1::SubscribeRequest request;
    request.set_subscription(name);
    reader_ = stub_->Subscribe(&context_, request);
    done_ = std::async(std::launch::async, [this, name] { return Read(name); }).share();
  }
  ~ClaimStream() {
    context_.TryCancel();
    done_.wait();
  }
  ClaimStream(const ClaimStream&) = delete;
  ClaimStream& operator=(const ClaimStream&) = delete;

  void Cancel() { context_.TryCancel(); }
  grpc::Status Finish() { return done_.get(); }
  bool Ended(seconds limit) const { return done_.wait_for(limit) == std::future_status::ready; }
  Role role() const { return role_.load(); }
  std::vector<uint64_t> sequences() const {
    std::lock_guard lock(mu_);
    return sequences_;
  }

 private:
  grpc::Status Read(const std::string& name) {
    v1::SubscribeResponse message;
    while (reader_->Read(&message)) {
      if (message.has_heartbeat()) role_ = message.heartbeat().standby() ? kStandby : kActive;
      for (const auto& delivery : message.deliveries()) {
        {
          std::lock_guard lock(mu_);
          sequences_.push_back(delivery.sequence());
        }
        if (acknowledger_) (void)acknowledger_->Acknowledge(name, delivery.sequence());
      }
    }
    return reader_->Finish();
  }

  std::unique_ptr<v1::Broker::Stub> stub_;
  std::optional<client::Client> acknowledger_;
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReader<v1::SubscribeResponse>> reader_;
  std::atomic<Role> role_{kUnknown};
  mutable std::mutex mu_;
  std::vector<uint64_t> sequences_;
  std::shared_future<grpc::Status> done_;
};

// Prints how long B's standby took to take over since `since` (`what`).
void SayTakeOver(std::chrono::steady_clock::time_point since, const std::string& what) {
  const auto took = std::chrono::steady_clock::now() - since;
  std::cout << "B took over " << std::chrono::duration_cast<std::chrono::milliseconds>(took).count()
            << " ms after " << what << "\n";
}

class ClaimsOnPostgresTest : public PostgresDatabaseTest {
 protected:
  // Creates cfs's subscription `name` in `mode` through `broker`.
  static void Create(const BrokerProcess& broker, const std::string& name, v1::ConsumerMode mode) {
    auto cfs = Connect(broker, "cfs");
    v1::CreateSubscriptionRequest create;
    create.set_subscription(name);
    create.set_consumer_mode(mode);
    const auto created = cfs.CreateSubscription(create);
    ASSERT_TRUE(created.ok()) << created.status();
  }
  // How many active streams of cfs's `name` `broker` counts (its own only).
  static uint32_t ActiveOn(const BrokerProcess& broker, const std::string& name) {
    auto cfs = Connect(broker, "cfs");
    auto listed = cfs.ListSubscriptions(name);
    return listed.ok() && listed->subscriptions_size() == 1
               ? listed->subscriptions(0).active_consumers()
               : 0;
  }
  // Publishes one outcome for cfs as police through `broker`; its sequence.
  uint64_t Publish(const BrokerProcess& broker) {
    auto police = Connect(broker, "police");
    auto published =
        police.Publish(Example("investigation_outcome", "claims-" + std::to_string(++published_)));
    EXPECT_TRUE(published.ok()) << published.status();
    return published.ok() ? published->sequence() : 0;
  }

  int published_ = 0;
};

TEST_F(ClaimsOnPostgresTest, AStreamThroughTheOtherBrokerWaitsAndTakesOverWhatWasNotAcknowledged) {
  auto a = Start();
  auto b = Start();
  Create(*a, "shared", v1::CONSUMER_MODE_STANDBY);
  ClaimStream on_a(*a, "shared");
  ASSERT_TRUE(Eventually([&] { return ActiveOn(*a, "shared") == 1; }));
  ClaimStream on_b(*b, "shared");
  ASSERT_TRUE(Eventually([&] { return on_b.role() == ClaimStream::kStandby; }))
      << "the stream through B did not start as a standby";
  EXPECT_EQ(ActiveOn(*b, "shared"), 0u);

  std::vector<uint64_t> published;
  published.reserve(10);
  for (int i = 0; i < 10; ++i) published.push_back(Publish(i % 2 == 0 ? *a : *b));
  ASSERT_TRUE(Eventually([&] { return on_a.sequences().size() == 10; }, seconds(20)))
      << on_a.sequences().size() << " of 10 reached the stream through A";
  std::this_thread::sleep_for(seconds(3));  // B's reviews of the claim ran meanwhile
  EXPECT_EQ(on_a.sequences(), published);
  EXPECT_TRUE(on_b.sequences().empty()) << "the standby through B received deliveries";
  EXPECT_EQ(on_b.role(), ClaimStream::kStandby);

  auto cfs = Connect(*a, "cfs");
  ASSERT_TRUE(cfs.Acknowledge("shared", published[5]).ok());  // the first six
  on_a.Cancel();
  const auto cancelled = std::chrono::steady_clock::now();
  ASSERT_TRUE(Eventually([&] { return on_b.role() == ClaimStream::kActive; }, seconds(10)))
      << "the standby through B did not take over";
  SayTakeOver(cancelled, "A's stream was cancelled");
  const std::vector<uint64_t> unacknowledged(published.begin() + 6, published.end());
  ASSERT_TRUE(Eventually([&] { return on_b.sequences().size() >= 4; }, seconds(20)));
  EXPECT_EQ(on_b.sequences(), unacknowledged) << "B received an acknowledged delivery";

  const uint64_t later = Publish(*a);  // through A, which no longer consumes it
  ASSERT_TRUE(Eventually([&] { return on_b.sequences().size() == 5; }, seconds(20)));
  EXPECT_EQ(on_b.sequences().back(), later);
  EXPECT_EQ(ActiveOn(*b, "shared"), 1u);
  EXPECT_EQ(ActiveOn(*a, "shared"), 0u);
}

TEST_F(ClaimsOnPostgresTest, AnExclusiveSubscriptionOpenThroughOneBrokerIsRefusedOnTheOther) {
  auto a = Start();
  auto b = Start();
  Create(*a, "solo", v1::CONSUMER_MODE_EXCLUSIVE);
  auto on_a = std::make_unique<ClaimStream>(*a, "solo");
  ASSERT_TRUE(Eventually([&] { return ActiveOn(*a, "solo") == 1; }));
  ClaimStream refused(*b, "solo");
  ASSERT_TRUE(refused.Ended(seconds(20)));
  const auto status = refused.Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(status.error_message(),
              HasSubstr("is EXCLUSIVE and is being consumed through another broker"));

  on_a.reset();  // A's stream ends and A gives the claim up: B may open it now
  std::unique_ptr<ClaimStream> on_b;
  ASSERT_TRUE(Eventually(
      [&] {
        on_b = std::make_unique<ClaimStream>(*b, "solo");
        return !on_b->Ended(seconds(1));
      },
      seconds(20)))
      << "B kept refusing after A's stream ended: " << on_b->Finish().error_message();
  const uint64_t sequence = Publish(*a);
  ASSERT_TRUE(Eventually([&] { return on_b->sequences().size() == 1; }, seconds(20)));
  EXPECT_EQ(on_b->sequences()[0], sequence);
}

TEST_F(ClaimsOnPostgresTest, AStandbyTakesOverWhenTheActiveStreamsBrokerIsKilled) {
  auto a = Start();
  auto b = Start();
  Create(*b, "failover", v1::CONSUMER_MODE_STANDBY);
  ClaimStream on_a(*a, "failover", /*acknowledge=*/true);
  ASSERT_TRUE(Eventually([&] { return ActiveOn(*a, "failover") == 1; }));
  ClaimStream on_b(*b, "failover", /*acknowledge=*/true);
  ASSERT_TRUE(Eventually([&] { return on_b.role() == ClaimStream::kStandby; }));

  std::set<uint64_t> published;
  for (int i = 0; i < 10; ++i) published.insert(Publish(*b));
  ASSERT_TRUE(Eventually([&] { return on_a.sequences().size() >= 10; }, seconds(20)));
  EXPECT_TRUE(on_b.sequences().empty());
  a->Kill();  // its database session ends with it, and the claim with the session
  const auto killed = std::chrono::steady_clock::now();
  for (int i = 0; i < 10; ++i) published.insert(Publish(*b));
  ASSERT_TRUE(Eventually([&] { return on_b.role() == ClaimStream::kActive; }, seconds(20)))
      << "the standby through B did not take over from the killed broker";
  SayTakeOver(killed, "A was killed");
  for (int i = 0; i < 10; ++i) published.insert(Publish(*b));

  const auto received = [&] {
    std::set<uint64_t> all;
    for (uint64_t s : on_a.sequences()) all.insert(s);
    for (uint64_t s : on_b.sequences()) all.insert(s);
    return all;
  };
  ASSERT_TRUE(Eventually([&] { return received() == published; }, seconds(30)))
      << received().size() << " of " << published.size() << " received through A or B";
  std::cout << on_a.sequences().size() << " through A, " << on_b.sequences().size()
            << " through B\n";
  EXPECT_TRUE(on_a.Ended(seconds(0)));
}

}  // namespace
}  // namespace safeshare::testing
