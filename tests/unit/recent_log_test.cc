// The in-memory tail used for fan-out: complete from its first entry on,
// bounded by bytes, and honest about what it no longer holds.
#include "broker/service/recent_log.h"

#include <gtest/gtest.h>

namespace safeshare::service {
namespace {

std::shared_ptr<const CommittedNotification> Entry(uint64_t seq, const std::vector<std::string>& to,
                                                   size_t body_bytes = 100) {
  auto n = std::make_shared<CommittedNotification>();
  n->sequence = Sequence(seq);
  n->id = NotificationId("n" + std::to_string(seq));
  n->body = std::make_shared<const std::string>(body_bytes, 'x');
  for (auto& agency : to)
    n->recipients.push_back({AgencyId(agency), "R-" + agency, "legal_obligation"});
  return n;
}

std::vector<uint64_t> Sequences(const RecentLog::Slice& slice) {
  std::vector<uint64_t> out;
  for (const auto& m : slice.matches) out.push_back(m.notification->sequence.value());
  return out;
}

TEST(RecentLogTest, EmptyLogSendsReadersToTheStore) {
  RecentLog log(1 << 20);
  EXPECT_FALSE(log.Read(AgencyId("cfs"), {}, Sequence(0), 10).has_value());
}

TEST(RecentLogTest, ReturnsOnlyTheAgencysNotificationsInOrderWithItsRule) {
  RecentLog log(1 << 20);
  log.Append(Entry(1, {"cfs", "police"}));
  log.Append(Entry(2, {"police"}));
  log.Append(Entry(3, {"cfs"}));
  auto slice = log.Read(AgencyId("cfs"), {}, Sequence(0), 10);
  ASSERT_TRUE(slice.has_value());
  EXPECT_EQ(Sequences(*slice), (std::vector<uint64_t>{1, 3}));
  EXPECT_EQ(slice->matches[0].recipient->rule, "R-cfs");
  EXPECT_EQ(slice->scanned_through, Sequence(3));
}

TEST(RecentLogTest, ScannedThroughAdvancesPastOtherAgenciesEntries) {
  RecentLog log(1 << 20);
  for (uint64_t s = 1; s <= 5; ++s) log.Append(Entry(s, {"police"}));
  auto slice = log.Read(AgencyId("cfs"), {}, Sequence(2), 10);
  ASSERT_TRUE(slice.has_value());
  EXPECT_TRUE(slice->matches.empty());
  EXPECT_EQ(slice->scanned_through, Sequence(5));  // the reader need not rescan them
}

TEST(RecentLogTest, StopsAtMaxAndReportsHowFarItLooked) {
  RecentLog log(1 << 20);
  for (uint64_t s = 1; s <= 5; ++s) log.Append(Entry(s, {"cfs"}));
  auto slice = log.Read(AgencyId("cfs"), {}, Sequence(1), 2);
  ASSERT_TRUE(slice.has_value());
  EXPECT_EQ(Sequences(*slice), (std::vector<uint64_t>{2, 3}));
  EXPECT_EQ(slice->scanned_through, Sequence(3));
}

TEST(RecentLogTest, EvictsOldestBeyondItsBudgetAndThenSendsLaggardsToTheStore) {
  RecentLog log(size_t{4} * 1024);  // room for a few 1 KiB entries
  for (uint64_t s = 1; s <= 10; ++s) log.Append(Entry(s, {"cfs"}, 1024));
  EXPECT_FALSE(log.Read(AgencyId("cfs"), {}, Sequence(0), 10).has_value());  // 1 was evicted
  auto tail = log.Read(AgencyId("cfs"), {}, Sequence(9), 10);
  ASSERT_TRUE(tail.has_value());
  EXPECT_EQ(Sequences(*tail), (std::vector<uint64_t>{10}));
}

TEST(RecentLogTest, ReaderStartingBeforeTheFirstEntryIsSentToTheStore) {
  RecentLog log(1 << 20);  // e.g. after a restart the tail starts at 7
  log.Append(Entry(7, {"cfs"}));
  EXPECT_FALSE(log.Read(AgencyId("cfs"), {}, Sequence(5), 10).has_value());
  EXPECT_TRUE(log.Read(AgencyId("cfs"), {}, Sequence(6), 10).has_value());
}

TEST(RecentLogTest, AFilterCountsOnlyMatchesAndScansPastTheRest) {
  RecentLog log(1 << 20);
  for (uint64_t s = 1; s <= 6; ++s) {
    auto n = std::make_shared<CommittedNotification>(*Entry(s, {"cfs"}));
    n->type = s % 2 == 0 ? "investigation_outcome" : "strategy_minutes";
    n->case_ref = CaseRef(s <= 4 ? "CASE-1" : "CASE-2");
    log.Append(std::move(n));
  }
  const store::DeliveryFilter outcomes{{"investigation_outcome"}, {}};
  auto first = log.Read(AgencyId("cfs"), outcomes, Sequence(0), 2);
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(Sequences(*first), (std::vector<uint64_t>{2, 4}));  // `max` counts matches
  EXPECT_EQ(first->scanned_through, Sequence(4));
  auto case2 = log.Read(AgencyId("cfs"), {{}, {CaseRef("CASE-2")}}, Sequence(0), 10);
  ASSERT_TRUE(case2.has_value());
  EXPECT_EQ(Sequences(*case2), (std::vector<uint64_t>{5, 6}));
  auto none = log.Read(AgencyId("cfs"), {{"probation_risk_update"}, {}}, Sequence(0), 10);
  ASSERT_TRUE(none.has_value());
  EXPECT_TRUE(none->matches.empty());
  EXPECT_EQ(none->scanned_through, Sequence(6));
}

}  // namespace
}  // namespace safeshare::service
