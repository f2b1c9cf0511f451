// Unit tests of subscription management in the store: start positions,
// repeated creates, the per-agency limit, filtered reads in bounded steps,
// backlog counts, reset, delete, the delivered position, and their audit.
// SubscriptionsContract runs against both stores; the upgrades of version 6
// and 7 files are SQLite only.
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "broker/store/schema_sql.h"
#include "tests/unit/store_fixture.h"

namespace safeshare::store {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

class SubscriptionsContract : public StoreContract {
 protected:
  // Publishes a notification of `type` on `case_ref` from police to cfs.
  Sequence PublishTo(const std::string& type, const std::string& case_ref) {
    auto n = Note("police", "k" + std::to_string(++published_), {"cfs"});
    n.type = type;
    n.case_ref = CaseRef(case_ref);
    auto stored = Publish(std::move(n));
    EXPECT_TRUE(stored.ok()) << stored.status();
    return stored.ok() ? stored->sequence : Sequence(0);
  }
  absl::StatusOr<SubscriptionRecord> Create(const std::string& name, StartPosition start,
                                            DeliveryFilter filter = {}, size_t max = 100,
                                            ConsumerMode mode = ConsumerMode::kStandby) {
    Completion<SubscriptionRecord> done;
    store_->CreateSubscription(SubscriptionSpec{AgencyId("cfs"), SubscriptionName(name), start,
                                                std::move(filter), max, mode},
                               done.Callback());
    return done.Get();
  }
  absl::StatusOr<SubscriptionRecord> Reset(const std::string& name, StartPosition to) {
    Completion<SubscriptionRecord> done;
    store_->ResetSubscription(AgencyId("cfs"), SubscriptionName(name), to, done.Callback());
    return done.Get();
  }
  absl::StatusOr<SubscriptionRecord> Delete(const std::string& name) {
    Completion<SubscriptionRecord> done;
    store_->DeleteSubscription(AgencyId("cfs"), SubscriptionName(name), done.Callback());
    return done.Get();
  }
  std::vector<SubscriptionStats> List(const std::string& name = "") {
    auto listed = store_->ReadSubscriptions(AgencyId("cfs"), SubscriptionName(name));
    EXPECT_TRUE(listed.ok()) << listed.status();
    return listed.ok() ? *listed : std::vector<SubscriptionStats>{};
  }
  std::vector<uint64_t> PageSequences(const DeliveryFilter& filter, uint64_t after = 0) {
    auto page = store_->ReadDeliveryPage(AgencyId("cfs"), Sequence(after), 100, filter);
    EXPECT_TRUE(page.ok()) << page.status();
    std::vector<uint64_t> out;
    for (const auto& d : page.ok() ? page->deliveries : std::vector<StoredDelivery>{}) {
      out.push_back(d.sequence.value());
    }
    return out;
  }

  int published_ = 0;
};
INSTANTIATE_TEST_SUITE_P(Stores, SubscriptionsContract, SAFESHARE_STORES,
                         [](const auto& info) { return info.param; });

const StartPosition kBeginning{StartFrom::kBeginning, Sequence(0)};
const StartPosition kNow{StartFrom::kNow, Sequence(0)};
StartPosition After(uint64_t n) { return {StartFrom::kAfter, Sequence(n)}; }

TEST_P(SubscriptionsContract, StartsAtTheBeginningNowOrAfterASequence) {
  PublishTo("strategy_minutes", "CASE-1");
  PublishTo("strategy_minutes", "CASE-1");
  auto beginning = Create("all", kBeginning);
  auto now = Create("new", kNow);
  auto after = Create("some", After(1));
  ASSERT_TRUE(beginning.ok() && now.ok() && after.ok());
  EXPECT_EQ(beginning->acked_through, Sequence(0));
  EXPECT_EQ(now->acked_through, Sequence(2));
  EXPECT_EQ(now->delivered_through, Sequence(2));
  EXPECT_EQ(after->acked_through, Sequence(1));
  EXPECT_EQ(Open("cfs", "new").value(), Sequence(2));  // resumes where it was created

  const auto created = AuditOf(audit::Action::kSubscriptionCreated);
  ASSERT_EQ(created.size(), 3u);
  EXPECT_EQ(created[0].detail, "from the beginning (after sequence 0)");
  EXPECT_EQ(created[1].detail, "from now (after sequence 2)");
  EXPECT_EQ(created[2].detail, "after sequence 1");
  EXPECT_EQ(created[1].actor, "cfs");
  EXPECT_EQ(created[1].subscription, "new");
}

TEST_P(SubscriptionsContract, AfterASequenceBeyondTheLatestIsRefusedAndStoresNothing) {
  PublishTo("strategy_minutes", "CASE-1");
  const auto refused = Create("ahead", After(2));
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(refused.status().message()), HasSubstr("after_sequence: 2"));
  EXPECT_THAT(List(), IsEmpty());
  EXPECT_THAT(AuditOf(audit::Action::kSubscriptionCreated), IsEmpty());
}

