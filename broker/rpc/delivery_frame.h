#pragma once

#include <grpcpp/support/byte_buffer.h>

#include <vector>

#include "broker/service/delivery_session.h"
#include "broker/service/subscription_feed.h"

namespace safeshare::rpc {

// Upper bound of one stream message's notification bytes; a single larger
// delivery still goes alone.
inline constexpr size_t kMaxFrameBytes = size_t{512} * 1024;

// The wire form of the safeshare.v1.SubscribeResponse messages that carry
// `items` in order, each at most kMaxFrameBytes of notifications (or a single
// delivery). Built without parsing or copying a notification: per delivery a
// small header (the Delivery's field tag and length, sequence, rule, lawful
// basis, purpose, then the notification's tag and length) and a slice that
// shares the stored notification bytes.
std::vector<grpc::ByteBuffer> DeliveryFrames(const std::vector<service::FeedItem>& items);

// The wire form of a safeshare.v1.SubscribeResponse carrying only a heartbeat.
grpc::ByteBuffer HeartbeatFrame(const service::HeartbeatInfo& info);

}  // namespace safeshare::rpc
