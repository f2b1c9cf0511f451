// Unit tests for broker/service: the publish, subscribe and acknowledge use
// cases over a real SqliteStore in a temp directory and a small in-test
// sharing table. No gRPC: the service layer is tested without a network.
#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include <numeric>

#include <google/protobuf/unknown_field_set.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "broker/audit/chain.h"
#include "broker/service/broker_service.h"
#include "tests/unit/completion.h"
#include "tests/unit/sample_notifications.h"

namespace safeshare::service {
namespace {

// The notification a feed item carries, as a recipient would parse it.
v1::Notification Parsed(const service::FeedItem& item) {
  v1::Notification n;
  EXPECT_TRUE(n.ParseFromString(*item.body));
  return n;
}

using ::safeshare::unit::Completion;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::MatchesRegex;
using ::testing::Not;
using ::testing::StartsWith;

const identity::Caller kCfs{AgencyId("cfs"), "childrens_social_care"};
const identity::Caller kPolice{AgencyId("police"), "police"};

std::vector<config::Agency> Agencies() {
  return {{AgencyId("police"), "police", "spiffe://t/police"},
          {AgencyId("cfs"), "childrens_social_care", "spiffe://t/cfs"},
          {AgencyId("health"), "health", "spiffe://t/health"},
          {AgencyId("education"), "education", "spiffe://t/education"}};
}

std::vector<config::SharingRule> Rules() {
  return {{"ISA-01",
           "abe_interview_record",
           {"police"},
           {"childrens_social_care"},
           "public_task_safeguarding"},
          {"ISA-03",
           "strategy_minutes",
           {"childrens_social_care"},
           {"police", "health"},
           "legal_obligation"}};
}

v1::Notification Minutes(const std::string& key) {
  auto n = samples::StrategyMinutes();
  n.set_idempotency_key(key);
  return n;
}

class ServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string dir = (std::filesystem::path(::testing::TempDir()) / "service-XXXXXX").string();
    ASSERT_NE(mkdtemp(dir.data()), nullptr);
    dir_ = dir;
    auto store = store::SqliteStore::Open(dir_ / "safeshare.db");
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    service_ = std::make_unique<BrokerService>(policy_, router_, *store_);
  }
  void TearDown() override {
    store_.reset();  // drains writes while the service's commit listener is alive
    service_.reset();
    std::filesystem::remove_all(dir_);
  }

  absl::StatusOr<store::PublishResult> Publish(const identity::Caller& caller, v1::Notification n) {
    Completion<store::PublishResult> done;
    service_->Publish(caller, std::move(n), done.Callback());
    return done.Get();
  }
  absl::StatusOr<std::unique_ptr<SubscriptionFeed>> Subscribe(const identity::Caller& caller,
                                                              const std::string& name) {
    Completion<std::unique_ptr<SubscriptionFeed>> done;
    service_->Subscribe(caller, name, done.Callback());
    return done.Get();
  }
  absl::StatusOr<store::AckResult> Ack(const identity::Caller& caller, const std::string& name,
                                       uint64_t sequence) {
    Completion<store::AckResult> done;
    service_->Acknowledge(caller, name, sequence, done.Callback());
    return done.Get();
  }
  std::vector<audit::Entry> Audit(audit::Action action) {
    auto all = store_->ReadAudit(0, 100'000);
    if (!all.ok()) {
      ADD_FAILURE() << all.status();
      return {};
    }
    EXPECT_TRUE(audit::VerifyChain(*all).ok());
    std::vector<audit::Entry> out;
    for (auto& e : *all) {
      if (e.action == action) out.push_back(std::move(e));
    }
    return out;
  }

  policy::SharingPolicy policy_{Agencies(), Rules()};
  routing::Router router_{policy_};
  std::filesystem::path dir_;
  std::unique_ptr<store::SqliteStore> store_;
  std::unique_ptr<BrokerService> service_;
};

TEST_F(ServiceTest, InvalidNotificationIsRefusedWithFieldPathAndAudited) {
  auto n = Minutes("k1");
  n.clear_idempotency_key();
  auto result = Publish(kCfs, n);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(result.status().message()), StartsWith("notification.idempotency_key: "));