TEST_P(SubscriptionsContract, ARepeatedCreateAnswersTheFirstAndAnotherFilterAlreadyExists) {
  PublishTo("strategy_minutes", "CASE-1");
  const DeliveryFilter outcomes{{"investigation_outcome"}, {}};
  auto first = Create("outcomes", kNow, outcomes);
  PublishTo("strategy_minutes", "CASE-1");
  auto retry = Create("outcomes", kNow, outcomes);  // "now" has moved: still the first
  ASSERT_TRUE(first.ok() && retry.ok());
  EXPECT_EQ(retry->acked_through, Sequence(1));
  EXPECT_EQ(retry->created_at_micros, first->created_at_micros);
  EXPECT_EQ(AuditOf(audit::Action::kSubscriptionCreated).size(), 1u);

  const auto other = Create("outcomes", kNow, DeliveryFilter{{"strategy_minutes"}, {}});
  EXPECT_EQ(other.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_THAT(std::string(other.status().message()),
              HasSubstr("'outcomes' already exists with another filter"));
  ASSERT_EQ(List().size(), 1u);
  EXPECT_EQ(List()[0].record.filter, outcomes);
}

TEST_P(SubscriptionsContract, KeepsTheConsumerModeAndARepeatedCreateMustMatchIt) {
  auto exclusive = Create("one", kBeginning, {}, 100, ConsumerMode::kExclusive);
  ASSERT_TRUE(exclusive.ok()) << exclusive.status();
  EXPECT_EQ(exclusive->consumer_mode, ConsumerMode::kExclusive);
  EXPECT_EQ(Create("one", kBeginning, {}, 100, ConsumerMode::kExclusive).status(),
            absl::OkStatus());
  const auto other = Create("one", kBeginning, {}, 100, ConsumerMode::kStandby);
  EXPECT_EQ(other.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_THAT(std::string(other.status().message()),
              HasSubstr("'one' already exists with another consumer_mode"));
  ASSERT_TRUE(Open("cfs", "opened").ok());  // created by a stream: standby
  const auto listed = List();
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0].record.consumer_mode, ConsumerMode::kExclusive);
  EXPECT_EQ(listed[1].record.consumer_mode, ConsumerMode::kStandby);
  EXPECT_THAT(AuditOf(audit::Action::kSubscriptionCreated)[0].detail, HasSubstr("; exclusive"));
}

