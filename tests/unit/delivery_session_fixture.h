#pragma once
// The fixture of the DeliverySession tests: a BrokerService on the FakeStore
// with a ManualClock, police subscribed to cfs's strategy minutes, and a
// sink that records what a session hands over.
#include <chrono>
#include <condition_variable>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "broker/audit/chain.h"
#include "broker/core/clock.h"
#include "broker/service/broker_service.h"
#include "broker/store/fake_store.h"
#include "tests/unit/completion.h"
#include "tests/unit/sample_notifications.h"
#include "tests/unit/serial_executor.h"
#include "tests/unit/test_partnership.h"

namespace safeshare::service {

inline const identity::Caller kCfs{AgencyId("cfs"), "childrens_social_care"};
inline const identity::Caller kPolice{AgencyId("police"), "police"};

// Records what the session hands over, in order ("1,2" a batch, "hb" or
// "hb standby" a heartbeat); the test says when a batch is written.
class TestSink final : public DeliverySink {
 public:
  void Send(std::vector<FeedItem> items) override {
    std::lock_guard lock(mu_);
    std::string batch;
    for (const auto& item : items) {
      sent_.push_back(item.event.sequence.value());
      attempts_.push_back(item.event.attempt);
      batch += (batch.empty() ? "" : ",") + std::to_string(item.event.sequence.value());
    }
    events_.push_back(batch);
    ++batches_;
    changed_.notify_all();
  }
  void Heartbeat(const HeartbeatInfo& info) override {
    std::lock_guard lock(mu_);
    events_.push_back(info.standby ? "hb standby" : "hb");
    ++heartbeats_;
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
  std::vector<uint32_t> attempts() {
    std::lock_guard lock(mu_);
    return attempts_;
  }
  std::vector<std::string> events() {
    std::lock_guard lock(mu_);
    return events_;
  }
  int heartbeats() {
    std::lock_guard lock(mu_);
    return heartbeats_;
  }
  std::vector<uint64_t> sent_;
  std::vector<uint32_t> attempts_;  // of each entry of sent_
  std::vector<std::string> events_;
  int batches_ = 0;
  int heartbeats_ = 0;
  std::optional<absl::Status> ended_;

 private:
  std::mutex mu_;
  std::condition_variable changed_;
};

class DeliverySessionTest : public ::testing::Test {
 protected:
  static constexpr std::chrono::seconds kHeartbeat{30};

  void SetUp() override { Recreate(64 << 20); }
  void TearDown() override {
    for (auto& s : sessions_) s->Stop();
    store_->Close();
    service_.reset();
  }
  void Recreate(size_t recent_log_bytes, DeliveryLimits delivery = {}) {
    store_ = std::make_unique<store::FakeStore>();
    SubscriptionSettings settings;
    settings.clock = &clock_;
    settings.delivery = delivery;
    service_ = std::make_unique<BrokerService>(Partnership{policy_, cases_, key_}, *store_,
                                               recent_log_bytes, settings);
  }

  void PublishMinutes(int count) {
    for (int i = 0; i < count; ++i) {
      auto n = samples::StrategyMinutes();
      n.set_idempotency_key("k" + std::to_string(next_key_++));
      unit::Completion<PublishAnswer> done;
      service_->Publish(kCfs, n, done.Callback());
      ASSERT_TRUE(done.Get().ok());
    }
  }
  // Opens police's subscription `name`, runs `fault` (the store fails from
  // then on), then starts delivering to `sink`: the session, or why it was
  // refused.
  absl::StatusOr<std::shared_ptr<DeliverySession>> TryStart(
      const std::shared_ptr<TestSink>& sink, const std::function<void()>& fault = [] {},
      const std::string& name = "police-feed") {
    unit::Completion<std::unique_ptr<SubscriptionFeed>> opened;
    service_->Subscribe(kPolice, name, opened.Callback());
    auto feed = opened.Get();
    EXPECT_TRUE(feed.ok()) << feed.status();
    if (!feed.ok()) return feed.status();
    fault();
    auto session =
        service_->StartDelivery(std::move(*feed), kHeartbeat, executor_.AsExecutor(), sink);
    if (session.ok()) sessions_.push_back(*session);
    return session;
  }
  std::shared_ptr<DeliverySession> Start(
      const std::shared_ptr<TestSink>& sink, const std::function<void()>& fault = [] {}) {
    auto session = TryStart(sink, fault);
    EXPECT_TRUE(session.ok()) << session.status();
    return session.ok() ? *session : nullptr;
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
    unit::Completion<store::SubscriptionRecord> done;
    store_->OpenSubscription(AgencyId("health"), SubscriptionName("barrier"), true, 100,
                             done.Callback());
    ASSERT_TRUE(done.Get().ok());
  }
  // Returns once every job posted to the executor so far has run.
  void Settle() {
    std::promise<void> ran;
    executor_.AsExecutor()([&ran] { ran.set_value(); });
    ran.get_future().wait();
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
  ManualClock clock_;  // before the store and service, which use it until they go
  std::unique_ptr<store::FakeStore> store_;
  std::unique_ptr<BrokerService> service_;
  unit::SerialExecutor executor_;
  std::vector<std::shared_ptr<DeliverySession>> sessions_;
  int next_key_ = 1;
};

}  // namespace safeshare::service