  const auto refused = Audit(audit::Action::kPublishRefused);
  ASSERT_EQ(refused.size(), 1u);
  EXPECT_EQ(refused[0].actor, "cfs");
  EXPECT_EQ(refused[0].case_ref, "CASE-2024/001");
  EXPECT_THAT(refused[0].detail, StartsWith("strategy_minutes: notification.idempotency_key"));
  EXPECT_THAT(Audit(audit::Action::kPublished), IsEmpty());
}

TEST_F(ServiceTest, RefusalWithMalformedCaseRefAuditsNoCaseRef) {
  auto n = Minutes("k1");
  n.set_case_ref("CASE 1; DROP TABLE audit");
  EXPECT_EQ(Publish(kCfs, n).status().code(), absl::StatusCode::kInvalidArgument);
  const auto refused = Audit(audit::Action::kPublishRefused);
  ASSERT_EQ(refused.size(), 1u);
  EXPECT_EQ(refused[0].case_ref, "");
}

TEST_F(ServiceTest, RoleNotAllowedIsPermissionDeniedAndAudited) {
  auto result = Publish(kPolice, Minutes("k1"));  // police may receive minutes, not publish
  EXPECT_EQ(result.status().code(), absl::StatusCode::kPermissionDenied);
  const auto refused = Audit(audit::Action::kPublishRefused);
  ASSERT_EQ(refused.size(), 1u);
  EXPECT_EQ(refused[0].actor, "police");
  EXPECT_EQ(refused[0].case_ref, "CASE-2024/001");
  EXPECT_THAT(refused[0].detail, HasSubstr("no sharing rule lets role 'police'"));
  auto cfs = store_->ReadDeliveries(AgencyId("cfs"), Sequence(0), 10);
  ASSERT_TRUE(cfs.ok());
  EXPECT_THAT(*cfs, IsEmpty());
}

TEST_F(ServiceTest, ValidPublishIsStoredStampedWithCallerAndRoutedByPolicy) {
  const auto sent = Minutes("k1");
  auto result = Publish(kCfs, sent);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->sequence, Sequence(1));
  EXPECT_FALSE(result->duplicate);
  EXPECT_THAT(result->id.value(),
              MatchesRegex("[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"));
  std::vector<std::string> routed;
  for (const auto& a : result->routed_to) routed.push_back(a.value());
  EXPECT_THAT(routed, ElementsAre("police", "health"));

  auto police = store_->ReadDeliveries(AgencyId("police"), Sequence(0), 10);
  ASSERT_TRUE(police.ok());
  ASSERT_EQ(police->size(), 1u);
  const auto& d = (*police)[0];
  EXPECT_EQ(d.id, result->id);
  EXPECT_EQ(d.rule, "ISA-03");
  EXPECT_EQ(d.purpose, "PURPOSE_STRATEGY_DISCUSSION");
  EXPECT_EQ(d.content_hash, audit::ContentHash(d.body));
  v1::Notification stored;
  ASSERT_TRUE(stored.ParseFromString(d.body));
  EXPECT_EQ(stored.publisher(), "cfs");  // the caller's agency id, not its role
  EXPECT_EQ(stored.notification_id(), result->id.value());
  EXPECT_EQ(stored.strategy_minutes().cp_medical_rationale(),
            sent.strategy_minutes().cp_medical_rationale());

  const auto withheld = Audit(audit::Action::kWithheld);
  ASSERT_EQ(withheld.size(), 1u);
  EXPECT_EQ(withheld[0].recipient, "education");
}

TEST_F(ServiceTest, RetryWithSameKeyAnswersTheFirstNotification) {
  auto first = Publish(kCfs, Minutes("k1"));
  auto retry = Publish(kCfs, Minutes("k1"));
  ASSERT_TRUE(first.ok() && retry.ok());
  EXPECT_TRUE(retry->duplicate);
  EXPECT_EQ(retry->id, first->id);
  EXPECT_EQ(retry->sequence, first->sequence);
}

