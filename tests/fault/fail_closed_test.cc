// Fail closed, against the real broker process: nothing reaches a
// subscriber before its "delivered" record is durable (proved with kill -9),
// damaged data is detected and not served (health goes NOT_SERVING), and a
// shutdown answers publishes in flight OK or UNAVAILABLE, never CANCELLED.
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <thread>
#include <utility>
#include <vector>

#include "tests/integration/audit_checks.h"
#include "tests/support/fault_support.h"
#include "tests/support/health_check.h"

namespace safeshare::testing {
namespace {

using ::testing::HasSubstr;

// The first child of `pid` (a launcher's broker), or -1.
pid_t ChildOf(pid_t pid) {
  std::ifstream children("/proc/" + std::to_string(pid) + "/task/" + std::to_string(pid) +
                         "/children");
  pid_t child = -1;
  children >> child;
  return child;
}

// What the audit log says `agency` was sent and acknowledged: per
// notification sequence, the index of the first "delivered" entry with a
// line for it, and the index of each "acknowledged" entry's line for it.
struct DeliveryRecords {
  std::map<uint64_t, uint64_t> first_delivered;
  std::vector<std::pair<uint64_t, uint64_t>> acknowledged;  // (sequence, entry index)
};

DeliveryRecords ReadDeliveryRecords(const BrokerProcess& broker, const std::string& agency) {
  auto ig = AuditStub(broker, "ig");
  v1::AuditFilter filter;
  filter.set_agency(agency);
  filter.add_actions("delivered");
  filter.add_actions("acknowledged");
  DeliveryRecords out;
  for (const auto& e : QueryAll(*ig, filter, 500)) {
    if (e.recipient() != agency) continue;
    for (const auto& line : e.lines()) {
      if (e.action() == "delivered") {
        out.first_delivered.emplace(line.sequence(), e.index());
      } else if (e.action() == "acknowledged") {
        out.acknowledged.emplace_back(line.sequence(), e.index());
      }
    }
  }
  return out;
}

// A slow disk (every fdatasync delayed 20 ms, injected by strace) widens the
// time between a delivery being ready and its "delivered" record being
// durable, which is when a crash would find a subscriber holding an
// unaudited delivery if the broker sent before the record was durable.
TEST(FailClosedTest, EverythingASubscriberHeldBeforeACrashWasAuditedAsDelivered) {
  const auto dir = MakeTempDir("safeshare-slowsync");
  auto broker = std::make_unique<BrokerProcess>(
      BrokerOptions{dir,
                    "",
                    {"strace", "-f", "-qq", "-o", "/dev/null", "-e", "trace=fdatasync,fsync", "-e",
                     "inject=fdatasync,fsync:delay_exit=20000"}});
  PublishLoad load(*broker, /*threads=*/2, /*limit=*/4000);
  // A case system that receives now and acknowledges later (after a crash).
  std::atomic<uint64_t> highest{0};
  std::thread subscriber([&] {
    auto cfs = Connect(*broker, "cfs");
    (void)cfs.Subscribe("late-ack",
                        [&](const v1::Delivery& d) {
                          highest = std::max(highest.load(), d.sequence());
                          return absl::OkStatus();
                        },
                        {.acknowledge = false, .deadline = std::chrono::seconds(60)});
  });
  WaitFor([&] { return highest >= 300; }, std::chrono::seconds(60));
  // kill -9 the broker itself (strace's child), while deliveries stream.
  const pid_t traced = ChildOf(broker->pid());
  ASSERT_GT(traced, 0);
  ::kill(traced, SIGKILL);
  broker->Kill();  // and strace
  load.Stop();
  broker.reset();
  subscriber.join();
  ASSERT_GE(highest.load(), 300u);

  BrokerProcess restarted(dir);
  auto cfs = Connect(restarted, "cfs");
  auto acked = cfs.Acknowledge("late-ack", highest);
  ASSERT_TRUE(acked.ok()) << acked.status();
  // Every notification acknowledged was recorded as delivered to cfs before:
  // what fail-closed delivery guarantees.
  const auto records = ReadDeliveryRecords(restarted, "cfs");
  EXPECT_GE(records.acknowledged.size(), 300u);
  for (const auto& [sequence, acknowledged_at] : records.acknowledged) {
    const auto delivered = records.first_delivered.find(sequence);
    ASSERT_NE(delivered, records.first_delivered.end())
        << "sequence " << sequence << " acknowledged with no delivered record";
    EXPECT_LT(delivered->second, acknowledged_at) << "sequence " << sequence;
  }
  EXPECT_TRUE(AuditChainIntact(restarted));
}

TEST(FailClosedTest, ADamagedNotificationIsNotServedAndTheBrokerGoesNotServing) {
  auto broker = std::make_unique<BrokerProcess>();
  const auto dir = broker->dir();
  {
    auto police = Connect(*broker, "police");
    for (int i = 1; i <= 3; ++i) {
      ASSERT_TRUE(police.Publish(Example("abe_interview_record", "d-" + std::to_string(i))).ok());
    }
  }
  ASSERT_EQ(broker->Terminate(), 0);
  // A body altered behind the broker's back: the file itself stays valid.
  WriteStore(broker->store_path(), "UPDATE notifications SET body = body || x'00' WHERE seq = 2");
  broker.reset();

  BrokerProcess restarted(dir);  // a fresh broker reads deliveries from the store
  const auto channel = RawChannel(restarted, "police");
  EXPECT_EQ(CheckHealth(channel, "safeshare.v1.Broker").serving_status, kServing);
  auto cfs = Connect(restarted, "cfs");
  std::vector<uint64_t> got;
  const auto ended = cfs.Subscribe("damage", [&](const v1::Delivery& d) {
    got.push_back(d.sequence());
    return absl::OkStatus();
  });
  EXPECT_EQ(ended.code(), absl::StatusCode::kDataLoss) << ended;
  EXPECT_THAT(std::string(ended.message()), HasSubstr("integrity check"));
  EXPECT_EQ(std::count(got.begin(), got.end(), 2u), 0) << "the damaged notification was served";
  EXPECT_EQ(CheckHealth(channel, "safeshare.v1.Broker").serving_status, kNotServing);
  EXPECT_EQ(CheckHealth(channel, "").serving_status, kNotServing);
  auto police = Connect(restarted, "police");
  auto refused = police.Publish(Example("abe_interview_record", "after-damage"));
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(refused.status().message()), HasSubstr("operator"));
}

// Raw stubs (no client retries) publish as fast as they can while the broker
// is told to stop: every answer is OK or UNAVAILABLE, and every OK is stored.
TEST(FailClosedTest, PublishesInFlightAtShutdownAreAnsweredOkOrUnavailable) {
  auto broker = std::make_unique<BrokerProcess>();
  const auto dir = broker->dir();
  std::atomic<bool> stop{false};
  std::atomic<int> ok{0};
  std::mutex mu;
  std::map<grpc::StatusCode, int> codes;
  std::vector<std::string> stored_ids;
  constexpr int kPublishers = 4;
  std::vector<std::thread> publishers;
  publishers.reserve(kPublishers);
  for (int t = 0; t < kPublishers; ++t) {
    publishers.emplace_back([&, t] {
      auto stub = RawStub(*broker, "police");
      for (int i = 0; i < 5000 && !stop; ++i) {
        v1::PublishRequest request;
        *request.mutable_notification() =
            Example("abe_interview_record", "sd-" + std::to_string(t) + "-" + std::to_string(i));
        v1::PublishResponse response;
        grpc::ClientContext context;
        context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
        const auto status = stub->Publish(&context, request, &response);
        std::lock_guard lock(mu);
        ++codes[status.error_code()];
        if (status.ok()) {
          ++ok;
          stored_ids.push_back(response.notification_id());
        } else if (status.error_code() == grpc::StatusCode::UNAVAILABLE) {
          stop = true;  // the broker is going; its answer was the right one
        }
      }
    });
  }
  WaitFor([&] { return ok >= 200; }, std::chrono::seconds(60));
  const int exit = broker->Terminate();  // SIGTERM while publishes are in flight
  for (auto& p : publishers) p.join();
  EXPECT_TRUE(WIFEXITED(exit) && WEXITSTATUS(exit) == 0) << exit;
  for (const auto& [code, count] : codes) {
    EXPECT_TRUE(code == grpc::StatusCode::OK || code == grpc::StatusCode::UNAVAILABLE)
        << count << " publishes answered with code " << code;
  }
  broker.reset();
  BrokerProcess restarted(dir);
  for (const auto& id : stored_ids) {
    ASSERT_EQ(QueryStore(restarted, "SELECT count(*) FROM notifications WHERE id='" + id + "'"), 1)
        << id << " was answered OK but not stored";
  }
}

// The same race through the client library, as an agency's system would
// publish: whatever arrives while the broker stops, the publisher ends with
// OK or UNAVAILABLE (the library retries a call the stopping server
// cancelled), never a bare CANCELLED.
TEST(FailClosedTest, TheClientLibraryNeverReportsCancelledAcrossAShutdown) {
  auto broker = std::make_unique<BrokerProcess>();
  std::atomic<int> ok{0};
  std::mutex mu;
  std::map<absl::StatusCode, int> codes;
  std::vector<std::thread> publishers;
  publishers.reserve(4);
  for (int t = 0; t < 4; ++t) {
    publishers.emplace_back([&, t] {
      auto police = Connect(*broker, "police");
      for (int i = 0; i < 3000; ++i) {
        auto published = police.Publish(
            Example("abe_interview_record", "cl-" + std::to_string(t) + "-" + std::to_string(i)));
        std::lock_guard lock(mu);
        ++codes[published.status().code()];
        if (!published.ok()) return;  // the broker has gone
        ++ok;
      }
    });
  }
  WaitFor([&] { return ok >= 200; }, std::chrono::seconds(60));
  broker->Terminate();
  for (auto& p : publishers) p.join();
  for (const auto& [code, count] : codes) {
    EXPECT_TRUE(code == absl::StatusCode::kOk || code == absl::StatusCode::kUnavailable)
        << count << " publishes ended with " << absl::StatusCodeToString(code);
  }
}

}  // namespace
}  // namespace safeshare::testing
