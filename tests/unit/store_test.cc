// Unit tests for broker/store. The contract tests (TEST_P, StoreContract)
// run against both stores: SqliteStore on a real file in a fresh temp
// directory, and the in-memory FakeStore; SQLite-only behaviour (reopening,
// group commit, error classification) is TEST_F(SqliteStoreTest). Every
// asynchronous completion is awaited through a future.
#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <future>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "broker/audit/chain.h"
#include "broker/store/audit_log_reader.h"
#include "broker/store/fake_store.h"
#include "broker/store/sql_store.h"
#include "broker/store/sqlite_database.h"
#include "broker/store/sqlite_db.h"
#include "tests/unit/completion.h"
#include "tests/unit/store_fixture.h"

namespace safeshare::store {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

INSTANTIATE_TEST_SUITE_P(Stores, StoreContract, SAFESHARE_STORES,
                         [](const auto& info) { return info.param; });

TEST_P(StoreContract, PublishAssignsSequencesInCommitOrder) {
  for (uint64_t expected = 1; expected <= 3; ++expected) {
    auto n = Note("cfs", "k" + std::to_string(expected), {"police", "health"});
    const auto id = n.id;
    auto result = Publish(std::move(n));
    ASSERT_TRUE(result.ok()) << result.status();
    EXPECT_EQ(result->sequence, Sequence(expected));
    EXPECT_EQ(result->id, id);
    EXPECT_FALSE(result->duplicate);
    EXPECT_THAT(Values(result->routed_to), ElementsAre("police", "health"));
  }
}

TEST_P(StoreContract, ReadDeliveriesReturnsOneRecipientsNotificationsInOrder) {
  const auto first = Note("cfs", "k1", {"police", "health"});
  ASSERT_TRUE(Publish(first).ok());
  ASSERT_TRUE(Publish(Note("cfs", "k2", {"health"})).ok());
  const auto third = Note("cfs", "k3", {"police"});
  ASSERT_TRUE(Publish(third).ok());

  auto police = store_->ReadDeliveries(AgencyId("police"), Sequence(0), 10);
  ASSERT_TRUE(police.ok()) << police.status();
  ASSERT_EQ(police->size(), 2u);
  const auto& d = (*police)[0];
  EXPECT_EQ(d.sequence, Sequence(1));
  EXPECT_EQ(d.id, first.id);
  EXPECT_EQ(d.case_ref, CaseRef("CASE-1"));
  EXPECT_EQ(d.rule, "ISA-03");
  EXPECT_EQ(d.lawful_basis, "legal_obligation");
  EXPECT_EQ(d.purpose, "PURPOSE_STRATEGY_DISCUSSION");
  EXPECT_EQ(d.body, *first.body);
  EXPECT_EQ(d.content_hash, audit::ContentHash(*first.body));
  EXPECT_EQ((*police)[1].sequence, Sequence(3));
  EXPECT_EQ((*police)[1].body, *third.body);

  EXPECT_THAT(DeliveredSequences("health"), ElementsAre(1, 2));
  EXPECT_THAT(DeliveredSequences("health", 1), ElementsAre(2));
  EXPECT_THAT(DeliveredSequences("cfs"), IsEmpty());  // never its own
  auto limited = store_->ReadDeliveries(AgencyId("police"), Sequence(0), 1);
  ASSERT_TRUE(limited.ok());
  ASSERT_EQ(limited->size(), 1u);
  EXPECT_EQ((*limited)[0].sequence, Sequence(1));
}

TEST_P(StoreContract, RetryWithSameKeyAnswersFirstNotificationAndStoresNothing) {
  const auto first = Note("cfs", "k1", {"police"});
  ASSERT_TRUE(Publish(first).ok());
  auto retry = Publish(Note("cfs", "k1", {"police", "health"}));  // fresh id, other body
  ASSERT_TRUE(retry.ok()) << retry.status();
  EXPECT_TRUE(retry->duplicate);
  EXPECT_EQ(retry->id, first.id);
  EXPECT_EQ(retry->sequence, Sequence(1));
  EXPECT_THAT(Values(retry->routed_to), ElementsAre("police"));

  auto police = store_->ReadDeliveries(AgencyId("police"), Sequence(0), 10);
  ASSERT_TRUE(police.ok());
  ASSERT_EQ(police->size(), 1u);
  EXPECT_EQ((*police)[0].body, *first.body);
  EXPECT_THAT(DeliveredSequences("health"), IsEmpty());
  const auto answer = SecondAttemptAudit();
  EXPECT_EQ(answer.action, audit::Action::kDuplicate);
  EXPECT_EQ(answer.notification_id, first.id.value());
}

TEST_P(StoreContract, ReusedKeyWithOtherContentIsAlreadyExistsStoresNothingAndIsAudited) {
  const auto first = Note("cfs", "k1", {"police"});
  ASSERT_TRUE(Publish(first).ok());
  auto reused = Publish(Note("cfs", "k1", {"police"}, {}, "other content"));
  ASSERT_EQ(reused.status().code(), absl::StatusCode::kAlreadyExists) << reused.status();
  EXPECT_THAT(std::string(reused.status().message()),
              ::testing::HasSubstr("already used for notification " + first.id.value()));
  EXPECT_THAT(DeliveredSequences("police"), ElementsAre(1));
  const auto answer = SecondAttemptAudit();
  EXPECT_EQ(answer.action, audit::Action::kPublishRefused);
  EXPECT_EQ(answer.actor, "cfs");
  EXPECT_EQ(answer.notification_id, first.id.value());
  EXPECT_EQ(answer.case_ref, "CASE-1");
}

TEST_P(StoreContract, SameKeyFromAnotherPublisherIsANewNotification) {
  auto from_cfs = Publish(Note("cfs", "shared-key", {"police"}));
  auto from_police = Publish(Note("police", "shared-key", {"cfs"}));
  ASSERT_TRUE(from_cfs.ok() && from_police.ok());
  EXPECT_FALSE(from_police->duplicate);
  EXPECT_NE(from_police->id, from_cfs->id);
  EXPECT_EQ(from_police->sequence, Sequence(2));
  EXPECT_THAT(DeliveredSequences("cfs"), ElementsAre(2));
}

TEST_P(StoreContract, CommitListenerIsToldTheRecipientAgencies) {
  std::promise<std::set<AgencyId>> woken;
  std::once_flag once;
  store_->SetCommitListener([&](const std::set<AgencyId>& agencies) {
    std::call_once(once, [&] { woken.set_value(agencies); });
  });
  ASSERT_TRUE(Publish(Note("cfs", "k1", {"police", "health"})).ok());
  auto future = woken.get_future();
  ASSERT_EQ(future.wait_for(std::chrono::seconds(30)), std::future_status::ready);
  EXPECT_EQ(future.get(), (std::set<AgencyId>{AgencyId("health"), AgencyId("police")}));
  store_.reset();  // stop the writer before the listener's captures go out of scope
}

TEST_P(StoreContract, OpenSubscriptionStartsAtZeroThenResumesAfterAcknowledged) {
  ASSERT_TRUE(Publish(Note("cfs", "k1", {"police"})).ok());
  ASSERT_TRUE(Publish(Note("cfs", "k2", {"police"})).ok());
  auto first = Open("police", "feed");
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(*first, Sequence(0));
  ASSERT_TRUE(Ack("police", "feed", 2).ok());
  auto again = Open("police", "feed");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, Sequence(2));
  auto other = Open("police", "other-feed");  // positions are per subscription
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(*other, Sequence(0));
}

