// Unit tests for the service's per-agency limits and deadlines, over the
// in-memory FakeStore and a ManualClock: publishes in flight held by a slow
// disk (HoldCommits), refusals that give their permit back, open streams,
// and paged reads that stop once the caller's deadline has passed.
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "broker/service/audit_service.h"
#include "broker/service/broker_service.h"
#include "broker/store/fake_store.h"
#include "tests/unit/completion.h"
#include "tests/unit/sample_notifications.h"
#include "tests/unit/test_partnership.h"

namespace safeshare::service {
namespace {

using ::safeshare::unit::Completion;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

const identity::Caller kCfs{AgencyId("cfs"), "childrens_social_care"};
const identity::Caller kPolice{AgencyId("police"), "police"};
const identity::Caller kIg{AgencyId("ig"), "information_governance"};

constexpr char kAgreement[] = R"yaml(
id: ISA-LIMITS
title: Limits test
version: 1
parties: [police, childrens_social_care]
lawful_basis: legal_obligation
review_date: 2099-01-01
publish:
  childrens_social_care: [strategy_minutes]
rules:
  - id: ISA-01
    types: [strategy_minutes]
    recipients: [police]
    condition: always
    purpose: strategy_discussion
)yaml";

class ServiceLimitsTest : public ::testing::Test {
 protected:
  void TearDown() override { store_.Close(); }