TEST_P(SubscriptionsContract, TheAgencyLimitCountsCreatedAndOpenedSubscriptions) {
  ASSERT_TRUE(Create("one", kBeginning, {}, 2).ok());
  ASSERT_TRUE(OpenRecord("cfs", "two", /*create_if_missing=*/true, 2).ok());
  const auto third = Create("three", kBeginning, {}, 2);
  EXPECT_EQ(third.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(std::string(third.status().message()), HasSubstr("limits.per_agency.subscriptions"));
  EXPECT_EQ(OpenRecord("cfs", "four", true, 2).status().code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_TRUE(OpenRecord("cfs", "one", true, 2).ok());     // existing ones still open
  EXPECT_TRUE(OpenRecord("police", "one", true, 2).ok());  // per agency
  // The refusal stored nothing and failed nothing else.
  EXPECT_EQ(List().size(), 2u);
}

// The refusals say how many there are against what limit, and what to do.
TEST_P(SubscriptionsContract, RefusalsNameTheCountTheLimitAndTheWayOut) {
  ASSERT_TRUE(Create("one", kBeginning, {}, 1).ok());
  EXPECT_EQ(std::string(Create("two", kBeginning, {}, 1).status().message()),
            "subscription: agency 'cfs' has 1 subscriptions and may have at most 1 "
            "(limits.per_agency.subscriptions, or its own agencies[].limits.subscriptions); "
            "delete one it no longer uses, or ask the operator to raise the limit");
  const auto unknown = Reset("missing", kBeginning);
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(std::string(unknown.status().message()),
            "subscription: 'missing' does not exist for your agency; see its subscriptions with "
            "ListSubscriptions (safeshare subscriptions list), or create it with "
            "CreateSubscription");
}

TEST_P(SubscriptionsContract, OpeningAnUnknownNameWithoutCreatingIsNotFound) {
  const auto refused = OpenRecord("cfs", "later", /*create_if_missing=*/false);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(refused.status().message()), HasSubstr("CreateSubscription"));
  ASSERT_TRUE(Create("later", kBeginning).ok());
  EXPECT_TRUE(OpenRecord("cfs", "later", false).ok());
}

TEST_P(SubscriptionsContract, ReadsOnlyWhatTheFilterMatches) {
  PublishTo("strategy_minutes", "CASE-1");       // 1
  PublishTo("investigation_outcome", "CASE-1");  // 2
  PublishTo("investigation_outcome", "CASE-2");  // 3
  PublishTo("strategy_minutes", "CASE-2");       // 4
  EXPECT_THAT(PageSequences({}), ElementsAre(1, 2, 3, 4));
  EXPECT_THAT(PageSequences({{"investigation_outcome"}, {}}), ElementsAre(2, 3));
  EXPECT_THAT(PageSequences({{}, {CaseRef("CASE-2")}}), ElementsAre(3, 4));
  EXPECT_THAT(PageSequences({{"investigation_outcome"}, {CaseRef("CASE-2")}}), ElementsAre(3));
  EXPECT_THAT(PageSequences({{"strategy_minutes", "investigation_outcome"}, {CaseRef("CASE-1")}}),
              ElementsAre(1, 2));
  // A type that is a prefix of a stored one matches nothing.
  EXPECT_THAT(PageSequences({{"strategy"}, {}}), IsEmpty());

  auto full = store_->ReadDeliveryPage(AgencyId("cfs"), Sequence(0), 1, {});
  ASSERT_TRUE(full.ok());
  EXPECT_EQ(full->scanned_through, Sequence(1));  // a full page stops at its last delivery
  auto all = store_->ReadDeliveryPage(AgencyId("cfs"), Sequence(0), 100, {{"nothing"}, {}});
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->scanned_through, Sequence(4));  // scanned to the latest
}

TEST_P(SubscriptionsContract, AFilterMatchingNothingAdvancesInBoundedSteps) {
  const uint64_t count = Store::kMaxScanSpan + 10;
  Completion<PublishResult> last;
  for (uint64_t i = 1; i <= count; ++i) {
    auto n = Note("police", "bulk" + std::to_string(i), {"cfs"});
    store_->Publish(
        std::move(n), i == count ? last.Callback() : [](auto) {});
  }
  ASSERT_TRUE(last.Get().ok());
  const DeliveryFilter none{{"probation_risk_update"}, {}};
  auto first = store_->ReadDeliveryPage(AgencyId("cfs"), Sequence(0), 100, none);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_THAT(first->deliveries, IsEmpty());
  EXPECT_EQ(first->scanned_through, Sequence(Store::kMaxScanSpan));
  auto second = store_->ReadDeliveryPage(AgencyId("cfs"), first->scanned_through, 100, none);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->scanned_through, Sequence(count));
  // A limit above the span still reads one span.
  auto matching = store_->ReadDeliveryPage(AgencyId("cfs"), Sequence(0), 2 * count, {});
  ASSERT_TRUE(matching.ok());
  EXPECT_EQ(matching->deliveries.size(), Store::kMaxScanSpan);
  EXPECT_EQ(matching->scanned_through, Sequence(Store::kMaxScanSpan));
}