TEST_F(ServiceTest, ReusedKeyWithDifferentContentIsAlreadyExistsAndAudited) {
  auto first = Publish(kCfs, Minutes("k1"));
  ASSERT_TRUE(first.ok()) << first.status();
  auto changed = Minutes("k1");
  changed.mutable_strategy_minutes()->set_cp_medical_rationale("Changed after the meeting");
  auto reused = Publish(kCfs, changed);
  ASSERT_EQ(reused.status().code(), absl::StatusCode::kAlreadyExists) << reused.status();
  EXPECT_EQ(reused.status().message(),
            "notification.idempotency_key: already used for notification " + first->id.value() +
                " with different content; use a new key for new content");

  const auto refused = Audit(audit::Action::kPublishRefused);
  ASSERT_EQ(refused.size(), 1u);
  EXPECT_EQ(refused[0].actor, "cfs");
  EXPECT_EQ(refused[0].notification_id, first->id.value());
  EXPECT_THAT(refused[0].detail, HasSubstr("different content"));
  EXPECT_EQ(Audit(audit::Action::kPublished).size(), 1u);
  EXPECT_THAT(Audit(audit::Action::kDuplicate), IsEmpty());
  auto police = store_->ReadDeliveries(AgencyId("police"), Sequence(0), 10);
  ASSERT_TRUE(police.ok());
  ASSERT_EQ(police->size(), 1u);
  EXPECT_NE((*police)[0].body.find(Minutes("k1").strategy_minutes().cp_medical_rationale()),
            std::string::npos);
  // The same content again is still a retry of the first.
  auto retry = Publish(kCfs, Minutes("k1"));
  ASSERT_TRUE(retry.ok()) << retry.status();
  EXPECT_TRUE(retry->duplicate);
}

TEST_F(ServiceTest, UndecodableRequestIsRefusedAndAuditedWithTheCallersAgency) {
  Completion<store::PublishResult> done;
  service_->RefuseUndecodable(kPolice, done.Callback());
  const auto result = done.Get();
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(result.status().message()),
              StartsWith("request: not a PublishRequest ("));
  const auto refused = Audit(audit::Action::kPublishRefused);
  ASSERT_EQ(refused.size(), 1u);
  EXPECT_EQ(refused[0].actor, "police");
  EXPECT_EQ(refused[0].case_ref, "");
  EXPECT_THAT(refused[0].detail,
              StartsWith("(undecodable request): request: not a PublishRequest"));
}

TEST_F(ServiceTest, UndefinedEnumNumberIsRefusedNotAuditedAsEmptyPurpose) {
  auto n = Minutes("k1");
  n.set_purpose(static_cast<v1::Purpose>(99));
  auto result = Publish(kCfs, n);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(result.status().message()), StartsWith("notification.purpose: 99 "));
  EXPECT_THAT(Audit(audit::Action::kPublished), IsEmpty());
  EXPECT_EQ(Audit(audit::Action::kPublishRefused).size(), 1u);
}

TEST_F(ServiceTest, UnknownFieldIsRefusedAndNeverStored) {
  auto n = Minutes("k1");
  n.GetReflection()->MutableUnknownFields(&n)->AddLengthDelimited(77, "Zebedee Quistgaard");
  auto result = Publish(kCfs, n);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  const auto refused = Audit(audit::Action::kPublishRefused);
  ASSERT_EQ(refused.size(), 1u);
  EXPECT_THAT(refused[0].detail, Not(HasSubstr("Zebedee")));
  auto police = store_->ReadDeliveries(AgencyId("police"), Sequence(0), 10);
  ASSERT_TRUE(police.ok());
  EXPECT_THAT(*police, IsEmpty());
}

TEST_F(ServiceTest, SubscribeWithBadNameIsInvalidArgument) {
  for (const auto& name : std::vector<std::string>{"", "case alerts", std::string(65, 'a')}) {
    auto feed = Subscribe(kPolice, name);
    EXPECT_EQ(feed.status().code(), absl::StatusCode::kInvalidArgument) << name;
    EXPECT_THAT(std::string(feed.status().message()), StartsWith("subscription: ")) << name;
  }
  EXPECT_THAT(Audit(audit::Action::kSubscribed), IsEmpty());
}

