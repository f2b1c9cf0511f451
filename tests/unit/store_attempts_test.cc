// Unit tests of what the stores keep of a subscription's deliveries beyond
// its position, against both stores (AttemptsContract): acknowledgements one
// by one, deliveries handed again, parked and released, the listing's counts,
// and what reset and delete do with them.
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/unit/store_fixture.h"

namespace safeshare::store {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

class AttemptsContract : public StoreContract {
 protected:
  // Publishes `count` notifications from cfs to police and hands them to
  // police's subscription "inbox".
  void HandAll(int count) {
    ASSERT_TRUE(Open("police", "inbox").ok());
    std::vector<uint64_t> all;
    for (int i = 1; i <= count; ++i) {
      ASSERT_TRUE(Publish(Note("cfs", "k" + std::to_string(i), {"police"})).ok());
      all.push_back(static_cast<uint64_t>(i));
    }
    ASSERT_TRUE(Deliver("police", "inbox", all).ok());
  }
  absl::StatusOr<AckResult> AckSome(uint64_t through, const std::vector<uint64_t>& sequences) {
    AckRequest request{AgencyId("police"), SubscriptionName("inbox"), Sequence(through), {}};
    for (auto s : sequences) request.sequences.emplace_back(s);
    Completion<AckResult> done;
    store_->Acknowledge(std::move(request), done.Callback());
    return done.Get();
  }
  absl::StatusOr<uint32_t> ParkAt(uint64_t seq, uint32_t attempts) {
    auto stored = store_->ReadDeliveries(AgencyId("police"), Sequence(seq - 1), 1);
    if (!stored.ok()) return stored.status();
    DeliveredEvent e{stored->front(), AgencyId("police"), SubscriptionName("inbox")};
    e.attempt = attempts;
    Completion<uint32_t> done;
    store_->Park({e}, done.Callback());
    return done.Get();
  }
  absl::StatusOr<uint32_t> Release(const std::vector<uint64_t>& sequences) {
    Completion<uint32_t> done;
    store_->ReleaseParked(AgencyId("police"), SubscriptionName("inbox"),
                          std::vector<Sequence>(sequences.begin(), sequences.end()),
                          done.Callback());
    return done.Get();
  }
  SubscriptionStats Stats() {
    auto listed = store_->ReadSubscriptions(AgencyId("police"), SubscriptionName("inbox"));
    EXPECT_TRUE(listed.ok() && listed->size() == 1);
    return listed.ok() && !listed->empty() ? listed->front() : SubscriptionStats{};
  }
  std::vector<uint64_t> Parked() {
    auto parked =
        store_->ReadParked(AgencyId("police"), SubscriptionName("inbox"), Sequence(0), 10);
    EXPECT_TRUE(parked.ok());
    std::vector<uint64_t> out;
    for (const auto& p : parked.ok() ? *parked : std::vector<ParkedDelivery>{}) {
      out.push_back(p.sequence.value());
    }
    return out;
  }
};

TEST_P(AttemptsContract, OneByOneAcknowledgementsMoveThePositionOverWhatIsSettled) {
  ASSERT_NO_FATAL_FAILURE(HandAll(4));
  auto acked = AckSome(0, {2, 3});
  ASSERT_TRUE(acked.ok()) << acked.status();
  EXPECT_EQ(acked->acknowledged_through, Sequence(0));
  EXPECT_EQ(acked->newly_acknowledged, 2u);
  EXPECT_EQ(Stats().in_flight, 2u);  // 1 and 4
  EXPECT_EQ(Stats().backlog, 2u);
  acked = AckSome(0, {1, 2});  // 2 again: passed over
  ASSERT_TRUE(acked.ok());
  EXPECT_EQ(acked->acknowledged_through, Sequence(3));
  EXPECT_EQ(acked->newly_acknowledged, 1u);
  auto attempts = store_->ReadAttempts(AgencyId("police"), SubscriptionName("inbox"), Sequence(3));
  ASSERT_TRUE(attempts.ok());
  EXPECT_THAT(*attempts, IsEmpty());  // the position passed their rows
  EXPECT_EQ(AckSome(0, {9}).status().code(), absl::StatusCode::kInvalidArgument);
  const auto lines = Audit();
  size_t acknowledged = 0;
  for (const auto& e : lines) {
    if (e.action == audit::Action::kAcknowledged) acknowledged += e.lines.size();
  }
  EXPECT_EQ(acknowledged, 3u);
}

TEST_P(AttemptsContract, ParkedDeliveriesAreListedSkippedByThePositionAndReleased) {
  ASSERT_NO_FATAL_FAILURE(HandAll(3));
  ASSERT_EQ(ParkAt(1, 5).value(), 1u);
  EXPECT_EQ(ParkAt(1, 5).value(), 0u);  // already parked
  EXPECT_THAT(Parked(), ElementsAre(1u));
  auto parked = store_->ReadParked(AgencyId("police"), SubscriptionName("inbox"), Sequence(0), 10);
  ASSERT_TRUE(parked.ok());
  EXPECT_EQ(parked->front().attempts, 5u);
  EXPECT_EQ(parked->front().publisher, AgencyId("cfs"));
  EXPECT_EQ(parked->front().type, "strategy_minutes");
  EXPECT_EQ(Stats().parked, 1u);
  EXPECT_EQ(Stats().in_flight, 2u);

  auto acked = AckSome(3, {});  // passes the parked one without settling it
  ASSERT_TRUE(acked.ok());
  EXPECT_EQ(acked->newly_acknowledged, 2u);
  EXPECT_THAT(Parked(), ElementsAre(1u));
  EXPECT_EQ(Release({2}).status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Release({}).value(), 1u);
  EXPECT_THAT(Parked(), IsEmpty());
  auto attempts = store_->ReadAttempts(AgencyId("police"), SubscriptionName("inbox"), Sequence(3));
  ASSERT_TRUE(attempts.ok());
  ASSERT_EQ(attempts->size(), 1u);
  EXPECT_EQ(attempts->front().state, AttemptState::kReleased);
  acked = AckSome(0, {1});  // handled after all
  ASSERT_TRUE(acked.ok());
  EXPECT_EQ(acked->newly_acknowledged, 1u);
  size_t parked_entries = 0, released_entries = 0;
  for (const auto& e : Audit()) {
    parked_entries += e.action == audit::Action::kParked;
    released_entries += e.action == audit::Action::kReleased;
  }
  EXPECT_EQ(parked_entries, 1u);
  EXPECT_EQ(released_entries, 1u);
}

TEST_P(AttemptsContract, AHandedAgainDeliveryKeepsItsCountAndDeleteDiscardsParked) {
  ASSERT_NO_FATAL_FAILURE(HandAll(2));
  auto stored = store_->ReadDeliveries(AgencyId("police"), Sequence(1), 1);
  ASSERT_TRUE(stored.ok());
  DeliveredEvent again{stored->front(), AgencyId("police"), SubscriptionName("inbox")};
  again.attempt = 3;
  again.again = true;
  ASSERT_TRUE(Await([&](Store::StatusDone done) {
                store_->RecordDelivered({again}, std::move(done), false);
              }).ok());
  auto attempts = store_->ReadAttempts(AgencyId("police"), SubscriptionName("inbox"), Sequence(0));
  ASSERT_TRUE(attempts.ok());
  ASSERT_EQ(attempts->size(), 1u);
  EXPECT_EQ(attempts->front().state, AttemptState::kRedelivered);
  EXPECT_EQ(attempts->front().attempts, 3u);
  const auto last = Audit().back();
  ASSERT_EQ(last.lines.size(), 1u);
  EXPECT_EQ(last.lines[0].detail, "attempt 3");

  ASSERT_EQ(ParkAt(1, 2).value(), 1u);
  Completion<SubscriptionRecord> deleted;
  store_->DeleteSubscription(AgencyId("police"), SubscriptionName("inbox"), deleted.Callback());
  ASSERT_TRUE(deleted.Get().ok());
  EXPECT_EQ(Audit().back().detail, "at 0; 1 parked deliveries discarded");
  ASSERT_TRUE(Open("police", "inbox").ok());
  EXPECT_THAT(Parked(), IsEmpty());
}

INSTANTIATE_TEST_SUITE_P(Stores, AttemptsContract, SAFESHARE_STORES,
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace safeshare::store
