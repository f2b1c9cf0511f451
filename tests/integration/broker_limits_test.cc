// Per-agency limits and deadlines against the real broker process:
// limits.per_agency.open_streams (a third stream refused, admitted once one
// ends), limits.per_agency.publishes_in_flight (made deterministic by
// holding the store's write lock from the test, so a first publish stays in
// flight), and a Subscribe stream ended by its deadline giving its place
// back. Every wait is bounded.
#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <thread>

#include "tests/integration/scenario.h"

namespace safeshare::testing {
namespace {

using ::testing::HasSubstr;
using Clock = std::chrono::steady_clock;

BrokerOptions TightLimits() {
  BrokerOptions options;
  options.config_edits = {{"    publishes_in_flight: 256", "    publishes_in_flight: 1"},
                          {"    open_streams: 32", "    open_streams: 2"}};
  return options;
}

// One Subscribe stream as cfs on a bare stub.
struct Stream {
  std::unique_ptr<grpc::ClientContext> context = std::make_unique<grpc::ClientContext>();
  std::unique_ptr<grpc::ClientReader<v1::SubscribeResponse>> reader;

  // True once the broker sends anything (the unacknowledged delivery the
  // test published, or a heartbeat); false when it ends the stream instead.
  bool Admitted() {
    v1::SubscribeResponse message;
    return reader->Read(&message);
  }
  grpc::Status Finish() { return reader->Finish(); }
};

// The store's write lock, taken behind the broker's back as another writer
// would: the broker's writes wait for it (its busy timeout is 5 s, retried
// 3 times) rather than fail while the test holds it briefly.
class StoreWriteLock {
 public:
  explicit StoreWriteLock(const std::string& path) {
    EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
    sqlite3_busy_timeout(db_, 5000);
    Exec("BEGIN IMMEDIATE");
  }
  ~StoreWriteLock() {
    Release();
    sqlite3_close(db_);
  }
  StoreWriteLock(const StoreWriteLock&) = delete;
  StoreWriteLock& operator=(const StoreWriteLock&) = delete;

  void Release() {
    if (held_) Exec("ROLLBACK");
    held_ = false;
  }

 private:
  void Exec(const char* sql) {
    char* error = nullptr;
    EXPECT_EQ(sqlite3_exec(db_, sql, nullptr, nullptr, &error), SQLITE_OK)
        << sql << ": " << (error ? error : "");
    sqlite3_free(error);
  }

  sqlite3* db_ = nullptr;
  bool held_ = true;
};

class LimitsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Left unacknowledged, so every stream on a name gets it when it opens.
    ASSERT_TRUE(police_.Publish(Example("investigation_outcome", "limits-first")).ok());
  }