TEST_P(StoreContract, AcknowledgeIsCumulative) {
  for (auto key : {"k1", "k2", "k3"}) ASSERT_TRUE(Publish(Note("cfs", key, {"police"})).ok());
  ASSERT_TRUE(Open("police", "feed").ok());
  auto two = Ack("police", "feed", 2);
  ASSERT_TRUE(two.ok()) << two.status();
  EXPECT_EQ(two->acknowledged_through, Sequence(2));
  EXPECT_EQ(two->newly_acknowledged, 2u);
  auto repeat = Ack("police", "feed", 1);  // behind the position: nothing new
  ASSERT_TRUE(repeat.ok());
  EXPECT_EQ(repeat->acknowledged_through, Sequence(2));
  EXPECT_EQ(repeat->newly_acknowledged, 0u);
  auto three = Ack("police", "feed", 3);
  ASSERT_TRUE(three.ok());
  EXPECT_EQ(three->acknowledged_through, Sequence(3));
  EXPECT_EQ(three->newly_acknowledged, 1u);
}

TEST_P(StoreContract, AcknowledgeBeyondWhatTheSubscriptionWasHandedIsInvalid) {
  ASSERT_TRUE(Publish(Note("cfs", "k1", {"police"})).ok());
  ASSERT_TRUE(Publish(Note("cfs", "k2", {"health"})).ok());  // seq 2 is not police's
  ASSERT_TRUE(Open("police", "feed").ok());
  auto never_handed = AckOnly("police", "feed", 1);  // stored for police, not yet delivered
  EXPECT_EQ(never_handed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(never_handed.status().message()),
              HasSubstr("sequence: 1 has not been delivered on subscription 'feed' (delivered "
                        "through 0)"));
  ASSERT_TRUE(Deliver("police", "feed", {1}).ok());
  auto ack = AckOnly("police", "feed", 2);
  EXPECT_EQ(ack.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(ack.status().message()), HasSubstr("(delivered through 1)"));
  for (const auto& e : Audit()) EXPECT_NE(e.action, audit::Action::kAcknowledged);
  auto position = Open("police", "feed");
  ASSERT_TRUE(position.ok());
  EXPECT_EQ(*position, Sequence(0));
}

