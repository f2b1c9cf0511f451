// Unit tests for broker/service: the publish, subscribe and acknowledge use
// cases over the in-memory FakeStore and a small in-test sharing table. No
// gRPC, no disk: the service layer is tested without a network.
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
#include "broker/service/subscription_filter.h"
#include "broker/store/fake_store.h"
#include "tests/unit/completion.h"
#include "tests/unit/sample_notifications.h"
#include "tests/unit/test_partnership.h"

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

// Police share ABE records with children's social care; children's social
// care shares minutes with police and health, whatever the case.
constexpr char kAgreement[] = R"yaml(
id: ISA-TEST
title: Service test
version: 1
parties: [police, childrens_social_care, health, education]
lawful_basis: legal_obligation
review_date: 2099-01-01
publish:
  police: [abe_interview_record]
  childrens_social_care: [strategy_minutes]
rules:
  - id: ISA-01
    types: [abe_interview_record]
    recipients: [childrens_social_care]
    condition: always
    purpose: child_protection_enquiry
  - id: ISA-03
    types: [strategy_minutes]
    recipients: [police, health]
    condition: always
    purpose: strategy_discussion
)yaml";

v1::Notification Minutes(const std::string& key) {
  auto n = samples::StrategyMinutes();
  n.set_idempotency_key(key);
  return n;
}

class ServiceTest : public ::testing::Test {
 protected:
  void SetUp() override { Recreate(64 << 20); }
  void TearDown() override {
    store_->Close();  // completes writes while the service's commit listener is alive
    service_.reset();
  }
  void Recreate(size_t recent_log_bytes) {
    if (store_) store_->Close();
    service_.reset();
    store_ = std::make_unique<store::FakeStore>();
    service_ = std::make_unique<BrokerService>(Partnership{policy_, cases_, key_}, *store_,
                                               recent_log_bytes);
  }

  absl::StatusOr<PublishAnswer> Publish(const identity::Caller& caller, const v1::Notification& n) {
    Completion<PublishAnswer> done;
    service_->Publish(caller, n, done.Callback());
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

  routing::PolicyHolder policy_{unit::PolicyFrom(kAgreement, Agencies())};
  routing::CaseDirectory cases_;
  const PersonKey key_ = unit::TestPersonKey();
  std::unique_ptr<store::FakeStore> store_;
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
  EXPECT_THAT(refused[0].detail, HasSubstr("role police may not publish strategy_minutes"));
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

  const auto published = Audit(audit::Action::kPublished);
  ASSERT_EQ(published.size(), 1u);  // the decision: a line per agency
  std::vector<std::string> lines;
  for (const auto& line : published[0].lines) {
    lines.push_back(std::string(audit::ActionName(line.outcome)) + " " + line.agency);
  }
  EXPECT_THAT(lines, ::testing::UnorderedElementsAre("routed police", "routed health",
                                                     "withheld education"));
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
  Completion<PublishAnswer> done;
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

TEST_F(ServiceTest, ResubscribingResumesAfterTheAcknowledgedSequence) {
  ASSERT_TRUE(Publish(kCfs, Minutes("k1")).ok());
  ASSERT_TRUE(Publish(kCfs, Minutes("k2")).ok());
  ASSERT_TRUE(Subscribe(kPolice, "police-feed").ok());
  EXPECT_EQ(Ack(kPolice, "police-feed", 0).status().code(), absl::StatusCode::kInvalidArgument);
  auto police = store_->ReadDeliveries(AgencyId("police"), Sequence(0), 1);
  ASSERT_TRUE(police.ok() && police->size() == 1);
  Completion<bool> handed;  // as the stream records sequence 1 before sending it
  store_->RecordDelivered(
      {{(*police)[0], AgencyId("police"), SubscriptionName("police-feed")}},
      [cb = handed.Callback()](const absl::Status& s) {
        cb(s.ok() ? absl::StatusOr<bool>(true) : s);
      },
      /*can_wait=*/false);
  ASSERT_TRUE(handed.Get().ok());
  EXPECT_EQ(Ack(kPolice, "police-feed", 2).status().code(), absl::StatusCode::kInvalidArgument);
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
  Recreate(/*recent_log_bytes=*/4096);
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

TEST(SubscriptionFilterTest, NormalisesAndRefusesNamingTheField) {
  auto filter = CheckFilter({"strategy_minutes", "investigation_outcome", "strategy_minutes"},
                            {"CASE-2", "CASE-1"});
  ASSERT_TRUE(filter.ok()) << filter.status();
  EXPECT_THAT(filter->types, ElementsAre("investigation_outcome", "strategy_minutes"));
  EXPECT_THAT(filter->case_refs, ElementsAre(CaseRef("CASE-1"), CaseRef("CASE-2")));

  const auto unknown = CheckFilter({"investigation_outcome", "minutes"}, {});
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(unknown.status().message()),
              StartsWith("filter.types[1]: not a notification type; give one of "
                         "strategy_minutes, abe_interview_record"));
  const auto repeated = CheckFilter({}, {"CASE-1", "CASE-1"});
  EXPECT_THAT(std::string(repeated.status().message()), HasSubstr("given twice"));
  const auto malformed = CheckFilter({}, {"CASE 1"});
  EXPECT_THAT(std::string(malformed.status().message()), StartsWith("filter.case_refs[0]: "));
  std::vector<std::string> many;
  for (size_t i = 0; i <= kMaxFilterCases; ++i) many.push_back("CASE-" + std::to_string(i));
  EXPECT_THAT(std::string(CheckFilter({}, many).status().message()),
              HasSubstr("at most 100 case references (101 given)"));
}

TEST_F(ServiceTest, HubWakesOnlyListenersOfRecipientAgencies) {
  std::promise<void> police_woken;
  std::atomic<int> police_calls{0}, education_calls{0};
  auto join = [this](const std::string& agency, DeliveryHub::Listener wake) {
    auto joined = service_->hub().Join(AgencyId(agency), SubscriptionName("inbox"),
                                       store::ConsumerMode::kStandby,
                                       {.wake = std::move(wake),
                                        .promoted = [] {},
                                        .tick = [] {},
                                        .end = [](const absl::Status&) {}});
    EXPECT_TRUE(joined.ok());
    return joined.ok() ? joined->first : 0;
  };
  const auto police = join("police", [&] {
    if (police_calls++ == 0) police_woken.set_value();
  });
  const auto education = join("education", [&] { ++education_calls; });

  ASSERT_TRUE(Publish(kCfs, Minutes("k1")).ok());
  ASSERT_EQ(police_woken.get_future().wait_for(std::chrono::seconds(30)),
            std::future_status::ready);
  ASSERT_TRUE(Subscribe(kCfs, "barrier").ok());  // the commit's Wake has returned by now
  EXPECT_EQ(education_calls.load(), 0);

  service_->hub().Leave(police);
  service_->hub().Leave(education);
  ASSERT_TRUE(Publish(kCfs, Minutes("k2")).ok());
  ASSERT_TRUE(Subscribe(kCfs, "barrier").ok());
  EXPECT_EQ(police_calls.load(), 1);  // removed listeners are not called
}

}  // namespace
}  // namespace safeshare::service

