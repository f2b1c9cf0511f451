// Two stores on one PostgreSQL database, as two brokers share one: while
// both commit at once, sequences and audit ids stay one gap-free order,
// the audit chain links across both writers, each store's Merkle tree holds
// the other's entries too, and what one store published is read, in order,
// through the other; duties and subscription claims are one store's at a
// time.
#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "broker/audit/chain.h"
#include "broker/audit/merkle.h"
#include "broker/store/pg_database.h"
#include "broker/store/pg_db.h"
#include "broker/store/sql_store.h"
#include "tests/support/test_data_keys.h"
#include "tests/support/test_postgres.h"
#include "tests/unit/completion.h"
#include "tests/unit/store_fixture.h"

namespace safeshare::store {
namespace {

using ::safeshare::unit::Completion;

class SharedStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = testing::TestPostgres::Find();
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *server;
    auto name = server_->CreateDatabase();
    ASSERT_TRUE(name.ok()) << name.status();
    name_ = *name;
    for (auto* store : {&a_, &b_}) {
      auto opened = SqlStore::Open(std::make_shared<PostgresDatabase>(server_->Params(name_)),
                                   TestDataKeys(), {});
      ASSERT_TRUE(opened.ok()) << opened.status();
      *store = std::move(*opened);
    }
  }
  void TearDown() override {
    a_.reset();
    b_.reset();
    if (server_) {
      EXPECT_TRUE(server_->DropDatabase(name_).ok());
    }
  }

  static absl::StatusOr<PublishResult> Publish(Store& store, NewNotification n) {
    Completion<PublishResult> done;
    store.Publish(std::move(n), done.Callback());
    return done.Get();
  }

  std::optional<testing::TestPostgres> server_;
  std::string name_;
  std::unique_ptr<SqlStore> a_, b_;
};

TEST_F(SharedStoreTest, ConcurrentWritersKeepOneOrderOneChainAndOneTree) {
  constexpr int kEach = 150;
  // Each store's publishes, from two threads at once; each waits for its
  // answer before the next, as a publisher does, so the two interleave.
  std::vector<std::vector<uint64_t>> sequences(2);
  auto publish_all = [&](SqlStore& store, const std::string& publisher, size_t slot) {
    for (int i = 0; i < kEach; ++i) {
      auto done = Publish(store, Note(publisher, "k" + std::to_string(i), {"police", "health"}));
      ASSERT_TRUE(done.ok()) << done.status();
      sequences[slot].push_back(done->sequence.value());
    }
  };
  std::thread first([&] { publish_all(*a_, "cfs", 0); });
  std::thread second([&] { publish_all(*b_, "probation", 1); });
  first.join();
  second.join();

  // Every sequence 1..300 was given exactly once, each store's in the order
  // it committed them.
  std::vector<uint64_t> all;
  for (const auto& s : sequences) {
    EXPECT_TRUE(std::is_sorted(s.begin(), s.end()));
    all.insert(all.end(), s.begin(), s.end());
  }
  std::sort(all.begin(), all.end());
  ASSERT_EQ(all.size(), size_t{2} * kEach);
  for (size_t i = 0; i < all.size(); ++i) ASSERT_EQ(all[i], i + 1) << "sequence " << i + 1;
  // They really interleaved (each store committed after the other at least once).
  EXPECT_LT(sequences[0].front(), sequences[1].back());
  EXPECT_LT(sequences[1].front(), sequences[0].back());

  // One audit log: ids 1..N, one chain across both writers.
  auto entries = b_->ReadAudit(0, 100'000);
  ASSERT_TRUE(entries.ok()) << entries.status();
  ASSERT_EQ(entries->size(), size_t{2} * kEach);
  EXPECT_TRUE(audit::VerifyChain(*entries).ok()) << audit::VerifyChain(*entries);

  // Each store's tree holds every entry, its own and the other's, once it
  // has written again (it catches up under the append lock).
  audit::MerkleTree independent;
  for (const auto& e : *entries) independent.Append(audit::EntryLeafHash(e));
  for (auto* store : {a_.get(), b_.get()}) {
    Completion<bool> done;
    store->RecordEvent(
        {.actor = "ig", .action = audit::Action::kAuditRead},
        [cb = done.Callback()](const absl::Status& s) {
          cb(s.ok() ? absl::StatusOr<bool>(true) : s);
        },
        /*can_wait=*/false);
    ASSERT_TRUE(done.Get().ok());
  }
  auto after = a_->ReadAudit(0, 100'000);
  ASSERT_TRUE(after.ok());
  ASSERT_EQ(after->size(), size_t{2} * kEach + 2);
  EXPECT_TRUE(audit::VerifyChain(*after).ok());
  for (size_t k = size_t{2} * kEach; k < after->size(); ++k) {
    independent.Append(audit::EntryLeafHash((*after)[k]));
  }
  for (auto* store : {a_.get(), b_.get()}) {
    // b wrote last: a's tree lacks b's final entry until a writes again.
    const uint64_t size = store == a_.get() ? after->size() - 1 : after->size();
    ASSERT_GE(store->AuditTreeSize(), size);
    auto root = store->AuditRoot(size);
    ASSERT_TRUE(root.ok()) << root.status();
    EXPECT_EQ(*root, *independent.Root(size));
  }
}

TEST_F(SharedStoreTest, WhatOneStorePublishedIsReadThroughTheOtherInOrder) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(
        Publish(i % 2 == 0 ? *a_ : *b_, Note("cfs", "k" + std::to_string(i), {"police"})).ok());
  }
  for (auto* store : {a_.get(), b_.get()}) {
    auto read = store->ReadDeliveries(AgencyId("police"), Sequence(0), 100);
    ASSERT_TRUE(read.ok()) << read.status();
    std::vector<uint64_t> got;
    for (const auto& d : *read) got.push_back(d.sequence.value());
    EXPECT_THAT(got, ::testing::ElementsAre(1, 2, 3, 4, 5));
  }
  // An idempotency key is unique across both: a retry through the other
  // store answers the first notification.
  auto first = Publish(*a_, Note("health", "same-key", {"police"}, {}, "one"));
  auto retry = Publish(*b_, Note("health", "same-key", {"police"}, {}, "one"));
  ASSERT_TRUE(first.ok() && retry.ok());
  EXPECT_TRUE(retry->duplicate);
  EXPECT_EQ(retry->sequence, first->sequence);
}