TEST_P(StoreContract, AcknowledgeUnknownSubscriptionIsNotFound) {
  ASSERT_TRUE(Publish(Note("cfs", "k1", {"police"})).ok());
  EXPECT_EQ(Ack("police", "never-opened", 1).status().code(), absl::StatusCode::kNotFound);
}

TEST_P(StoreContract, AgencyCannotAcknowledgeAnotherAgencysSubscription) {
  ASSERT_TRUE(Publish(Note("cfs", "k1", {"police", "health"})).ok());
  ASSERT_TRUE(Open("police", "feed").ok());
  auto ack = Ack("health", "feed", 1);  // health has sequence 1 too, but not this name
  EXPECT_EQ(ack.status().code(), absl::StatusCode::kNotFound);
  auto position = Open("police", "feed");
  ASSERT_TRUE(position.ok());
  EXPECT_EQ(*position, Sequence(0));
  auto own = Ack("police", "feed", 1);
  ASSERT_TRUE(own.ok());
  EXPECT_EQ(own->newly_acknowledged, 1u);
}

TEST_P(StoreContract, AuditRecordsEachActionAndTheChainVerifies) {
  auto n = Note("cfs", "k1", {"police"}, {"education"});
  const auto id = n.id.value(), hash = n.content_hash;
  ASSERT_TRUE(Publish(std::move(n)).ok());
  std::promise<absl::Status> refused;
  store_->RecordRefusal(Refusal{AgencyId("police"), "CASE-9", "strategy_minutes", "not allowed"},
                        [&](const absl::Status& s) { refused.set_value(s); });
  ASSERT_TRUE(refused.get_future().get().ok());
  ASSERT_TRUE(Open("police", "feed").ok());
  std::promise<absl::Status> delivered;
  store_->RecordDelivered(
      {DeliveredEvent{{Sequence(1), NotificationId(id), CaseRef("CASE-1"), "ISA-03",
                       "legal_obligation", "PURPOSE_STRATEGY_DISCUSSION", hash},
                      AgencyId("police"),
                      SubscriptionName("feed")}},
      [&](const absl::Status& s) { delivered.set_value(s); }, /*can_wait=*/false);
  ASSERT_TRUE(AckOnly("police", "feed", 1).ok());  // queued after, so written after
  ASSERT_TRUE(delivered.get_future().get().ok());

  const auto audit = Audit();
  ASSERT_EQ(audit.size(), 6u);
  std::vector<std::string> actions;
  actions.reserve(audit.size());
  for (const auto& e : audit) actions.emplace_back(audit::ActionName(e.action));
  EXPECT_THAT(actions, ElementsAre("published", "publish_refused", "subscription_created",
                                   "subscribed", "delivered", "acknowledged"));
  // One entry for the routing decision: a line per recipient and per denial.
  EXPECT_EQ(audit[0].actor, "cfs");
  EXPECT_EQ(audit[0].notification_id, id);
  EXPECT_EQ(audit[0].content_hash, hash);
  EXPECT_EQ(audit[0].detail, "strategy_minutes sequence 1");
  ASSERT_EQ(audit[0].lines.size(), 2u);
  EXPECT_EQ(audit[0].lines[0].outcome, audit::Action::kRouted);
  EXPECT_EQ(audit[0].lines[0].agency, "police");
  EXPECT_EQ(audit[0].lines[1].outcome, audit::Action::kWithheld);
  EXPECT_EQ(audit[0].lines[1].agency, "education");
  EXPECT_THAT(audit[0].lines[1].detail, HasSubstr("no sharing rule lets this agency receive"));
  EXPECT_EQ(audit[1].actor, "police");
  EXPECT_EQ(audit[1].case_ref, "CASE-9");
  EXPECT_THAT(audit[1].detail, HasSubstr("not allowed"));
  EXPECT_EQ(audit[2].subscription, "feed");
  EXPECT_EQ(audit[3].subscription, "feed");
  const auto& routed = audit[0].lines[0];
  for (const auto& e : {audit[4], audit[5]}) {  // delivered, acknowledged: a batch of one
    EXPECT_EQ(e.actor, "police");
    EXPECT_EQ(e.recipient, "police");
    EXPECT_EQ(e.subscription, "feed");
    EXPECT_EQ(e.notification_id, id);
    EXPECT_EQ(e.case_ref, "CASE-1");
    ASSERT_EQ(e.lines.size(), 1u);
    EXPECT_EQ(e.lines[0].notification_id, id);
    EXPECT_EQ(e.lines[0].sequence, 1);
  }
  for (const auto& line : {routed, audit[4].lines[0], audit[5].lines[0]}) {
    EXPECT_EQ(line.agency, "police");
    EXPECT_EQ(line.rule, "ISA-03");
    EXPECT_EQ(line.lawful_basis, "legal_obligation");
    EXPECT_EQ(line.content_hash, hash);
  }
  EXPECT_EQ(audit[4].lines[0].outcome, audit::Action::kDelivered);
  EXPECT_EQ(audit[5].lines[0].outcome, audit::Action::kAcknowledged);
  for (size_t i = 0; i < audit.size(); ++i) {
    EXPECT_EQ(audit[i].id, static_cast<int64_t>(i + 1));
    EXPECT_EQ(audit[i].version, 2);
  }
  EXPECT_TRUE(audit::VerifyChain(audit).ok()) << audit::VerifyChain(audit);

  auto page = store_->ReadAudit(2, 2);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->size(), 2u);
  EXPECT_EQ((*page)[0].id, 3);
  EXPECT_TRUE(audit::VerifyChain(*page, audit[1].entry_hash).ok());
}