TEST_F(ServiceTest, FeedPollsTheRecipientsDeliveriesInOrder) {
  auto one = Publish(kCfs, Minutes("k1"));
  ASSERT_TRUE(Publish(kPolice, samples::AbeInterviewRecord()).ok());  // to cfs only
  auto three = Publish(kCfs, Minutes("k3"));
  ASSERT_TRUE(one.ok() && three.ok());

  auto feed = Subscribe(kPolice, "police-feed");
  ASSERT_TRUE(feed.ok()) << feed.status();
  EXPECT_EQ((*feed)->agency(), AgencyId("police"));
  auto items = (*feed)->Poll(10);
  ASSERT_TRUE(items.ok()) << items.status();
  ASSERT_EQ(items->size(), 2u);
  EXPECT_EQ((*items)[0].event.sequence.value(), 1u);
  EXPECT_EQ(Parsed((*items)[0]).notification_id(), one->id.value());
  EXPECT_EQ((*items)[1].event.sequence.value(), 3u);
  EXPECT_EQ(Parsed((*items)[1]).notification_id(), three->id.value());
  EXPECT_EQ(Parsed((*items)[1]).idempotency_key(), "k3");
  EXPECT_EQ(Parsed((*items)[0]).publisher(), "cfs");
  EXPECT_EQ((*items)[0].event.rule, "ISA-03");
  EXPECT_EQ((*items)[0].lawful_basis, v1::LAWFUL_BASIS_LEGAL_OBLIGATION);
  EXPECT_EQ((*items)[0].purpose, v1::PURPOSE_STRATEGY_DISCUSSION);
  auto again = (*feed)->Poll(10);
  ASSERT_TRUE(again.ok());
  EXPECT_THAT(*again, IsEmpty());  // the feed moved past what it returned

  auto limited = Subscribe(kPolice, "police-feed");  // not acknowledged: starts over
  ASSERT_TRUE(limited.ok());
  auto first = (*limited)->Poll(1);
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->size(), 1u);
  EXPECT_EQ((*first)[0].event.sequence.value(), 1u);
}

TEST_F(ServiceTest, DispatchedDeliveriesAreAuditedBeforeTheAcknowledgement) {
  auto one = Publish(kCfs, Minutes("k1"));
  auto two = Publish(kCfs, Minutes("k2"));
  ASSERT_TRUE(one.ok() && two.ok());
  auto feed = Subscribe(kPolice, "police-feed");
  ASSERT_TRUE(feed.ok());
  auto items = (*feed)->Poll(10);
  ASSERT_TRUE(items.ok());
  ASSERT_EQ(items->size(), 2u);
  std::promise<void> audited;
  (*feed)->Dispatched(
      *items, [&audited] { audited.set_value(); }, /*more_ready=*/false);
  ASSERT_EQ(audited.get_future().wait_for(std::chrono::seconds(30)), std::future_status::ready);
  ASSERT_TRUE(Ack(kPolice, "police-feed", 2).ok());

  const auto delivered = Audit(audit::Action::kDelivered);
  const auto acknowledged = Audit(audit::Action::kAcknowledged);
  ASSERT_EQ(delivered.size(), 2u);
  ASSERT_EQ(acknowledged.size(), 2u);
  EXPECT_EQ(delivered[0].notification_id, one->id.value());
  EXPECT_EQ(delivered[1].notification_id, two->id.value());
  EXPECT_EQ(delivered[1].detail, "sequence 2");
  for (const auto& e : delivered) {
    EXPECT_EQ(e.actor, "police");
    EXPECT_EQ(e.recipient, "police");
    EXPECT_EQ(e.subscription, "police-feed");
    EXPECT_EQ(e.rule, "ISA-03");
    EXPECT_EQ(e.lawful_basis, "legal_obligation");
    EXPECT_EQ(e.case_ref, "CASE-2024/001");
    EXPECT_LT(e.id, acknowledged[0].id);
  }
}

