// Two broker processes on one PostgreSQL database, broker A killed -9 in the
// middle of a fan-out: publishers and subscribers of several agencies on
// both, A's clients moving to B (or to A restarted on the same database).
// Every acknowledged publish reaches every agency its answer named, each
// subscription sees sequences in increasing order, and the one audit chain
// both brokers wrote verifies.
#include <atomic>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "tests/support/fault_support.h"
#include "tests/support/postgres_brokers.h"

namespace safeshare::testing {
namespace {

using Clock = std::chrono::steady_clock;

// The port a client of one broker uses: changed when its broker is gone.
using Target = std::atomic<int>;

absl::StatusOr<client::Client> ConnectTo(const Target& target, const std::string& agency) {
  return client::Client::Connect(TestPki::Get().For(agency, target.load()));
}

// A closed loop of `limit` investigation outcomes as police through
// `target`; a refused publish is retried with the same key (through the
// target of the moment) for up to 30 s. Records what was acknowledged.
class Publisher {
 public:
  struct Acked {
    std::string id;
    std::vector<std::string> routed_to;
    bool duplicate = false;
  };

  Publisher(const Target& target, std::string prefix, int limit)
      : worker_(
            [this, &target, prefix = std::move(prefix), limit] { Run(target, prefix, limit); }) {}
  ~Publisher() { Join(); }
  Publisher(const Publisher&) = delete;
  Publisher& operator=(const Publisher&) = delete;

  void Join() {
    if (worker_.joinable()) worker_.join();
  }
  int acked() const { return count_.load(); }
  // Key -> what its acknowledgement said; after Join.
  const std::map<std::string, Acked>& results() const { return acked_; }

 private:
  void Run(const Target& target, const std::string& prefix, int limit) {
    const auto until = Clock::now() + std::chrono::seconds(90);
    std::optional<client::Client> police;
    for (int i = 0; i < limit && Clock::now() < until; ++i) {
      const auto key = prefix + "-" + std::to_string(i);
      const auto give_up = Clock::now() + std::chrono::seconds(30);
      while (Clock::now() < give_up) {
        if (!police) {
          auto connected = ConnectTo(target, "police");
          if (connected.ok()) police.emplace(std::move(*connected));
        }
        auto published = police ? police->Publish(Example("investigation_outcome", key))
                                : absl::UnavailableError("not connected");
        if (published.ok()) {
          acked_[key] = {published->notification_id(),
                         {published->routed_to().begin(), published->routed_to().end()},
                         published->duplicate()};
          ++count_;
          break;
        }
        police.reset();  // reconnect, to wherever the target is now
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    }
  }

  std::atomic<int> count_{0};
  std::map<std::string, Acked> acked_;
  std::thread worker_;
};

// One agency's subscription consumed through `target`, again and again (2 s
// streams, reconnecting after any end) until stopped.
class Subscriber {
 public:
  Subscriber(const Target& target, std::string agency, std::string subscription)
      : agency_(std::move(agency)),
        subscription_(std::move(subscription)),
        worker_([this, &target] { Run(target); }) {}
  ~Subscriber() { Stop(); }
  Subscriber(const Subscriber&) = delete;
  Subscriber& operator=(const Subscriber&) = delete;

  void Stop() {
    stop_ = true;
    if (worker_.joinable()) worker_.join();
  }
  bool HasAll(const std::set<std::string>& ids) {
    std::lock_guard lock(mu_);
    for (const auto& id : ids) {
      if (!ids_.count(id)) return false;
    }
    return true;
  }
  const std::string& agency() const { return agency_; }
  std::string name() const { return agency_ + "/" + subscription_; }
  // After Stop.
  const std::set<std::string>& ids() const { return ids_; }
  const std::vector<std::string>& disorder() const { return disorder_; }
  int redelivered() const { return redelivered_; }
  int streams() const { return streams_; }

 private:
  void Run(const Target& target) {
    const auto until = Clock::now() + std::chrono::seconds(150);
    while (!stop_ && Clock::now() < until) {
      auto c = ConnectTo(target, agency_);
      if (!c.ok()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        continue;
      }
      uint64_t previous = 0;  // in this stream
      ++streams_;
      const auto ended =
          c->Subscribe(subscription_, [&](const v1::Delivery& d) { return Record(d, previous); },
                       {.deadline = std::chrono::seconds(2)});
      if (ended.code() != absl::StatusCode::kDeadlineExceeded) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    }
  }

  absl::Status Record(const v1::Delivery& d, uint64_t& previous) {
    std::lock_guard lock(mu_);
    const uint64_t seq = d.sequence();
    if (seq <= previous) {
      disorder_.push_back("sequence " + std::to_string(seq) + " after " + std::to_string(previous) +
                          " in one stream");
    }
    previous = seq;
    if (seen_.count(seq)) {
      ++redelivered_;  // at least once: not acknowledged before a stream ended
    } else {
      if (!seen_.empty() && seq < *seen_.rbegin()) {
        disorder_.push_back("new sequence " + std::to_string(seq) + " after " +
                            std::to_string(*seen_.rbegin()));
      }
      seen_.insert(seq);
    }
    ids_.insert(d.notification().notification_id());
    return absl::OkStatus();
  }

