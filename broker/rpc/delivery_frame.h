#pragma once

#include <grpcpp/support/byte_buffer.h>

#include "broker/service/subscription_feed.h"

namespace safeshare::rpc {

// The wire form of a safeshare.v1.Delivery for `item`, built without parsing
// or copying the notification: a small per-recipient header (sequence, rule,
// lawful basis, purpose, then the notification field's tag and length)
// followed by a slice that shares the stored notification bytes.
grpc::ByteBuffer DeliveryFrame(const service::FeedItem& item);

}  // namespace safeshare::rpc