TEST_F(ServiceTest, OnlyDispatchedDeliveriesAreAudited) {
  ASSERT_TRUE(Publish(kCfs, Minutes("k1")).ok());
  ASSERT_TRUE(Publish(kCfs, Minutes("k2")).ok());
  auto feed = Subscribe(kPolice, "police-feed");
  ASSERT_TRUE(feed.ok());
  auto items = (*feed)->Poll(10);
  ASSERT_TRUE(items.ok());
  ASSERT_EQ(items->size(), 2u);
  std::vector<service::FeedItem> first_only{(*items)[0]};
  (*feed)->Dispatched(
      first_only, [] {}, /*more_ready=*/true);  // the stream broke before the
                                                // second was polled
  feed->reset();
  ASSERT_TRUE(Subscribe(kPolice, "police-feed").ok());  // queued after the audit write
  const auto delivered = Audit(audit::Action::kDelivered);
  ASSERT_EQ(delivered.size(), 1u);
  EXPECT_EQ(delivered[0].detail, "sequence 1");
}

TEST_F(ServiceTest, ResubscribingResumesAfterTheAcknowledgedSequence) {
  ASSERT_TRUE(Publish(kCfs, Minutes("k1")).ok());
  ASSERT_TRUE(Publish(kCfs, Minutes("k2")).ok());
  ASSERT_TRUE(Subscribe(kPolice, "police-feed").ok());
  EXPECT_EQ(Ack(kPolice, "police-feed", 0).status().code(), absl::StatusCode::kInvalidArgument);
  auto ack = Ack(kPolice, "police-feed", 1);
  ASSERT_TRUE(ack.ok()) << ack.status();
  EXPECT_EQ(ack->acknowledged_through, Sequence(1));

  auto feed = Subscribe(kPolice, "police-feed");
  ASSERT_TRUE(feed.ok());
  auto items = (*feed)->Poll(10);
  ASSERT_TRUE(items.ok());
  ASSERT_EQ(items->size(), 1u);
  EXPECT_EQ((*items)[0].event.sequence.value(), 2u);
}

TEST_F(ServiceTest, FeedFarBehindTheInMemoryTailReadsTheStoreAndMissesNothing) {
  store_.reset();
  service_.reset();
  auto store = store::SqliteStore::Open(dir_ / "small-tail.db");
  ASSERT_TRUE(store.ok());
  store_ = std::move(*store);
  service_ = std::make_unique<BrokerService>(policy_, router_, *store_, /*recent_log_bytes=*/4096);
  for (int i = 1; i <= 20; ++i) ASSERT_TRUE(Publish(kCfs, Minutes("k" + std::to_string(i))).ok());

  auto feed = Subscribe(kPolice, "police-feed");
  ASSERT_TRUE(feed.ok());
  std::vector<uint64_t> got;
  for (int polls = 0; polls < 20 && got.size() < 20; ++polls) {
    auto items = (*feed)->Poll(3);  // small batches: store first, then the tail
    ASSERT_TRUE(items.ok()) << items.status();
    for (const auto& item : *items) {
      got.push_back(item.event.sequence.value());
      EXPECT_EQ(Parsed(item).idempotency_key(), "k" + std::to_string(got.size()));
    }
  }
  std::vector<uint64_t> expected(20);
  std::iota(expected.begin(), expected.end(), 1);
  EXPECT_EQ(got, expected);
}

TEST_F(ServiceTest, HubWakesOnlyListenersOfRecipientAgencies) {
  std::promise<void> police_woken;
  std::atomic<int> police_calls{0}, education_calls{0};
  const auto police = service_->hub().Add(AgencyId("police"), [&] {
    if (police_calls++ == 0) police_woken.set_value();
  });
  const auto education = service_->hub().Add(AgencyId("education"), [&] { ++education_calls; });

  ASSERT_TRUE(Publish(kCfs, Minutes("k1")).ok());
  ASSERT_EQ(police_woken.get_future().wait_for(std::chrono::seconds(30)),
            std::future_status::ready);
  ASSERT_TRUE(Subscribe(kCfs, "barrier").ok());  // the commit's Wake has returned by now
  EXPECT_EQ(education_calls.load(), 0);

  service_->hub().Remove(police);
  service_->hub().Remove(education);
  ASSERT_TRUE(Publish(kCfs, Minutes("k2")).ok());
  ASSERT_TRUE(Subscribe(kCfs, "barrier").ok());
  EXPECT_EQ(police_calls.load(), 1);  // removed listeners are not called
}

}  // namespace
}  // namespace safeshare::service