TEST_P(SubscriptionsContract, ListsPositionsBacklogAndTheOldestUnacknowledged) {
  clock_.SetWall(1'000'000);
  PublishTo("investigation_outcome", "CASE-1");  // 1
  clock_.SetWall(2'000'000);
  PublishTo("strategy_minutes", "CASE-1");  // 2
  clock_.SetWall(3'000'000);
  PublishTo("investigation_outcome", "CASE-2");  // 3
  ASSERT_TRUE(Create("outcomes", kBeginning, {{"investigation_outcome"}, {}}).ok());
  ASSERT_TRUE(Create("all", After(1)).ok());
  ASSERT_TRUE(Create("caught-up", kNow).ok());

  const auto listed = List();
  ASSERT_EQ(listed.size(), 3u);  // by name
  EXPECT_EQ(listed[0].record.name, SubscriptionName("all"));
  EXPECT_EQ(listed[0].backlog, 2u);
  EXPECT_EQ(listed[0].oldest_unacked_micros, 2'000'000);
  EXPECT_EQ(listed[1].record.name, SubscriptionName("caught-up"));
  EXPECT_EQ(listed[1].backlog, 0u);
  EXPECT_EQ(listed[1].oldest_unacked_micros, 0);
  EXPECT_EQ(listed[2].record.name, SubscriptionName("outcomes"));
  EXPECT_EQ(listed[2].backlog, 2u);
  EXPECT_EQ(listed[2].oldest_unacked_micros, 1'000'000);
  EXPECT_EQ(listed[2].latest, Sequence(3));

  ASSERT_TRUE(Ack("cfs", "outcomes", 1).ok());
  const auto one = List("outcomes");
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].backlog, 1u);
  EXPECT_EQ(one[0].oldest_unacked_micros, 3'000'000);
  EXPECT_EQ(one[0].record.acked_through, Sequence(1));
  EXPECT_EQ(one[0].record.delivered_through, Sequence(1));
  EXPECT_THAT(List("unknown"), IsEmpty());
}

TEST_P(SubscriptionsContract, AcknowledgesAndAuditsOnlyMatchingDeliveries) {
  PublishTo("investigation_outcome", "CASE-1");  // 1
  PublishTo("strategy_minutes", "CASE-1");       // 2
  PublishTo("investigation_outcome", "CASE-1");  // 3
  ASSERT_TRUE(Create("outcomes", kBeginning, {{"investigation_outcome"}, {}}).ok());
  auto acked = Ack("cfs", "outcomes", 3);
  ASSERT_TRUE(acked.ok()) << acked.status();
  EXPECT_EQ(acked->newly_acknowledged, 2u);
  std::vector<uint64_t> lines;
  for (const auto& line : LinesOf(audit::Action::kAcknowledged)) lines.push_back(line.sequence);
  EXPECT_THAT(lines, ElementsAre(1, 3));
}

TEST_P(SubscriptionsContract, RecordingDeliveriesRaisesTheDeliveredPosition) {
  for (int i = 0; i < 3; ++i) PublishTo("strategy_minutes", "CASE-1");
  ASSERT_TRUE(Create("inbox", kBeginning).ok());
  ASSERT_TRUE(Deliver("cfs", "inbox", {1, 2}).ok());
  EXPECT_EQ(List("inbox")[0].record.delivered_through, Sequence(2));
  ASSERT_TRUE(Deliver("cfs", "inbox", {1}).ok());  // a redelivery does not lower it
  EXPECT_EQ(List("inbox")[0].record.delivered_through, Sequence(2));
  EXPECT_EQ(List("inbox")[0].record.acked_through, Sequence(0));
}

