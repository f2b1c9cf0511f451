// Unit tests for the store's audit log for information governance, against
// both stores (AuditContract): QueryAudit by each key, time range and page,
// RecordEvent, ReadUnacknowledged and the kept checkpoints. The
// Merkle tree and the schema upgrade are in store_audit_tree_test.cc.
#include <chrono>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "broker/audit/chain.h"
#include "tests/unit/store_fixture.h"

namespace safeshare::store {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// "SEQUENCE RECIPIENT" of each delivery ReadUnacknowledged answers.
std::vector<std::string> Unacknowledged(const Store& store, const UnacknowledgedQuery& query) {
  std::vector<std::string> out;
  auto got = store.ReadUnacknowledged(query);
  EXPECT_TRUE(got.ok()) << got.status();
  for (const auto& d : got.ok() ? *got : std::vector<UnacknowledgedDelivery>{}) {
    out.push_back(std::to_string(d.sequence.value()) + " " + d.recipient.value());
  }
  return out;
}

class AuditContract : public StoreContract {
 protected:
  // The ids QueryAudit answers for `query`.
  std::vector<int64_t> Ids(const AuditQuery& query) {
    auto found = store_->QueryAudit(query);
    EXPECT_TRUE(found.ok()) << found.status();
    std::vector<int64_t> out;
    for (const auto& e : found.ok() ? *found : std::vector<audit::Entry>{}) out.push_back(e.id);
    return out;
  }
  // Every id matching `query`, read `page` at a time by after_id as an export
  // reads the log.
  std::vector<int64_t> Scanned(AuditQuery query, size_t page) {
    query.limit = page;
    std::vector<int64_t> out;
    while (true) {
      auto found = store_->QueryAudit(query);
      EXPECT_TRUE(found.ok()) << found.status();
      if (!found.ok()) return out;
      for (const auto& e : *found) out.push_back(e.id);
      if (found->size() < page) return out;
      query.after_id = found->back().id;
    }
  }

  // The log the query tests read, one entry each, a second apart:
  //  1 published  cfs on CASE-1 (hash-a): routed police, health; withheld education
  //  2 published  police on CASE-2 (hash-b): routed cfs
  //  3 publish_refused  probation on CASE-2
  //  4 subscribed police feed
  //  5 delivered  police feed: sequence 1
  //  6 acknowledged  police feed: sequence 1
  //  7 access_refused  probation (RecordEvent)
  void WriteLog() {
    auto first = Note("cfs", "k1", {"police", "health"}, {"education"});
    first.person_hashes = {"hash-a"};
    first_id_ = first.id.value();
    ASSERT_TRUE(Publish(first).ok());
    clock_.Advance(std::chrono::seconds(1));
    auto second = Note("police", "k2", {"cfs"});
    second.case_ref = CaseRef("CASE-2");
    second.person_hashes = {"hash-b"};
    second_id_ = second.id.value();
    ASSERT_TRUE(Publish(second).ok());
    clock_.Advance(std::chrono::seconds(1));
    ASSERT_TRUE(Await([&](Store::StatusDone done) {
                  store_->RecordRefusal({AgencyId("probation"), "CASE-2", "strategy_minutes",
                                         "probation may not publish strategy_minutes"},
                                        std::move(done));
                }).ok());
    clock_.Advance(std::chrono::seconds(1));
    ASSERT_TRUE(Open("police", "feed").ok());
    clock_.Advance(std::chrono::seconds(1));
    ASSERT_TRUE(Deliver("police", "feed", {1}).ok());
    clock_.Advance(std::chrono::seconds(1));
    ASSERT_TRUE(Ack("police", "feed", 1).ok());
    clock_.Advance(std::chrono::seconds(1));
    ASSERT_TRUE(RecordEvent({.actor = "probation",
                             .action = audit::Action::kAccessRefused,
                             .detail = "Audit.Query: role probation is not information governance"})
                    .ok());
    ASSERT_EQ(Audit().size(), 8u);  // Open created "feed": subscription_created, subscribed
  }
  absl::Status RecordEvent(audit::Entry entry, bool can_wait = false) {
    return Await([&](Store::StatusDone done) {
      store_->RecordEvent(std::move(entry), std::move(done), can_wait);
    });
  }
  // The wall-clock time of entry `id` (1-based) in WriteLog.
  int64_t TimeOf(int64_t id) { return Audit().at(static_cast<size_t>(id - 1)).at_micros; }