TEST_F(SqliteStoreTest, ReopeningKeepsEverythingAndContinuesSequenceAndChain) {
  const auto first = Note("cfs", "k1", {"police"});
  ASSERT_TRUE(Publish(first).ok());
  ASSERT_TRUE(Publish(Note("cfs", "k2", {"police"})).ok());
  ASSERT_TRUE(Open("police", "feed").ok());
  ASSERT_TRUE(Ack("police", "feed", 1).ok());
  const auto before = Audit();
  ASSERT_FALSE(before.empty());

  Reopen();
  EXPECT_THAT(DeliveredSequences("police"), ElementsAre(1, 2));
  auto position = Open("police", "feed");
  ASSERT_TRUE(position.ok());
  EXPECT_EQ(*position, Sequence(1));
  auto next = Publish(Note("cfs", "k3", {"police"}));
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->sequence, Sequence(3));
  auto retry = Publish(Note("cfs", "k1", {"police"}));  // idempotency survives restart
  ASSERT_TRUE(retry.ok());
  EXPECT_TRUE(retry->duplicate);
  EXPECT_EQ(retry->id, first.id);

  const auto after = Audit();
  ASSERT_EQ(after.size(), before.size() + 3);  // subscribed, published, duplicate
  EXPECT_EQ(after[before.size()].prev_hash, before.back().entry_hash);
  EXPECT_TRUE(audit::VerifyChain(after).ok()) << audit::VerifyChain(after);
}