TEST_P(SubscriptionsContract, ResetMovesBothPositionsAndAuditsWhatItSkips) {
  for (int i = 0; i < 4; ++i)
    PublishTo(i == 1 ? "strategy_minutes" : "investigation_outcome", "C-1");
  ASSERT_TRUE(Create("outcomes", kBeginning, {{"investigation_outcome"}, {}}).ok());
  ASSERT_TRUE(Deliver("cfs", "outcomes", {1}).ok());
  auto forward = Reset("outcomes", After(3));
  ASSERT_TRUE(forward.ok()) << forward.status();
  EXPECT_EQ(forward->acked_through, Sequence(3));
  EXPECT_EQ(forward->delivered_through, Sequence(3));
  auto back = Reset("outcomes", kBeginning);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(List("outcomes")[0].record.delivered_through, Sequence(0));
  EXPECT_EQ(List("outcomes")[0].backlog, 3u);
  ASSERT_TRUE(Reset("outcomes", kNow).ok());
  EXPECT_EQ(List("outcomes")[0].record.acked_through, Sequence(4));

  const auto resets = AuditOf(audit::Action::kSubscriptionReset);
  ASSERT_EQ(resets.size(), 3u);
  // Sequences 1 and 3 match; 2 does not and is not counted.
  EXPECT_EQ(resets[0].detail,
            "from 0 (delivered 1) to 3; 2 unacknowledged deliveries in 1..3 skipped");
  EXPECT_EQ(resets[1].detail, "from 3 (delivered 3) to 0");
  EXPECT_EQ(resets[2].detail,
            "from 0 (delivered 0) to 4; 3 unacknowledged deliveries in 1..4 skipped");

  EXPECT_EQ(Reset("outcomes", After(5)).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Reset("unknown", kBeginning).status().code(), absl::StatusCode::kNotFound);
}

// A stream handed 1..3 before a reset to the beginning acknowledges late:
// refused, so the acknowledgement cannot undo the reset.
TEST_P(SubscriptionsContract, ALateAcknowledgementFromBeforeAResetIsRefused) {
  for (int i = 0; i < 3; ++i) PublishTo("strategy_minutes", "CASE-1");
  ASSERT_TRUE(Create("inbox", kBeginning).ok());
  ASSERT_TRUE(Deliver("cfs", "inbox", {1, 2, 3}).ok());
  ASSERT_TRUE(Reset("inbox", kBeginning).ok());
  auto late = AckOnly("cfs", "inbox", 3);
  EXPECT_EQ(late.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(late.status().message()), HasSubstr("(delivered through 0)"));
  EXPECT_EQ(List("inbox")[0].record.acked_through, Sequence(0));
  EXPECT_EQ(List("inbox")[0].backlog, 3u);
  EXPECT_THAT(AuditOf(audit::Action::kAcknowledged), IsEmpty());
}

TEST_P(SubscriptionsContract, ASubscriptionCreatedByItsFirstOpenIsAuditedAsCreated) {
  PublishTo("strategy_minutes", "CASE-1");
  ASSERT_TRUE(Open("cfs", "first-use").ok());
  ASSERT_TRUE(Open("cfs", "first-use").ok());  // opened again: not created again
  const auto created = AuditOf(audit::Action::kSubscriptionCreated);
  ASSERT_EQ(created.size(), 1u);
  EXPECT_EQ(created[0].subscription, "first-use");
  EXPECT_THAT(created[0].detail, HasSubstr("from the beginning"));
  EXPECT_EQ(AuditOf(audit::Action::kSubscribed).size(), 2u);
}