  const std::string agency_, subscription_;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::set<uint64_t> seen_;
  std::set<std::string> ids_;
  std::vector<std::string> disorder_;
  int redelivered_ = 0, streams_ = 0;
  std::thread worker_;
};

enum class Recovery { kMoveToTheOtherBroker, kRestartTheKilledBroker };
void PrintTo(Recovery recovery, std::ostream* out) {
  *out << (recovery == Recovery::kMoveToTheOtherBroker ? "move" : "restart");
}

class FailoverTest : public PostgresDatabaseTest, public ::testing::WithParamInterface<Recovery> {};

TEST_P(FailoverTest, AKilledBrokersClientsResumeAndNothingAcknowledgedIsLost) {
  auto a = Start();
  {  // health is engaged with the examples' case, so outcomes fan out to it too
    auto cfs = Connect(*a, "cfs");
    v1::UpdateCaseRequest engage;
    engage.set_case_ref(Example("investigation_outcome", "x").case_ref());
    engage.add_engage("health");
    engage.set_status(v1::CASE_STATUS_OPEN);
    ASSERT_TRUE(cfs.UpdateCase(engage).ok());
  }
  auto b = Start();  // reads the engagement at start
  const int a_port = a->port();
  Target to_a{a_port}, to_b{b->port()};

  std::vector<std::unique_ptr<Subscriber>> subscribers;
  subscribers.reserve(4);
  for (const std::string agency : {"cfs", "health"}) {  // each on both brokers
    subscribers.push_back(std::make_unique<Subscriber>(to_a, agency, "on-a"));
    subscribers.push_back(std::make_unique<Subscriber>(to_b, agency, "on-b"));
  }
  std::vector<std::unique_ptr<Publisher>> publishers;
  publishers.reserve(4);
  for (int p = 0; p < 4; ++p) {
    publishers.push_back(
        std::make_unique<Publisher>(p < 2 ? to_a : to_b, "fo-" + std::to_string(p), 120));
  }
  const auto acked = [&] {
    int n = 0;
    for (const auto& p : publishers) n += p->acked();
    return n;
  };
  WaitFor([&] { return acked() >= 150; }, std::chrono::seconds(60));
  ASSERT_GE(acked(), 150) << "the load did not get going";
  a->Kill();  // mid-fan-out: publishes and deliveries in flight on A
  const int acked_at_kill = acked();

  std::unique_ptr<BrokerProcess> restarted;
  if (GetParam() == Recovery::kMoveToTheOtherBroker) {
    to_a = b->port();
  } else {
    BrokerOptions same;
    same.dir = a->dir();
    same.listen = "127.0.0.1:" + std::to_string(a_port);
    restarted = Start("", std::move(same));
  }
  for (auto& p : publishers) p->Join();
  // Each refused publish was retried (through the surviving broker) until
  // acknowledged.
  ASSERT_EQ(acked(), 4 * 120) << acked_at_kill << " were acknowledged before the kill";

  // Every acknowledged publish, to every agency its answer named.
  std::map<std::string, std::set<std::string>> expected;  // agency -> ids
  std::set<std::string> all_acked;
  int duplicates = 0;
  for (const auto& p : publishers) {
    for (const auto& [key, ack] : p->results()) {
      EXPECT_FALSE(ack.routed_to.empty()) << key;
      for (const auto& agency : ack.routed_to) expected[agency].insert(ack.id);
      all_acked.insert(ack.id);
      duplicates += ack.duplicate ? 1 : 0;
    }
  }
  for (const auto& [agency, ids] : expected) {
    EXPECT_TRUE(agency == "cfs" || agency == "health")
        << "routed to " << agency << ", which no subscriber here consumes";
  }
  EXPECT_FALSE(expected["health"].empty()) << "the fan-out did not reach health";
  WaitFor(
      [&] {
        for (auto& s : subscribers) {
          if (!s->HasAll(expected[s->agency()])) return false;
        }
        return true;
      },
      std::chrono::seconds(60));
  for (auto& s : subscribers) {
    s->Stop();
    for (const auto& id : expected[s->agency()]) {
      EXPECT_TRUE(s->ids().count(id)) << s->name() << " never received acknowledged " << id;
    }
    EXPECT_THAT(s->disorder(), ::testing::IsEmpty()) << s->name();
    std::cout << s->name() << ": " << s->ids().size() << " received over " << s->streams()
              << " streams, " << s->redelivered() << " redelivered\n";
  }
  std::cout << all_acked.size() << " acknowledged (" << acked_at_kill << " before the kill, "
            << duplicates << " retries answered duplicate)\n";

  const auto stored = StoredIds(*server_, name_);
  for (const auto& id : all_acked) EXPECT_TRUE(stored.count(id)) << id << " not stored";
  EXPECT_TRUE(PostgresAuditVerifies(*server_, name_));
}

INSTANTIATE_TEST_SUITE_P(Recovery, FailoverTest,
                         ::testing::Values(Recovery::kMoveToTheOtherBroker,
                                           Recovery::kRestartTheKilledBroker),
                         [](const auto& info) {
                           return info.param == Recovery::kMoveToTheOtherBroker
                                      ? std::string("ClientsMoveToTheOtherBroker")
                                      : std::string("TheKilledBrokerRestarts");
                         });

}  // namespace
}  // namespace safeshare::testing