TEST_F(SqliteStoreTest, ReadAuditLogReadsTheWholeLogOfAStoreFile) {
  ASSERT_TRUE(Publish(Note("cfs", "k1", {"police"}, {"health"})).ok());
  ASSERT_TRUE(Open("police", "feed").ok());
  auto log = ReadAuditLog(dir_ / "safeshare.db");  // while the store is open
  ASSERT_TRUE(log.ok()) << log.status();
  const auto expected = Audit();
  ASSERT_EQ(log->size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ((*log)[i].entry_hash, expected[i].entry_hash);
  }
  EXPECT_EQ(ReadAuditLog(dir_ / "missing.db").status().code(), absl::StatusCode::kNotFound);
  EXPECT_FALSE(std::filesystem::exists(dir_ / "missing.db"));  // read-only: creates nothing
}

TEST_P(StoreContract, ConcurrentPublishesAllCompleteWithDistinctSequences) {
  constexpr int kThreads = 4, kPerThread = 200;
  std::vector<std::vector<absl::StatusOr<PublishResult>>> results(kThreads);
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::vector<Completion<PublishResult>> pending(kPerThread);
      for (int i = 0; i < kPerThread; ++i) {
        const auto key = "t" + std::to_string(t) + "-" + std::to_string(i);
        store_->Publish(Note("agency-" + std::to_string(t), key, {"police"}),
                        pending[i].Callback());
      }
      for (auto& p : pending) results[t].push_back(p.Get());
    });
  }
  for (auto& thread : threads) thread.join();

  std::set<uint64_t> sequences;
  for (const auto& per_thread : results) {
    for (const auto& r : per_thread) {
      ASSERT_TRUE(r.ok()) << r.status();
      EXPECT_FALSE(r->duplicate);
      sequences.insert(r->sequence.value());
    }
  }
  ASSERT_EQ(sequences.size(), size_t{kThreads} * kPerThread);
  EXPECT_EQ(*sequences.begin(), 1u);
  EXPECT_EQ(*sequences.rbegin(), uint64_t{kThreads} * kPerThread);
  EXPECT_EQ(DeliveredSequences("police").size(), size_t{kThreads} * kPerThread);
  const auto audit = Audit();
  EXPECT_EQ(audit.size(), size_t{kThreads} * kPerThread);  // one "published" each
  EXPECT_TRUE(audit::VerifyChain(audit).ok());
}

// Acknowledgements and delivery audits may wait for a publish to share its
// commit; with no publish coming they still complete on their own.
TEST_F(SqliteStoreTest, OperationsThatCanWaitCompleteWithoutAPublish) {
  ASSERT_TRUE(Publish(Note("cfs", "k1", {"police"})).ok());
  ASSERT_TRUE(Open("police", "inbox").ok());
  EXPECT_TRUE(AuditDelivery(/*can_wait=*/true).ok());
  auto acked = Ack("police", "inbox", 1);
  ASSERT_TRUE(acked.ok()) << acked.status();
  EXPECT_EQ(acked->acknowledged_through, Sequence(1));
}

