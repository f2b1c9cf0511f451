// Unit tests for service::DeliverySession on the FakeStore: delivery is
// fail closed (nothing reaches the stream before its "delivered" record is
// durable; a record that cannot be written ends the stream) and damaged
// data is never served.
#include <chrono>
#include <condition_variable>
#include <future>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "broker/audit/chain.h"
#include "broker/service/broker_service.h"
#include "broker/store/fake_store.h"
#include "tests/unit/completion.h"
#include "tests/unit/sample_notifications.h"
#include "tests/unit/serial_executor.h"
#include "tests/unit/test_partnership.h"

namespace safeshare::service {
namespace {

using ::safeshare::unit::Completion;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

const identity::Caller kCfs{AgencyId("cfs"), "childrens_social_care"};
const identity::Caller kPolice{AgencyId("police"), "police"};

// Records what the session hands over; the test says when a batch is written.
class TestSink final : public DeliverySink {
 public:
  void Send(std::vector<FeedItem> items) override {
    std::lock_guard lock(mu_);
    for (const auto& item : items) sent_.push_back(item.event.sequence.value());
    ++batches_;
    changed_.notify_all();
  }
  void End(absl::Status status) override {
    std::lock_guard lock(mu_);
    ended_ = std::move(status);
    changed_.notify_all();
  }
  // Waits (bounded) until `ready` holds; false on timeout.
  template <typename F>
  bool WaitFor(F ready) {
    std::unique_lock lock(mu_);
    return changed_.wait_for(lock, std::chrono::seconds(30), [&] { return ready(*this); });
  }
  std::vector<uint64_t> sent() {
    std::lock_guard lock(mu_);
    return sent_;
  }
  std::vector<uint64_t> sent_;
  int batches_ = 0;
  std::optional<absl::Status> ended_;

 private:
  std::mutex mu_;
  std::condition_variable changed_;
};

class DeliverySessionTest : public ::testing::Test {
 protected:
  void SetUp() override { Recreate(64 << 20); }
  void TearDown() override {
    for (auto& s : sessions_) s->Stop();
    store_->Close();
    service_.reset();
  }
  void Recreate(size_t recent_log_bytes) {
    store_ = std::make_unique<store::FakeStore>();
    service_ = std::make_unique<BrokerService>(Partnership{policy_, cases_, key_}, *store_,
                                               recent_log_bytes);
  }