TEST_P(SubscriptionsContract, DeleteForgetsTheSubscriptionAndAuditsItsPosition) {
  PublishTo("strategy_minutes", "CASE-1");
  ASSERT_TRUE(Create("inbox", kNow).ok());
  auto deleted = Delete("inbox");
  ASSERT_TRUE(deleted.ok()) << deleted.status();
  EXPECT_EQ(deleted->acked_through, Sequence(1));
  EXPECT_THAT(List(), IsEmpty());
  EXPECT_EQ(Delete("inbox").status().code(), absl::StatusCode::kNotFound);
  const auto audited = AuditOf(audit::Action::kSubscriptionDeleted);
  ASSERT_EQ(audited.size(), 1u);
  EXPECT_EQ(audited[0].detail, "at 1");
  // Opened again, it starts anew from the beginning.
  EXPECT_EQ(Open("cfs", "inbox").value(), Sequence(0));
}

class SubscriptionsUpgradeTest : public SqliteStoreTest {};

TEST_F(SubscriptionsUpgradeTest, AVersion6FileKeepsPositionsAsDeliveredThrough) {
  for (int i = 1; i <= 3; ++i)
    ASSERT_TRUE(Publish(Note("police", "k" + std::to_string(i), {"cfs"})).ok());
  ASSERT_TRUE(Open("cfs", "inbox").ok());
  ASSERT_TRUE(Ack("cfs", "inbox", 2).ok());
  store_.reset();
  {  // the file as schema version 6 left it
    auto db = SqliteConnection::Open(dir_ / "safeshare.db", /*read_only=*/false);
    ASSERT_TRUE(db.ok()) << db.status();
    ASSERT_TRUE((*db)
                    ->Exec("BEGIN; ALTER TABLE subscriptions DROP COLUMN filter_types;"
                           " ALTER TABLE subscriptions DROP COLUMN filter_cases;"
                           " ALTER TABLE subscriptions DROP COLUMN delivered_through;"
                           " ALTER TABLE subscriptions DROP COLUMN consumer_mode;" +
                           std::string(kBackToVersion9Sql) + kBackToVersion8Sql +
                           " PRAGMA user_version=6; COMMIT")
                    .ok());
  }
  Reopen();
  auto listed = store_->ReadSubscriptions(AgencyId("cfs"), SubscriptionName(""));
  ASSERT_TRUE(listed.ok()) << listed.status();
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].record.acked_through, Sequence(2));
  EXPECT_EQ((*listed)[0].record.delivered_through, Sequence(2));
  EXPECT_TRUE((*listed)[0].record.filter.empty());
  EXPECT_EQ((*listed)[0].backlog, 1u);
  auto db = SqliteConnection::Open(dir_ / "safeshare.db", /*read_only=*/true);
  ASSERT_TRUE(db.ok());
  EXPECT_EQ(*(*db)->QueryInt("PRAGMA user_version"), kSchemaVersion);
}

TEST_F(SubscriptionsUpgradeTest, AVersion7FileMakesEverySubscriptionStandby) {
  ASSERT_TRUE(Publish(Note("police", "k1", {"cfs"})).ok());
  ASSERT_TRUE(Open("cfs", "inbox").ok());
  ASSERT_TRUE(Ack("cfs", "inbox", 1).ok());
  store_.reset();
  {  // the file as schema version 7 left it
    auto db = SqliteConnection::Open(dir_ / "safeshare.db", /*read_only=*/false);
    ASSERT_TRUE(db.ok()) << db.status();
    ASSERT_TRUE((*db)
                    ->Exec("BEGIN; ALTER TABLE subscriptions DROP COLUMN consumer_mode;" +
                           std::string(kBackToVersion9Sql) + kBackToVersion8Sql +
                           " PRAGMA user_version=7; COMMIT")
                    .ok());
  }
  Reopen();
  auto listed = store_->ReadSubscriptions(AgencyId("cfs"), SubscriptionName(""));
  ASSERT_TRUE(listed.ok()) << listed.status();
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].record.consumer_mode, ConsumerMode::kStandby);
  EXPECT_EQ((*listed)[0].record.acked_through, Sequence(1));
  auto db = SqliteConnection::Open(dir_ / "safeshare.db", /*read_only=*/true);
  ASSERT_TRUE(db.ok());
  EXPECT_EQ(*(*db)->QueryInt("PRAGMA user_version"), kSchemaVersion);
}

}  // namespace
}  // namespace safeshare::store