// With nothing urgent queued, an operation that can wait is held for the
// whole linger (a lower bound the writer guarantees, so this cannot flake):
// it is waiting for a publish to share the sync, not committed on its own.
TEST_F(SqliteStoreTest, OperationThatCanWaitLingersForAPublishBeforeCommittingAlone) {
  ASSERT_TRUE(Publish(Note("cfs", "k1", {"police"})).ok());
  ASSERT_TRUE(Open("police", "inbox").ok());
  const auto queued_at = std::chrono::steady_clock::now();
  ASSERT_TRUE(AuditDelivery(/*can_wait=*/true).ok());  // returns after the commit
  EXPECT_GE(std::chrono::steady_clock::now() - queued_at, GroupCommit::kMaxLinger);
}

// A publish queued behind an operation that can wait completes after it: the
// writer keeps the queue's order, lingering or not.
TEST_F(SqliteStoreTest, OperationsThatCanWaitKeepTheirPlaceInTheQueue) {
  ASSERT_TRUE(Publish(Note("cfs", "k1", {"police"})).ok());
  ASSERT_TRUE(Open("police", "inbox").ok());
  ASSERT_TRUE(Deliver("police", "inbox", {1}).ok());
  std::mutex mu;
  std::vector<std::string> order;
  Completion<AckResult> acked;
  Completion<PublishResult> published;
  store_->Acknowledge(AgencyId("police"), SubscriptionName("inbox"), Sequence(1),
                      [&, cb = acked.Callback()](absl::StatusOr<AckResult> r) {
                        {
                          std::lock_guard lock(mu);
                          order.push_back("ack");
                        }
                        cb(std::move(r));
                      });
  store_->Publish(Note("cfs", "k2", {"police"}),
                  [&, cb = published.Callback()](absl::StatusOr<PublishResult> r) {
                    {
                      std::lock_guard lock(mu);
                      order.push_back("publish");
                    }
                    cb(std::move(r));
                  });
  ASSERT_TRUE(acked.Get().ok());
  ASSERT_TRUE(published.Get().ok());
  EXPECT_THAT(order, ElementsAre("ack", "publish"));
}

TEST_P(StoreContract, ADamagedBodyIsNeverServedAndMarksTheStoreFailed) {
  ASSERT_TRUE(Publish(Note("cfs", "k1", {"police"})).ok());
  ASSERT_TRUE(Publish(Note("cfs", "k2", {"police"})).ok());
  CorruptBody(Sequence(2));
  std::promise<absl::Status> failed;
  store_->SetFailureListener([&](const absl::Status& s) { failed.set_value(s); });
  auto read = store_->ReadDeliveries(AgencyId("police"), Sequence(0), 10);
  EXPECT_EQ(read.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(read.status().message()), HasSubstr("sequence 2"));
  EXPECT_EQ(failed.get_future().get().code(), absl::StatusCode::kDataLoss);
  auto publish = Publish(Note("cfs", "k3", {"police"}));  // a failed store takes no writes
  EXPECT_EQ(publish.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(publish.status().message()), HasSubstr("operator"));
}

TEST_P(StoreContract, DoneNeverRunsInlineInTheCallThatQueuedIt) {
  std::promise<std::thread::id> ran_on;
  store_->Publish(Note("cfs", "k1", {"police"}), [&](const absl::StatusOr<PublishResult>&) {
    ran_on.set_value(std::this_thread::get_id());
  });
  EXPECT_NE(ran_on.get_future().get(), std::this_thread::get_id());
}

TEST_P(StoreContract, AfterCloseQueuedWritesAreDoneAndNewOnesAreUnavailable) {
  Completion<PublishResult> queued;
  store_->Publish(Note("cfs", "k1", {"police"}), queued.Callback());
  store_->Close();
  EXPECT_TRUE(queued.Get().ok());
  auto late = Publish(Note("cfs", "k2", {"police"}));
  EXPECT_EQ(late.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(late.status().message()), HasSubstr("shutting down"));
}