  std::string first_id_, second_id_;
};

INSTANTIATE_TEST_SUITE_P(Stores, AuditContract, SAFESHARE_STORES,
                         [](const auto& info) { return info.param; });

TEST_P(AuditContract, RecordEventAppendsTheEntryToTheChainAsVersion2) {
  ASSERT_TRUE(RecordEvent({.actor = "spiffe://other.example/x",
                           .action = audit::Action::kAccessRefused,
                           .detail = "no agency holds this certificate"})
                  .ok());
  ASSERT_TRUE(RecordEvent({.actor = "ig", .action = audit::Action::kAuditRead, .detail = "Query"},
                          /*can_wait=*/true)
                  .ok());
  const auto audit = Audit();
  ASSERT_EQ(audit.size(), 2u);
  EXPECT_EQ(audit[0].id, 1);
  EXPECT_EQ(audit[0].version, 2);
  EXPECT_EQ(audit[0].action, audit::Action::kAccessRefused);
  EXPECT_EQ(audit[0].actor, "spiffe://other.example/x");
  EXPECT_EQ(audit[0].at_micros, clock_.WallMicros());
  EXPECT_EQ(audit[1].action, audit::Action::kAuditRead);
  EXPECT_TRUE(audit::VerifyChain(audit).ok()) << audit::VerifyChain(audit);
}

TEST_P(AuditContract, QueryAuditFindsEntriesByCaseAgencyNotificationAndPerson) {
  ASSERT_NO_FATAL_FAILURE(WriteLog());
  // A batch of one names its case and notification on the entry and its line.
  EXPECT_THAT(Ids({.case_ref = "CASE-1"}), ElementsAre(1, 6, 7));
  EXPECT_THAT(Ids({.case_ref = "CASE-2"}), ElementsAre(2, 3));
  EXPECT_THAT(Ids({.agency = "education"}), ElementsAre(1));  // its withheld line
  EXPECT_THAT(Ids({.agency = "police"}), ElementsAre(1, 2, 4, 5, 6, 7));
  EXPECT_THAT(Ids({.agency = "probation"}), ElementsAre(3, 8));
  EXPECT_THAT(Ids({.notification_id = first_id_}), ElementsAre(1, 6, 7));
  EXPECT_THAT(Ids({.notification_id = second_id_}), ElementsAre(2));
  EXPECT_THAT(Ids({.person_hash = "hash-a"}), ElementsAre(1));
  EXPECT_THAT(Ids({.person_hash = "hash-b"}), ElementsAre(2));
  EXPECT_THAT(Ids({.person_hash = "hash-unknown"}), IsEmpty());
  EXPECT_THAT(Ids({.case_ref = "CASE-1", .agency = "police", .notification_id = first_id_}),
              ElementsAre(1, 6, 7));
  EXPECT_THAT(Ids({.case_ref = "CASE-2", .agency = "cfs"}), ElementsAre(2));
  EXPECT_THAT(Ids({.case_ref = "CASE-1", .person_hash = "hash-b"}), IsEmpty());
  EXPECT_THAT(Ids({}), ElementsAre(1, 2, 3, 4, 5, 6, 7, 8));

  auto found = store_->QueryAudit({.person_hash = "hash-a"});
  ASSERT_TRUE(found.ok());
  ASSERT_EQ(found->size(), 1u);
  EXPECT_EQ((*found)[0].lines.size(), 3u);  // served whole, lines and all
  EXPECT_THAT((*found)[0].person_hashes, ElementsAre("hash-a"));
  EXPECT_EQ((*found)[0].entry_hash, Audit()[0].entry_hash);
}

TEST_P(AuditContract, QueryAuditMatchesAnEntrysActionOrAnyLinesOutcome) {
  ASSERT_NO_FATAL_FAILURE(WriteLog());
  EXPECT_THAT(Ids({.actions = {"published"}}), ElementsAre(1, 2));
  EXPECT_THAT(Ids({.actions = {"routed"}}), ElementsAre(1, 2));
  EXPECT_THAT(Ids({.actions = {"withheld"}}), ElementsAre(1));
  EXPECT_THAT(Ids({.actions = {"withheld", "publish_refused", "access_refused"}}),
              ElementsAre(1, 3, 8));
  EXPECT_THAT(Ids({.actions = {"delivered", "acknowledged"}}), ElementsAre(6, 7));
  EXPECT_THAT(Ids({.agency = "police", .actions = {"acknowledged", "subscribed"}}),
              ElementsAre(5, 7));
  EXPECT_THAT(Ids({.agency = "police", .actions = {"subscription_created"}}), ElementsAre(4));
  EXPECT_THAT(Ids({.case_ref = "CASE-2", .actions = {"withheld"}}), IsEmpty());
  EXPECT_THAT(Ids({.actions = {"urgent_disclosure"}}), IsEmpty());
}

TEST_P(AuditContract, QueryAuditSelectsATimeRangeFromInclusiveToExclusive) {
  ASSERT_NO_FATAL_FAILURE(WriteLog());
  EXPECT_THAT(Ids({.from_micros = TimeOf(3)}), ElementsAre(3, 4, 5, 6, 7, 8));
  EXPECT_THAT(Ids({.to_micros = TimeOf(3)}), ElementsAre(1, 2));
  EXPECT_THAT(Ids({.from_micros = TimeOf(2), .to_micros = TimeOf(6)}), ElementsAre(2, 3, 4, 5));
  EXPECT_THAT(Ids({.agency = "police", .from_micros = TimeOf(2), .to_micros = TimeOf(7)}),
              ElementsAre(2, 4, 5, 6));
  EXPECT_THAT(Ids({.actions = {"published", "publish_refused"}, .from_micros = TimeOf(2)}),
              ElementsAre(2, 3));
  EXPECT_THAT(Ids({.from_micros = TimeOf(8) + 1}), IsEmpty());
}

TEST_P(AuditContract, QueryAuditPagesAfterAnIdUpToALimit) {
  ASSERT_NO_FATAL_FAILURE(WriteLog());
  EXPECT_THAT(Ids({.agency = "police", .after_id = 2, .limit = 2}), ElementsAre(4, 5));
  EXPECT_THAT(Ids({.agency = "police", .after_id = 6, .limit = 2}), ElementsAre(7));
  EXPECT_THAT(
      Ids({.actions = {"withheld", "acknowledged", "subscribed"}, .after_id = 1, .limit = 1}),
      ElementsAre(5));
  EXPECT_THAT(Ids({.after_id = 7, .limit = 5}), ElementsAre(8));
  EXPECT_THAT(Ids({.after_id = 8}), IsEmpty());
  EXPECT_THAT(Ids({.limit = 0}), IsEmpty());
  // Paging by after_id reads every match, whatever the page size.
  for (size_t page : {1, 2, 3, 100}) {
    EXPECT_THAT(Scanned({.agency = "police", .limit = 1}, page), ElementsAre(1, 2, 4, 5, 6, 7))
        << page;
    EXPECT_THAT(Scanned({.actions = {"published", "access_refused"}}, page), ElementsAre(1, 2, 8))
        << page;
  }
  EXPECT_THAT(Scanned({.after_id = 5}, 1), ElementsAre(6, 7, 8));
}

// A batch audits one entry per (recipient, subscription), a line per
// notification; an acknowledgement one entry, a line per delivery.
TEST_P(AuditContract, DeliveriesAndAcknowledgementsAreAuditedOneEntryPerBatch) {
  for (auto key : {"k1", "k2", "k3"}) ASSERT_TRUE(Publish(Note("cfs", key, {"police"})).ok());
  ASSERT_TRUE(Publish(Note("cfs", "k4", {"health"})).ok());
  ASSERT_TRUE(Open("police", "feed").ok());
  auto events = store_->ReadDeliveries(AgencyId("police"), Sequence(0), 10);
  auto health = store_->ReadDeliveries(AgencyId("health"), Sequence(0), 10);
  ASSERT_TRUE(events.ok() && health.ok());
  std::vector<DeliveredEvent> batch;
  for (const auto& d : *events) batch.push_back({d, AgencyId("police"), SubscriptionName("feed")});
  batch.push_back({(*health)[0], AgencyId("health"), SubscriptionName("inbox")});
  ASSERT_TRUE(Await([&](Store::StatusDone done) {
                store_->RecordDelivered(batch, std::move(done), /*can_wait=*/false);
              }).ok());
  auto acked = Ack("police", "feed", 3);
  ASSERT_TRUE(acked.ok()) << acked.status();
  EXPECT_EQ(acked->newly_acknowledged, 3u);

  const auto delivered = AuditOf(audit::Action::kDelivered);
  ASSERT_EQ(delivered.size(), 2u);
  EXPECT_EQ(delivered[0].recipient, "police");
  EXPECT_EQ(delivered[0].subscription, "feed");
  EXPECT_EQ(delivered[0].notification_id, "");  // several: each named by its line
  EXPECT_EQ(delivered[0].detail, "3 notifications, sequences 1 to 3");
  ASSERT_EQ(delivered[0].lines.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(delivered[0].lines[i].sequence, static_cast<int64_t>(i + 1));
    EXPECT_EQ(delivered[0].lines[i].notification_id, (*events)[i].id.value());
    EXPECT_EQ(delivered[0].lines[i].content_hash, (*events)[i].content_hash);
  }
  EXPECT_EQ(delivered[1].recipient, "health");
  EXPECT_EQ(delivered[1].detail, "sequence 4");
  const auto acknowledged = AuditOf(audit::Action::kAcknowledged);
  ASSERT_EQ(acknowledged.size(), 1u);
  EXPECT_EQ(acknowledged[0].lines.size(), 3u);
  EXPECT_EQ(acknowledged[0].lines[2].outcome, audit::Action::kAcknowledged);
  EXPECT_EQ(acknowledged[0].lines[2].notification_id, (*events)[2].id.value());
  EXPECT_THAT(Ids({.notification_id = (*events)[1].id.value()}), ElementsAre(2, 7, 9));
  EXPECT_TRUE(audit::VerifyChain(Audit()).ok());
}

// Sequence 1: cfs to police and health (CASE-1); 2: cfs to police (CASE-2);
// 3: police to cfs and health (CASE-1). Police acknowledged 1; health
// acknowledged 1 on one subscription and nothing on another; cfs never
// subscribed.
TEST_P(AuditContract, ReadUnacknowledgedListsWhatNoSubscriptionOfTheRecipientAcknowledged) {
  ASSERT_TRUE(Publish(Note("cfs", "k1", {"police", "health"})).ok());
  auto second = Note("cfs", "k2", {"police"});
  second.case_ref = CaseRef("CASE-2");
  second.type = "investigation_outcome";
  ASSERT_TRUE(Publish(second).ok());
  clock_.Advance(std::chrono::minutes(5));
  auto third = Note("police", "k3", {"health", "cfs"});
  ASSERT_TRUE(Publish(third).ok());
  ASSERT_TRUE(Open("police", "feed").ok());
  ASSERT_TRUE(Ack("police", "feed", 1).ok());
  ASSERT_TRUE(Open("health", "a").ok());
  ASSERT_TRUE(Open("health", "b").ok());
  ASSERT_TRUE(Ack("health", "a", 1).ok());

  auto read = [&](const UnacknowledgedQuery& query) { return Unacknowledged(*store_, query); };
  EXPECT_THAT(read({}), ElementsAre("2 police", "3 cfs", "3 health"));
  EXPECT_THAT(read({.agency = "health"}), ElementsAre("3 health"));
  EXPECT_THAT(read({.case_ref = "CASE-1"}), ElementsAre("3 cfs", "3 health"));
  EXPECT_THAT(read({.case_ref = "CASE-2", .agency = "cfs"}), IsEmpty());
  EXPECT_THAT(read({.after = Sequence(2)}), ElementsAre("3 cfs", "3 health"));
  // A page never splits a sequence: the next starts after the page's last.
  EXPECT_THAT(read({.limit = 2}), ElementsAre("2 police"));
  EXPECT_THAT(read({.after = Sequence(2), .limit = 2}), ElementsAre("3 cfs", "3 health"));
  EXPECT_THAT(read({.after = Sequence(2), .limit = 1}), ElementsAre("3 cfs", "3 health"));
  EXPECT_THAT(read({.limit = 0}), IsEmpty());

  auto full = store_->ReadUnacknowledged({.agency = "police"});
  ASSERT_TRUE(full.ok());
  ASSERT_EQ(full->size(), 1u);
  const auto& d = (*full)[0];
  EXPECT_EQ(d.id, second.id);
  EXPECT_EQ(d.case_ref, CaseRef("CASE-2"));
  EXPECT_EQ(d.type, "investigation_outcome");
  EXPECT_EQ(d.publisher, AgencyId("cfs"));
  auto late = store_->ReadUnacknowledged({.agency = "cfs"});
  ASSERT_TRUE(late.ok());
  ASSERT_EQ(late->size(), 1u);
  EXPECT_EQ((*late)[0].routed_at_micros, clock_.WallMicros());
  EXPECT_EQ((*late)[0].routed_at_micros - d.routed_at_micros, 300'000'000);

  ASSERT_TRUE(Ack("health", "b", 3).ok());  // either subscription will do
  EXPECT_THAT(read({}), ElementsAre("2 police", "3 cfs"));
}

// Each delivery is settled by an acknowledgement that covers it: a filtered
// subscription's position passes the recipient's deliveries it does not
// match, and those stay unacknowledged (they once counted as settled).
TEST_P(AuditContract, ReadUnacknowledgedIsExactPerDeliveryAndSelectsAPublisher) {
  ASSERT_TRUE(Publish(Note("cfs", "k1", {"police"})).ok());
  auto outcome = Note("health", "k2", {"police"});
  outcome.type = "investigation_outcome";
  ASSERT_TRUE(Publish(outcome).ok());
  ASSERT_TRUE(Publish(Note("cfs", "k3", {"police", "health"})).ok());
  Completion<SubscriptionRecord> created;
  store_->CreateSubscription(SubscriptionSpec{AgencyId("police"),
                                              SubscriptionName("outcomes"),
                                              {StartFrom::kBeginning},
                                              DeliveryFilter{.types = {"investigation_outcome"}},
                                              100},
                             created.Callback());
  ASSERT_TRUE(created.Get().ok());
  ASSERT_TRUE(Ack("police", "outcomes", 2).ok());

  auto read = [&](const UnacknowledgedQuery& query) { return Unacknowledged(*store_, query); };
  EXPECT_THAT(read({}), ElementsAre("1 police", "3 health", "3 police"));
  EXPECT_THAT(read({.publisher = "cfs"}), ElementsAre("1 police", "3 health", "3 police"));
  EXPECT_THAT(read({.publisher = "health"}), IsEmpty());
  EXPECT_THAT(read({.agency = "police", .limit = 1, .publisher = "cfs"}), ElementsAre("1 police"));

  ASSERT_TRUE(Open("police", "all").ok());
  ASSERT_TRUE(Ack("police", "all", 3).ok());
  EXPECT_THAT(read({.publisher = "cfs"}), ElementsAre("3 health"));
}

// Upgraded from version 8, a delivery counts as acknowledged when it is at
// or below its recipient's furthest position, as version 8 inferred it.
TEST_F(SqliteStoreTest, AVersion8FileCountsDeliveriesBelowTheFurthestPositionAcknowledged) {
  ASSERT_TRUE(Publish(Note("cfs", "k1", {"police", "health"})).ok());
  ASSERT_TRUE(Publish(Note("cfs", "k2", {"police"})).ok());
  ASSERT_TRUE(Open("police", "feed").ok());
  ASSERT_TRUE(Open("health", "feed").ok());
  ASSERT_TRUE(Ack("police", "feed", 1).ok());
  store_.reset();
  {  // the file as schema version 8 left it
    auto db = SqliteConnection::Open(dir_ / "safeshare.db", /*read_only=*/false);
    ASSERT_TRUE(db.ok()) << db.status();
    ASSERT_TRUE((*db)
                    ->Exec(std::string("BEGIN;") + kBackToVersion9Sql + kBackToVersion8Sql +
                           " PRAGMA user_version=8; COMMIT")
                    .ok());
  }
  Reopen();
  EXPECT_THAT(Unacknowledged(*store_, {}), ElementsAre("1 health", "2 police"));
}

TEST_P(AuditContract, CheckpointsAreKeptPerTreeSizeTheFirstOneStaying) {
  EXPECT_EQ(store_->ReadCheckpoint(0).status().code(), absl::StatusCode::kNotFound);
  auto save = [&](uint64_t size, uint8_t fill, const std::string& note) {
    StoredCheckpoint c{size, {}, note, 1'000 + static_cast<int64_t>(size)};
    c.root.fill(fill);
    return Await([&](Store::StatusDone done) { store_->SaveCheckpoint(c, std::move(done)); });
  };
  ASSERT_TRUE(save(3, 0xab, "note 3").ok());
  ASSERT_TRUE(save(5, 0xcd, "note 5").ok());
  ASSERT_TRUE(save(3, 0xee, "signed again").ok());  // not an error; the first stays

  auto latest = store_->ReadCheckpoint(0);
  ASSERT_TRUE(latest.ok()) << latest.status();
  EXPECT_EQ(latest->tree_size, 5u);
  EXPECT_EQ(latest->note, "note 5");
  auto three = store_->ReadCheckpoint(3);
  ASSERT_TRUE(three.ok());
  EXPECT_EQ(three->note, "note 3");
  EXPECT_EQ(three->root[31], 0xab);
  EXPECT_EQ(three->signed_at_micros, 1'003);
  auto missing = store_->ReadCheckpoint(4);
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(missing.status().message()), HasSubstr("tree size 4"));
}

}  // namespace
}  // namespace safeshare::store
