// Unit tests for service::DeliverySession on the FakeStore: delivery is
// fail closed (nothing reaches the stream before its "delivered" record is
// durable; a record that cannot be written ends the stream) and damaged
// data is never served.
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/unit/delivery_session_fixture.h"

namespace safeshare::service {
namespace {

using ::safeshare::unit::Completion;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

TEST_F(DeliverySessionTest, NothingReachesTheStreamBeforeItsDeliveredRecordIsDurable) {
  PublishMinutes(2);
  auto sink = std::make_shared<TestSink>();
  Start(sink, [&] { store_->HoldCommits(true); });  // a slow disk: the record waits
  for (int i = 0; i < 3000 && store_->queued() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ASSERT_EQ(store_->queued(), 1u) << "the session queued its delivered record";
  EXPECT_THAT(sink->sent(), IsEmpty());
  EXPECT_THAT(Audit(audit::Action::kDelivered), IsEmpty());

  store_->HoldCommits(false);
  ASSERT_TRUE(sink->WaitFor([](TestSink& s) { return s.sent_.size() == 2; }));
  EXPECT_THAT(sink->sent(), ElementsAre(1u, 2u));
  const auto delivered = Audit(audit::Action::kDelivered);
  ASSERT_EQ(delivered.size(), 1u);  // the batch's record
  EXPECT_EQ(delivered[0].recipient, "police");
  EXPECT_EQ(delivered[0].subscription, "police-feed");
  ASSERT_EQ(delivered[0].lines.size(), 2u);
  EXPECT_EQ(delivered[0].lines[0].sequence, 1);
  EXPECT_EQ(delivered[0].lines[1].sequence, 2);
}

TEST_F(DeliverySessionTest, DeliveriesThatCannotBeAuditedAreNotSentAndTheStreamEnds) {
  PublishMinutes(2);
  auto sink = std::make_shared<TestSink>();
  Start(sink, [&] { store_->FillDisk(true); });
  ASSERT_TRUE(sink->WaitFor([](TestSink& s) { return s.ended_.has_value(); }));
  EXPECT_EQ(sink->ended_->code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(sink->ended_->message()), HasSubstr("reconnect later"));
  EXPECT_THAT(sink->sent(), IsEmpty());

  store_->FillDisk(false);  // space returns: a new stream resumes and delivers
  auto again = std::make_shared<TestSink>();
  Start(again);
  ASSERT_TRUE(again->WaitFor([](TestSink& s) { return s.sent_.size() == 2; }));
  EXPECT_EQ(Lines(audit::Action::kDelivered).size(), 2u);
}

TEST_F(DeliverySessionTest, ADamagedBodyIsNotServedAndTheStoreIsMarkedFailed) {
  Recreate(/*recent_log_bytes=*/1);  // the in-memory tail holds only the newest
  PublishMinutes(3);
  store_->CorruptBody(Sequence(1));
  auto sink = std::make_shared<TestSink>();
  Start(sink);
  ASSERT_TRUE(sink->WaitFor([](TestSink& s) { return s.ended_.has_value(); }));
  EXPECT_EQ(sink->ended_->code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(sink->ended_->message()), HasSubstr("sequence 1"));
  EXPECT_THAT(sink->sent(), IsEmpty());
  EXPECT_EQ(store_->Failure().code(), absl::StatusCode::kDataLoss);
}

TEST_F(DeliverySessionTest, AtMostOneBatchIsAuditedAheadOfTheStream) {
  PublishMinutes(3 * DeliverySession::kBatch);
  auto sink = std::make_shared<TestSink>();
  auto session = Start(sink);
  ASSERT_TRUE(sink->WaitFor([](TestSink& s) { return s.batches_ == 1; }));
  // The stream has not written its first batch yet: the second may be
  // audited and waiting, but no third.
  for (int i = 0; i < 3000 && Lines(audit::Action::kDelivered).size() < 2 * DeliverySession::kBatch;
       ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  Barrier();
  EXPECT_EQ(Lines(audit::Action::kDelivered).size(), 2 * DeliverySession::kBatch);
  EXPECT_EQ(sink->sent().size(), DeliverySession::kBatch);

  session->Sent();
  ASSERT_TRUE(sink->WaitFor([](TestSink& s) { return s.batches_ == 2; }));
  session->Sent();
  ASSERT_TRUE(sink->WaitFor([](TestSink& s) { return s.batches_ == 3; }));
  EXPECT_EQ(sink->sent().size(), 3 * DeliverySession::kBatch);
}

TEST_F(DeliverySessionTest, TheDeliveredRecordPrecedesTheAcknowledgement) {
  PublishMinutes(2);
  auto sink = std::make_shared<TestSink>();
  Start(sink);
  ASSERT_TRUE(sink->WaitFor([](TestSink& s) { return s.sent_.size() == 2; }));
  Completion<store::AckResult> acked;
  service_->Acknowledge(kPolice, "police-feed", 2, acked.Callback());
  ASSERT_TRUE(acked.Get().ok());
  const auto delivered = Audit(audit::Action::kDelivered);
  const auto acknowledged = Audit(audit::Action::kAcknowledged);
  EXPECT_EQ(Lines(audit::Action::kDelivered).size(), 2u);
  ASSERT_EQ(acknowledged.size(), 1u);  // one acknowledgement, a line per delivery
  EXPECT_EQ(acknowledged[0].lines.size(), 2u);
  ASSERT_FALSE(delivered.empty());
  EXPECT_LT(delivered.back().id, acknowledged.front().id);
}

TEST_F(DeliverySessionTest, ANewPublishWakesAnIdleSession) {
  auto sink = std::make_shared<TestSink>();
  Start(sink);
  Barrier();
  PublishMinutes(1);
  ASSERT_TRUE(sink->WaitFor([](TestSink& s) { return s.sent_.size() == 1; }));
}

}  // namespace
}  // namespace safeshare::service