// What another broker changed of cases, interests and person links reaches
// this one in the announcement of its commit, naming what to reread.
TEST_F(SharedStoreTest, AStoreHearsWhichRoutingFactsTheOtherChanged) {
  absl::Mutex mu;
  bool listening = false;
  RoutingChanges heard;
  b_->SetForeignCommitListener([&](const ForeignCommit& commit) {
    absl::MutexLock lock(&mu);
    // The first, once b listens: reread everything (it may have missed some).
    if (!listening) {
      listening = commit.routing.everything;
      return;
    }
    heard.cases.insert(commit.routing.cases.begin(), commit.routing.cases.end());
    heard.persons.insert(commit.routing.persons.begin(), commit.routing.persons.end());
  });
  const auto within_20s = [&](const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < deadline) {
      {
        absl::MutexLock lock(&mu);
        if (done()) return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  };
  ASSERT_TRUE(within_20s([&] { return listening; }));

  auto note = Note("police", "k1", {"cfs"});
  note.person_hashes = {"hash-named"};
  ASSERT_TRUE(Publish(*a_, note).ok());
  Completion<CaseState> changed;
  a_->ChangeCase({AgencyId("cfs"), CaseRef("CASE-CHANGED"), {AgencyId("health")}, {}, {}},
                 changed.Callback());
  ASSERT_TRUE(changed.Get().ok());
  Completion<uint32_t> registered;
  a_->ChangeInterests({AgencyId("probation"), {"hash-watched"}, false}, registered.Callback());
  ASSERT_TRUE(registered.Get().ok());

  const bool all_heard = within_20s([&] {
    return heard.cases.count(CaseRef("CASE-CHANGED")) == 1 &&
           heard.persons.count("hash-named") == 1 && heard.persons.count("hash-watched") == 1;
  });
  b_->SetForeignCommitListener(nullptr);  // before what it writes to goes
  absl::MutexLock lock(&mu);
  EXPECT_TRUE(all_heard) << heard.cases.size() << " cases, " << heard.persons.size()
                         << " persons heard";
  // Only what changed: the notification's case was not changed by naming a person.
  EXPECT_EQ(heard.cases.count(CaseRef("CASE-1")), 0u);
}

// Timed work is claimed by one store at a time; a claim ends with the
// session that holds it, and another store then takes the duty.
TEST_F(SharedStoreTest, OneStoreHoldsADutyUntilItsSessionEnds) {
  ASSERT_TRUE(a_->HoldsDuty(Duty::kRetention));
  EXPECT_FALSE(b_->HoldsDuty(Duty::kRetention));
  EXPECT_TRUE(a_->HoldsDuty(Duty::kRetention));  // asked again: still a's, not taken twice
  EXPECT_FALSE(b_->HoldsDuty(Duty::kRetention));

  // a's session ends as a killed broker's would.
  auto admin = PgConnection::Open(server_->Params(name_), /*read_only=*/false);
  ASSERT_TRUE(admin.ok()) << admin.status();
  ASSERT_TRUE((*admin)
                  ->Exec("SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype='advisory'"
                         " AND database=(SELECT oid FROM pg_database WHERE "
                         "datname=current_database()) AND classid=" +
                         std::to_string(kPgDutyLocks) + " AND objsubid=2 AND granted")
                  .ok());
  // The server ends a session a moment after it was told to: ask for 20 s.
  const auto takes = [](SqlStore& store) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!store.HoldsDuty(Duty::kRetention) && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return store.HoldsDuty(Duty::kRetention);
  };
  EXPECT_TRUE(takes(*b_));
  EXPECT_FALSE(a_->HoldsDuty(Duty::kRetention));  // noticed, and b's now
  EXPECT_FALSE(a_->HoldsDuty(Duty::kRetention));

  b_.reset();  // a clean stop frees it too
  EXPECT_TRUE(takes(*a_));
}

