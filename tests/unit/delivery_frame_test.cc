// Unit tests for broker/rpc's delivery frames: the hand-built wire form must
// parse as the contract's SubscribeResponse, field for field, and split into
// messages of bounded size without reordering.
#include "broker/rpc/delivery_frame.h"

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <grpcpp/impl/codegen/proto_utils.h>
#include <gtest/gtest.h>

namespace safeshare::rpc {
namespace {

service::FeedItem Item(uint64_t sequence, size_t body_bytes) {
  v1::Notification n;
  n.set_notification_id("n-" + std::to_string(sequence));
  n.set_case_ref("CASE-7");
  n.mutable_strategy_minutes()->set_format_rationale(std::string(body_bytes, 'x'));
  service::FeedItem item;
  item.event.sequence = Sequence(sequence);
  item.event.rule = "ISA-0" + std::to_string(sequence % 5);
  item.lawful_basis = v1::LAWFUL_BASIS_LEGAL_OBLIGATION;
  item.purpose = v1::PURPOSE_STRATEGY_DISCUSSION;
  item.body = std::make_shared<const std::string>(n.SerializeAsString());
  return item;
}

v1::SubscribeResponse Parse(grpc::ByteBuffer& frame) {
  v1::SubscribeResponse parsed;
  EXPECT_TRUE(
      (grpc::GenericDeserialize<grpc::ProtoBufferReader, v1::SubscribeResponse>(&frame, &parsed))
          .ok());
  return parsed;
}

TEST(DeliveryFrameTest, FrameParsesAsTheContractsMessage) {
  const std::vector<service::FeedItem> items = {Item(3, 10), Item(4, 300), Item(9, 5000)};
  auto frames = DeliveryFrames(items);
  ASSERT_EQ(frames.size(), 1u);
  const auto parsed = Parse(frames[0]);
  ASSERT_EQ(parsed.deliveries_size(), 3);
  for (int i = 0; i < 3; ++i) {
    const auto& d = parsed.deliveries(i);
    EXPECT_EQ(d.sequence(), items[i].event.sequence.value());
    EXPECT_EQ(d.rule(), items[i].event.rule);
    EXPECT_EQ(d.lawful_basis(), v1::LAWFUL_BASIS_LEGAL_OBLIGATION);
    EXPECT_EQ(d.purpose(), v1::PURPOSE_STRATEGY_DISCUSSION);
    EXPECT_EQ(d.notification().SerializeAsString(), *items[i].body);
  }
}

TEST(DeliveryFrameTest, SplitsIntoBoundedMessagesInOrder) {
  std::vector<service::FeedItem> items;
  for (uint64_t seq = 1; seq <= 10; ++seq) items.push_back(Item(seq, kMaxFrameBytes / 4));
  items.push_back(Item(11, kMaxFrameBytes * 2));  // too big to share: goes alone
  items.push_back(Item(12, 1));
  uint64_t expected = 1;
  std::vector<int> sizes;
  for (auto& frame : DeliveryFrames(items)) {
    const auto parsed = Parse(frame);
    size_t bytes = 0;
    for (const auto& d : parsed.deliveries()) {
      EXPECT_EQ(d.sequence(), expected++);
      bytes += d.notification().ByteSizeLong();
    }
    EXPECT_TRUE(bytes <= kMaxFrameBytes || parsed.deliveries_size() == 1) << bytes;
    sizes.push_back(parsed.deliveries_size());
  }
  EXPECT_EQ(expected, 13u);
  EXPECT_THAT(sizes, ::testing::ElementsAre(3, 3, 3, 1, 1, 1));
}

TEST(DeliveryFrameTest, NothingToSendIsNoFrame) { EXPECT_TRUE(DeliveryFrames({}).empty()); }

}  // namespace
}  // namespace safeshare::rpc