  Stream Open(const std::string& name, std::chrono::seconds deadline) {
    Stream s;
    s.context->set_deadline(std::chrono::system_clock::now() + deadline);
    v1::SubscribeRequest request;
    request.set_subscription(name);
    s.reader = stub_->Subscribe(s.context.get(), request);
    return s;
  }
  // A stream on `name` admitted within 10 s, or null (a stream's place is
  // given back once the broker has finished it, just after its client sees
  // the end, so an attempt may still be refused).
  std::unique_ptr<Stream> OpenWithin10s(const std::string& name) {
    const auto until = Clock::now() + std::chrono::seconds(10);
    while (Clock::now() < until) {
      auto attempt = std::make_unique<Stream>(Open(name, std::chrono::seconds(20)));
      if (attempt->Admitted()) return attempt;
      const auto refused = attempt->Finish();
      EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
          << refused.error_message();
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return nullptr;
  }
  // Waits (at most 10 s) until the broker's log holds `text`.
  bool LogShows(const std::string& text) const {
    for (int i = 0; i < 100; ++i) {
      if (ReadFile(broker_.dir() + "/broker.log").find(text) != std::string::npos) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }

  BrokerProcess broker_{TightLimits()};
  client::Client police_ = Connect(broker_, "police");
  std::unique_ptr<v1::Broker::Stub> stub_ = RawStub(broker_, "cfs");
};

TEST_F(LimitsTest, AThirdStreamIsRefusedNamingOpenStreamsUntilOneCloses) {
  Stream first = Open("inbox", std::chrono::seconds(20));
  Stream second = Open("inbox", std::chrono::seconds(20));
  ASSERT_TRUE(first.Admitted());
  ASSERT_TRUE(second.Admitted());

  Stream third = Open("inbox", std::chrono::seconds(20));
  EXPECT_FALSE(third.Admitted());
  const auto refused = third.Finish();
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(refused.error_message(), HasSubstr("limits.per_agency.open_streams"));
  EXPECT_THAT(refused.error_message(), HasSubstr("agency 'cfs' has 2"));

  first.context->TryCancel();
  first.Finish();
  EXPECT_NE(OpenWithin10s("inbox"), nullptr);
  // Another agency's streams are counted apart.
  auto police_stub = RawStub(broker_, "police");
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(1));
  v1::SubscribeRequest request;
  request.set_subscription("police-inbox");
  auto police_stream = police_stub->Subscribe(&context, request);
  v1::SubscribeResponse nothing;
  EXPECT_FALSE(police_stream->Read(&nothing));  // nothing for police: its deadline ends it
  EXPECT_EQ(police_stream->Finish().error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
}

TEST_F(LimitsTest, ASecondPublishWhileOneIsInFlightIsRefusedNamingPublishesInFlight) {
  auto lock = std::make_unique<StoreWriteLock>(broker_.store_path());
  auto first = std::async(std::launch::async, [this] {
    return police_.Publish(Example("investigation_outcome", "limits-held"));
  });
  // In flight: the broker has decided it and handed it to the store, which waits for the lock.
  ASSERT_TRUE(LogShows("publish investigation_outcome"));
  ASSERT_EQ(first.wait_for(std::chrono::milliseconds(200)), std::future_status::timeout);

  const auto start = Clock::now();
  const auto second = police_.Publish(Example("investigation_outcome", "limits-second"));
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(2));  // refused at once, not queued
  EXPECT_EQ(second.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(std::string(second.status().message()),
              HasSubstr("limits.per_agency.publishes_in_flight"));

  lock->Release();
  ASSERT_EQ(first.wait_for(std::chrono::seconds(20)), std::future_status::ready);
  const auto stored = first.get();
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_FALSE(stored->duplicate());
  // The refusal stored nothing: the same notification again is new.
  const auto again = police_.Publish(Example("investigation_outcome", "limits-second"));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_FALSE(again->duplicate());
  EXPECT_GT(again->sequence(), stored->sequence());
}

TEST_F(LimitsTest, AStreamEndsAtItsDeadlineAndGivesItsPlaceBack) {
  Stream other = Open("inbox", std::chrono::seconds(30));
  ASSERT_TRUE(other.Admitted());
  const auto start = Clock::now();
  Stream timed = Open("inbox", std::chrono::seconds(2));
  ASSERT_TRUE(timed.Admitted());  // both places taken now
  v1::SubscribeResponse message;
  while (timed.reader->Read(&message)) {
  }
  const auto ended = timed.Finish();
  const auto after = Clock::now() - start;
  EXPECT_EQ(ended.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED) << ended.error_message();
  EXPECT_GE(after, std::chrono::milliseconds(1500));
  EXPECT_LT(after, std::chrono::seconds(10));

  // Its place is free again: a new stream on the same name opens and, once
  // it is the name's only stream, gets what is published.
  auto next = OpenWithin10s("inbox");
  ASSERT_NE(next, nullptr);
  other.context->TryCancel();
  other.Finish();
  const auto published = police_.Publish(Example("investigation_outcome", "limits-after"));
  ASSERT_TRUE(published.ok()) << published.status();
  bool got = false;
  for (int i = 0; i < 10 && !got && next->reader->Read(&message); ++i) {
    for (const auto& d : message.deliveries()) got = got || d.sequence() == published->sequence();
  }
  EXPECT_TRUE(got);
}

}  // namespace
}  // namespace safeshare::testing