// How many subscription claim locks the database's sessions hold.
// Claim locks held on this test's database only: the server is shared by
// the other PostgreSQL tests running beside it, whose brokers hold claims
// of their own.
const std::string& OnThisDatabase() {
  static const std::string where =
      "locktype='advisory' AND granted AND database=(SELECT oid FROM pg_database WHERE "
      "datname=current_database()) AND classid=" +
      std::to_string(kPgClaimLocks);
  return where;
}

int64_t ClaimLocks(Connection& admin) {
  auto count = admin.QueryInt("SELECT count(*) FROM pg_locks WHERE " + OnThisDatabase());
  return count.ok() ? *count : -1;
}

// A subscription's claim is one store's at a time until released; a store
// whose claims session was ended underneath (its connection reopened by
// itself) says the claims it held are lost, though free, until released.
TEST_F(SharedStoreTest, OneStoreHoldsASubscriptionsClaimAndNoticesItsSessionWasLost) {
  const AgencyId cfs("cfs");
  const SubscriptionName inbox("inbox"), other("other");
  ASSERT_NE(PgClaimKey(cfs, inbox), PgClaimKey(cfs, other));
  ASSERT_TRUE(a_->ClaimSubscription(cfs, inbox));
  EXPECT_TRUE(a_->ClaimSubscription(cfs, inbox));  // confirmed, not taken twice
  EXPECT_FALSE(b_->ClaimSubscription(cfs, inbox));
  EXPECT_TRUE(b_->ClaimSubscription(cfs, other));
  a_->ReleaseSubscription(cfs, inbox);
  EXPECT_TRUE(b_->ClaimSubscription(cfs, inbox));
  EXPECT_FALSE(a_->ClaimSubscription(cfs, inbox));

  auto admin = PgConnection::Open(server_->Params(name_), /*read_only=*/false);
  ASSERT_TRUE(admin.ok()) << admin.status();
  EXPECT_EQ(ClaimLocks(**admin), 2);
  ASSERT_TRUE((*admin)
                  ->Exec("SELECT pg_terminate_backend(pid) FROM pg_locks WHERE " + OnThisDatabase())
                  .ok());
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (ClaimLocks(**admin) != 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_EQ(ClaimLocks(**admin), 0);
  EXPECT_FALSE(b_->ClaimSubscription(cfs, inbox));  // lost, though free
  EXPECT_FALSE(b_->ClaimSubscription(cfs, other));
  EXPECT_EQ(ClaimLocks(**admin), 0) << "a lost claim was kept";
  b_->ReleaseSubscription(cfs, inbox);
  b_->ReleaseSubscription(cfs, other);
  EXPECT_TRUE(b_->ClaimSubscription(cfs, inbox));  // taken anew
  EXPECT_FALSE(a_->ClaimSubscription(cfs, inbox));
}

// Two subscriptions whose claim keys collide share one claim: a store may
// hold both, the other store neither, and the lock goes with the last.
TEST_F(SharedStoreTest, SubscriptionsWhoseClaimKeysCollideShareOneClaim) {
  const AgencyId cfs("cfs");
  std::map<int32_t, SubscriptionName> seen;
  std::optional<std::pair<SubscriptionName, SubscriptionName>> pair;
  for (int i = 0; !pair && i < 1'000'000; ++i) {
    SubscriptionName name("s" + std::to_string(i));
    auto [it, added] = seen.emplace(PgClaimKey(cfs, name), name);
    if (!added) pair.emplace(it->second, name);
  }
  ASSERT_TRUE(pair) << "no colliding names found";
  const auto& [first, second] = *pair;
  ASSERT_TRUE(a_->ClaimSubscription(cfs, first));
  EXPECT_FALSE(b_->ClaimSubscription(cfs, second));
  EXPECT_TRUE(a_->ClaimSubscription(cfs, second));
  a_->ReleaseSubscription(cfs, first);
  EXPECT_FALSE(b_->ClaimSubscription(cfs, first));  // `second` still holds the lock
  a_->ReleaseSubscription(cfs, second);
  EXPECT_TRUE(b_->ClaimSubscription(cfs, first));
}

}  // namespace
}  // namespace safeshare::store