  void PublishMinutes(int count) {
    for (int i = 0; i < count; ++i) {
      auto n = samples::StrategyMinutes();
      n.set_idempotency_key("k" + std::to_string(next_key_++));
      Completion<PublishAnswer> done;
      service_->Publish(kCfs, n, done.Callback());
      ASSERT_TRUE(done.Get().ok());
    }
  }
  // Opens police's subscription, runs `fault` (the store fails from then
  // on), then starts delivering to `sink`.
  std::shared_ptr<DeliverySession> Start(
      const std::shared_ptr<TestSink>& sink, const std::function<void()>& fault = [] {}) {
    Completion<std::unique_ptr<SubscriptionFeed>> opened;
    service_->Subscribe(kPolice, "police-feed", opened.Callback());
    auto feed = opened.Get();
    EXPECT_TRUE(feed.ok()) << feed.status();
    fault();
    auto session = service_->StartDelivery(std::move(*feed), executor_.AsExecutor(), sink);
    sessions_.push_back(session);
    return session;
  }
  std::vector<audit::Entry> Audit(audit::Action action) {
    auto all = store_->ReadAudit(0, 100'000);
    EXPECT_TRUE(all.ok());
    EXPECT_TRUE(audit::VerifyChain(*all).ok());
    std::vector<audit::Entry> out;
    for (auto& e : *all) {
      if (e.action == action) out.push_back(std::move(e));
    }
    return out;
  }
  // The lines of the entries with `action` (delivered, acknowledged): one
  // per notification, whatever the batches.
  std::vector<audit::Line> Lines(audit::Action action) {
    std::vector<audit::Line> out;
    for (auto& e : Audit(action)) out.insert(out.end(), e.lines.begin(), e.lines.end());
    return out;
  }
  // Returns once every write queued so far has completed.
  void Barrier() {
    Completion<store::SubscriptionRecord> done;
    store_->OpenSubscription(AgencyId("health"), SubscriptionName("barrier"), true, 100,
                             done.Callback());
    ASSERT_TRUE(done.Get().ok());
  }

  routing::PolicyHolder policy_{
      unit::PolicyFrom(R"yaml(
id: ISA-TEST
title: Delivery session test
version: 1
parties: [police, childrens_social_care]
lawful_basis: legal_obligation
review_date: 2099-01-01
publish:
  childrens_social_care: [strategy_minutes]
rules:
  - id: ISA-03
    types: [strategy_minutes]
    recipients: [police]
    condition: always
    purpose: strategy_discussion
)yaml",
                       {{AgencyId("police"), "police", "spiffe://t/police"},
                        {AgencyId("cfs"), "childrens_social_care", "spiffe://t/cfs"}})};
  routing::CaseDirectory cases_;
  const PersonKey key_ = unit::TestPersonKey();
  std::unique_ptr<store::FakeStore> store_;
  std::unique_ptr<BrokerService> service_;
  unit::SerialExecutor executor_;
  std::vector<std::shared_ptr<DeliverySession>> sessions_;
  int next_key_ = 1;
};

TEST_F(DeliverySessionTest, NothingReachesTheStreamBeforeItsDeliveredRecordIsDurable) {
  PublishMinutes(2);
  auto sink = std::make_shared<TestSink>();
  Start(sink, [&] { store_->HoldCommits(true); });  // a slow disk: the record waits
  for (int i = 0; i < 3000 && store_->queued() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ASSERT_EQ(store_->queued(), 1u) << "the session queued its delivered record";
  EXPECT_THAT(sink->sent(), IsEmpty());
  EXPECT_THAT(Audit(audit::Action::kDelivered), IsEmpty());

  store_->HoldCommits(false);
  ASSERT_TRUE(sink->WaitFor([](TestSink& s) { return s.sent_.size() == 2; }));
  EXPECT_THAT(sink->sent(), ElementsAre(1u, 2u));
  const auto delivered = Audit(audit::Action::kDelivered);
  ASSERT_EQ(delivered.size(), 1u);  // the batch's record
  EXPECT_EQ(delivered[0].recipient, "police");
  EXPECT_EQ(delivered[0].subscription, "police-feed");
  ASSERT_EQ(delivered[0].lines.size(), 2u);
  EXPECT_EQ(delivered[0].lines[0].sequence, 1);
  EXPECT_EQ(delivered[0].lines[1].sequence, 2);
}

TEST_F(DeliverySessionTest, DeliveriesThatCannotBeAuditedAreNotSentAndTheStreamEnds) {
  PublishMinutes(2);
  auto sink = std::make_shared<TestSink>();
  Start(sink, [&] { store_->FillDisk(true); });
  ASSERT_TRUE(sink->WaitFor([](TestSink& s) { return s.ended_.has_value(); }));
  EXPECT_EQ(sink->ended_->code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(sink->ended_->message()), HasSubstr("reconnect later"));
  EXPECT_THAT(sink->sent(), IsEmpty());

  store_->FillDisk(false);  // space returns: a new stream resumes and delivers
  auto again = std::make_shared<TestSink>();
  Start(again);
  ASSERT_TRUE(again->WaitFor([](TestSink& s) { return s.sent_.size() == 2; }));
  EXPECT_EQ(Lines(audit::Action::kDelivered).size(), 2u);
}

TEST_F(DeliverySessionTest, ADamagedBodyIsNotServedAndTheStoreIsMarkedFailed) {
  Recreate(/*recent_log_bytes=*/1);  // the in-memory tail holds only the newest
  PublishMinutes(3);
  store_->CorruptBody(Sequence(1));
  auto sink = std::make_shared<TestSink>();
  Start(sink);
  ASSERT_TRUE(sink->WaitFor([](TestSink& s) { return s.ended_.has_value(); }));
  EXPECT_EQ(sink->ended_->code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(sink->ended_->message()), HasSubstr("sequence 1"));
  EXPECT_THAT(sink->sent(), IsEmpty());
  EXPECT_EQ(store_->Failure().code(), absl::StatusCode::kDataLoss);
}

TEST_F(DeliverySessionTest, AtMostOneBatchIsAuditedAheadOfTheStream) {
  PublishMinutes(3 * DeliverySession::kBatch);
  auto sink = std::make_shared<TestSink>();
  auto session = Start(sink);
  ASSERT_TRUE(sink->WaitFor([](TestSink& s) { return s.batches_ == 1; }));
  // The stream has not written its first batch yet: the second may be
  // audited and waiting, but no third.
  for (int i = 0; i < 3000 && Lines(audit::Action::kDelivered).size() < 2 * DeliverySession::kBatch;
       ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  Barrier();
  EXPECT_EQ(Lines(audit::Action::kDelivered).size(), 2 * DeliverySession::kBatch);
  EXPECT_EQ(sink->sent().size(), DeliverySession::kBatch);

  session->Sent();
  ASSERT_TRUE(sink->WaitFor([](TestSink& s) { return s.batches_ == 2; }));
  session->Sent();
  ASSERT_TRUE(sink->WaitFor([](TestSink& s) { return s.batches_ == 3; }));
  EXPECT_EQ(sink->sent().size(), 3 * DeliverySession::kBatch);
}

TEST_F(DeliverySessionTest, TheDeliveredRecordPrecedesTheAcknowledgement) {
  PublishMinutes(2);
  auto sink = std::make_shared<TestSink>();
  Start(sink);
  ASSERT_TRUE(sink->WaitFor([](TestSink& s) { return s.sent_.size() == 2; }));
  Completion<store::AckResult> acked;
  service_->Acknowledge(kPolice, "police-feed", 2, acked.Callback());
  ASSERT_TRUE(acked.Get().ok());
  const auto delivered = Audit(audit::Action::kDelivered);
  const auto acknowledged = Audit(audit::Action::kAcknowledged);
  EXPECT_EQ(Lines(audit::Action::kDelivered).size(), 2u);
  ASSERT_EQ(acknowledged.size(), 1u);  // one acknowledgement, a line per delivery
  EXPECT_EQ(acknowledged[0].lines.size(), 2u);
  ASSERT_FALSE(delivered.empty());
  EXPECT_LT(delivered.back().id, acknowledged.front().id);
}

TEST_F(DeliverySessionTest, ANewPublishWakesAnIdleSession) {
  auto sink = std::make_shared<TestSink>();
  Start(sink);
  Barrier();
  PublishMinutes(1);
  ASSERT_TRUE(sink->WaitFor([](TestSink& s) { return s.sent_.size() == 1; }));
}

}  // namespace
}  // namespace safeshare::service