namespace safeshare::service {
namespace {

TEST_F(ServiceTest, AfterStopAcceptingEveryCallIsUnavailableAndNothingIsStored) {
  service_->StopAccepting();
  auto published = Publish(kCfs, Minutes("k1"));
  EXPECT_EQ(published.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(published.status().message()), HasSubstr("shutting down"));
  EXPECT_EQ(Subscribe(kPolice, "feed").status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(Ack(kPolice, "feed", 1).status().code(), absl::StatusCode::kUnavailable);
  auto all = store_->ReadAudit(0, 100);
  ASSERT_TRUE(all.ok());
  EXPECT_THAT(*all, IsEmpty());
}

TEST_F(ServiceTest, AReplacedPolicyDecidesTheNextPublish) {
  ASSERT_TRUE(Publish(kCfs, Minutes("k1")).ok());
  // The new version lets cfs share minutes with education only.
  std::string v2 = kAgreement;
  v2.replace(v2.find("recipients: [police, health]"), 28, "recipients: [education]");
  policy_.Replace(unit::PolicyFrom(v2, Agencies()));
  auto second = Publish(kCfs, Minutes("k2"));
  ASSERT_TRUE(second.ok()) << second.status();
  ASSERT_EQ(second->routed_to.size(), 1u);
  EXPECT_EQ(second->routed_to[0], AgencyId("education"));
}

TEST_F(ServiceTest, AFailedStoreAnswersUnavailableWithoutPromisingARetry) {
  ASSERT_TRUE(Publish(kCfs, Minutes("k1")).ok());
  store_->FailNextSync();
  auto failed = Publish(kCfs, Minutes("k2"));
  EXPECT_EQ(failed.status().code(), absl::StatusCode::kUnavailable);
  auto later = Publish(kCfs, Minutes("k3"));
  EXPECT_EQ(later.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(later.status().message()), HasSubstr("will fail until then"));
  EXPECT_FALSE(store_->Failure().ok());
}

TEST_F(ServiceTest, ADiskFullPublishIsResourceExhaustedAndTheNextOneSucceeds) {
  store_->FillDisk(true);
  auto full = Publish(kCfs, Minutes("k1"));
  EXPECT_EQ(full.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(std::string(full.status().message()), HasSubstr("same idempotency key"));
  store_->FillDisk(false);
  auto retried = Publish(kCfs, Minutes("k1"));
  ASSERT_TRUE(retried.ok()) << retried.status();
  EXPECT_FALSE(retried->duplicate);
  EXPECT_TRUE(store_->Failure().ok());
}

}  // namespace
}  // namespace safeshare::service