// An operation refused on its own (an unknown subscription here) fails
// alone: the writes sharing its transaction are committed.
TEST_P(StoreContract, ARefusedOperationDoesNotFailTheOthersInItsBatch) {
  Completion<AckResult> refused;
  Completion<PublishResult> published;
  store_->Acknowledge(AgencyId("police"), SubscriptionName("nope"), Sequence(1),
                      refused.Callback());
  store_->Publish(Note("cfs", "k1", {"police"}), published.Callback());
  EXPECT_EQ(refused.Get().status().code(), absl::StatusCode::kNotFound);
  ASSERT_TRUE(published.Get().ok());
  EXPECT_THAT(DeliveredSequences("police"), ElementsAre(1));
  EXPECT_TRUE(store_->Failure().ok());
}

// A constraint violation (a notification id used twice) fails only that
// publish; the store stays trusted and takes the next write.
TEST_F(SqliteStoreTest, AConstraintViolationFailsOnlyItsOperation) {
  auto first = Note("cfs", "k1", {"police"});
  auto clash = Note("cfs", "k2", {"police"});
  clash.id = first.id;
  Completion<PublishResult> a, b;
  store_->Publish(first, a.Callback());
  store_->Publish(clash, b.Callback());
  ASSERT_TRUE(a.Get().ok());
  EXPECT_EQ(b.Get().status().code(), absl::StatusCode::kAborted);
  EXPECT_TRUE(store_->Failure().ok());
  auto next = Publish(Note("cfs", "k3", {"police"}));
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_EQ(next->sequence, Sequence(2));
  EXPECT_TRUE(audit::VerifyChain(Audit()).ok());
}

// Another connection holding the write lock makes the store busy for a
// while: the publish waits and succeeds, and the store stays trusted.
TEST_F(SqliteStoreTest, ABusyDatabaseIsRetriedNotFatal) {
  auto other = SqliteConnection::Open(dir_ / "safeshare.db", /*read_only=*/false);
  ASSERT_TRUE(other.ok());
  ASSERT_TRUE((*other)->Exec("BEGIN IMMEDIATE").ok());
  Completion<PublishResult> published;
  store_->Publish(Note("cfs", "k1", {"police"}), published.Callback());
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  ASSERT_TRUE((*other)->Exec("COMMIT").ok());
  auto result = published.Get();
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_TRUE(store_->Failure().ok());
}

// The writer's queue is bounded: beyond it, an op is refused at once with
// RESOURCE_EXHAUSTED saying what to do, instead of growing memory.
TEST_F(SqliteStoreTest, WritesBeyondTheQueueBoundAreRefusedResourceExhausted) {
  store_.reset();
  auto writer = Writer::Open(std::make_shared<SqliteDatabase>(dir_ / "bounded.db"));
  ASSERT_TRUE(writer.ok());
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  GroupCommit commits(std::move(*writer), SystemClock(), {.max_queued = 2}, nullptr, nullptr);
  std::promise<void> started;
  std::vector<Completion<bool>> done(4);
  auto op = [&](size_t i, bool block) {
    return WriteOp{[&, block](Writer&) {
                     if (block) {
                       started.set_value();
                       released.wait();
                     }
                     return absl::OkStatus();
                   },
                   [cb = done[i].Callback()](const absl::Status& s) {
                     cb(s.ok() ? absl::StatusOr<bool>(true) : s);
                   }};
  };
  commits.Submit(op(0, /*block=*/true));  // the writer is now stuck in it
  started.get_future().wait();
  commits.Submit(op(1, false));
  commits.Submit(op(2, false));
  commits.Submit(op(3, false));  // the third queued: over the bound
  auto refused = done[3].Get();
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(std::string(refused.status().message()), HasSubstr("retry after a short pause"));
  release.set_value();
  for (size_t i = 0; i < 3; ++i) EXPECT_TRUE(done[i].Get().ok()) << i;
}

}  // namespace
}  // namespace safeshare::store