  static LimitsByAgency TwoEach() {
    LimitsByAgency limits;
    limits.defaults = {/*publishes_in_flight=*/2, /*open_streams=*/2};
    return limits;
  }
  static v1::Notification Minutes(const std::string& key) {
    auto n = samples::StrategyMinutes();
    n.set_idempotency_key(key);
    return n;
  }
  // Starts a publish; its answer is the completion's.
  std::unique_ptr<Completion<PublishAnswer>> Send(const v1::Notification& n) {
    auto done = std::make_unique<Completion<PublishAnswer>>();
    service_.Publish(kCfs, n, done->Callback());
    return done;
  }
  size_t Audited(audit::Action action) const {
    auto all = store_.ReadAudit(0, 100'000);
    EXPECT_TRUE(all.ok());
    size_t n = 0;
    for (const auto& e : *all) n += e.action == action ? 1 : 0;
    return n;
  }
  // `count` entries appended as the broker's own writes would.
  void RecordEntries(int count) {
    for (int i = 1; i <= count; ++i) {
      audit::Entry e;
      e.actor = "cfs";
      e.action = audit::Action::kPublished;
      e.case_ref = "CASE-1";
      e.detail = "strategy_minutes sequence " + std::to_string(i);
      unit::StatusCompletion done;
      store_.RecordEvent(std::move(e), done.Callback(), /*can_wait=*/false);
      ASSERT_TRUE(done.Get().ok());
    }
  }
  int64_t Past() const { return clock_.WallMicros() - 1; }

  ManualClock clock_;
  store::FakeStore store_{clock_};
  routing::PolicyHolder policy_{
      unit::PolicyFrom(kAgreement, {{AgencyId("police"), "police", "spiffe://t/police"},
                                    {AgencyId("cfs"), "childrens_social_care", "spiffe://t/cfs"},
                                    {AgencyId("ig"), "information_governance", "spiffe://t/ig"}})};
  routing::CaseDirectory cases_;
  const PersonKey key_ = unit::TestPersonKey();
  BrokerService service_{
      Partnership{policy_, cases_, key_}, store_, 1 << 20, {}, TwoEach(), clock_};
  const policy::WorkingCalendar calendar_{config::CalendarConfig{}};
  AuditService audit_{
      store_, key_, "safeshare.test/audit+01020304+AQ==", policy_, calendar_, clock_};
};

TEST_F(ServiceLimitsTest, PublishBeyondTheLimitIsRefusedNamingTheKeyUntilOneIsAnswered) {
  store_.HoldCommits(true);  // a slow disk: both stay in flight
  auto first = Send(Minutes("k1"));
  auto second = Send(Minutes("k2"));
  EXPECT_EQ(service_.limits().PublishesInFlight(kCfs.agency), 2u);

  auto third = Send(Minutes("k3"))->Get();  // answered at once, while the others wait
  EXPECT_EQ(third.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(std::string(third.status().message()),
              HasSubstr("limits.per_agency.publishes_in_flight"));

  store_.HoldCommits(false);
  ASSERT_TRUE(first->Get().ok());
  ASSERT_TRUE(second->Get().ok());
  EXPECT_EQ(service_.limits().PublishesInFlight(kCfs.agency), 0u);
  auto fourth = Send(Minutes("k3"))->Get();
  ASSERT_TRUE(fourth.ok()) << fourth.status();
  EXPECT_FALSE(fourth->duplicate);  // the refusal stored nothing
  // Refusals for a limit are logged, not audited.
  EXPECT_EQ(Audited(audit::Action::kPublishRefused), 0u);
  EXPECT_EQ(Audited(audit::Action::kPublished), 3u);
}

TEST_F(ServiceLimitsTest, RefusedPublishesGiveTheirPermitBack) {
  auto invalid = Minutes("k1");
  invalid.clear_idempotency_key();
  for (int i = 0; i < 3; ++i) {  // more than the limit, one after another
    EXPECT_EQ(Send(invalid)->Get().status().code(), absl::StatusCode::kInvalidArgument) << i;
    Completion<PublishAnswer> undecodable;
    service_.RefuseUndecodable(kCfs, undecodable.Callback());
    EXPECT_EQ(undecodable.Get().status().code(), absl::StatusCode::kInvalidArgument) << i;
  }
  EXPECT_EQ(service_.limits().PublishesInFlight(kCfs.agency), 0u);
  EXPECT_TRUE(Send(Minutes("k1"))->Get().ok());
}

TEST_F(ServiceLimitsTest, StreamsBeyondTheLimitAreRefusedUntilOneEnds) {
  auto a = service_.OpenStream(kPolice);
  auto b = service_.OpenStream(kPolice);
  ASSERT_TRUE(a.ok() && b.ok());
  const auto refused = service_.OpenStream(kPolice).status();
  EXPECT_EQ(refused.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(std::string(refused.message()), HasSubstr("limits.per_agency.open_streams"));
  EXPECT_TRUE(service_.OpenStream(kCfs).ok());  // another agency's count
  *a = AgencyLimits::Permit();                  // a stream ends
  EXPECT_TRUE(service_.OpenStream(kPolice).ok());
}

TEST_F(ServiceLimitsTest, AuditQueryPastItsDeadlineReadsNothingAndIsNotServed) {
  RecordEntries(3);
  const size_t reads_before = Audited(audit::Action::kAuditRead);
  Completion<AuditPage> late;
  audit_.Query(kIg, {}, 0, 0, late.Callback(), Past());
  EXPECT_EQ(late.Get().status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(Audited(audit::Action::kAuditRead), reads_before);

  Completion<AuditPage> in_time;
  audit_.Query(kIg, {}, 0, 0, in_time.Callback(), clock_.WallMicros() + 1'000'000);
  auto page = in_time.Get();
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(page->entries.size(), 3u);
}

TEST_F(ServiceLimitsTest, ExportStopsBetweenPagesOnceItsDeadlinePasses) {
  const int total = 3 * static_cast<int>(AuditExport::kPage);
  RecordEntries(total);
  Completion<std::unique_ptr<AuditExport>> started;
  audit_.StartExport(kIg, {}, ExportFormat::kJsonLines, started.Callback(),
                     clock_.WallMicros() + 1'000'000);
  auto exported = started.Get();
  ASSERT_TRUE(exported.ok()) << exported.status();
  auto first = (*exported)->Next();
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_GT(first->entries, 0u);

  clock_.Advance(std::chrono::seconds(2));
  uint64_t sent = first->entries;
  absl::Status stopped;
  for (int piece = 0; piece < total && stopped.ok(); ++piece) {
    auto next = (*exported)->Next();
    if (!next.ok()) {
      stopped = next.status();
    } else if (next->data.empty()) {
      break;
    } else {
      sent += next->entries;
    }
  }
  EXPECT_EQ(stopped.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_THAT(std::string(stopped.message()), HasSubstr("deadline"));
  EXPECT_LT(sent, static_cast<uint64_t>(total));  // stopped before the end
}

TEST_F(ServiceLimitsTest, ListingsPastTheirDeadlineAreDeadlineExceeded) {
  Completion<UnacknowledgedPage> unacked;
  audit_.ListUnacknowledged(kIg, {}, unacked.Callback(), Past());
  EXPECT_EQ(unacked.Get().status().code(), absl::StatusCode::kDeadlineExceeded);

  EXPECT_EQ(service_.ListSubscriptions(kPolice, "", Past()).status().code(),
            absl::StatusCode::kDeadlineExceeded);
  auto listed = service_.ListSubscriptions(kPolice, "", clock_.WallMicros() + 1);
  ASSERT_TRUE(listed.ok()) << listed.status();
  EXPECT_THAT(*listed, IsEmpty());
}

}  // namespace
}  // namespace safeshare::service
