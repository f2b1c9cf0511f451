#include "broker/rpc/delivery_frame.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/util/time_util.h>

#include <memory>

#include "broker/service/wire_format.h"

namespace safeshare::rpc {
namespace {

using Body = std::shared_ptr<const std::string>;
using google::protobuf::io::CodedOutputStream;
using google::protobuf::io::StringOutputStream;

// A slice over the shared notification bytes; the slice holds a reference
// until gRPC has sent it.
grpc::Slice SharedSlice(const Body& body) {
  auto* owner = new Body(body);
  return grpc::Slice(
      const_cast<char*>(body->data()), body->size(), [](void* p) { delete static_cast<Body*>(p); },
      owner);
}

// Everything of one SubscribeResponse.deliveries entry before the
// notification's own bytes.
grpc::Slice Header(const service::FeedItem& item) {
  v1::Delivery meta;  // every field but the notification
  meta.set_sequence(item.event.sequence.value());
  meta.set_rule(item.event.rule);
  meta.set_lawful_basis(item.lawful_basis);
  meta.set_purpose(item.purpose);
  meta.set_agreement(item.event.agreement);
  for (const auto& c : item.event.linked_cases) meta.add_linked_cases(c.value());
  meta.set_urgent_disclosure(item.event.urgent);
  meta.set_attempt(item.event.attempt);
  const size_t body_size = item.body->size();
  const size_t delivery_size =
      meta.ByteSizeLong() +
      service::LengthDelimitedHeaderSize(v1::Delivery::kNotificationFieldNumber, body_size) +
      body_size;
  std::string header;
  {  // the streams trim `header` to what was written when they close
    StringOutputStream raw(&header);
    CodedOutputStream out(&raw);
    service::WriteLengthDelimitedHeader(v1::SubscribeResponse::kDeliveriesFieldNumber,
                                        delivery_size, out);
    meta.SerializeWithCachedSizes(&out);
    service::WriteLengthDelimitedHeader(v1::Delivery::kNotificationFieldNumber, body_size, out);
  }
  return grpc::Slice(header);  // copies: grpc::Slice takes no std::string&&
}

}  // namespace

std::vector<grpc::ByteBuffer> DeliveryFrames(const std::vector<service::FeedItem>& items) {
  std::vector<grpc::ByteBuffer> frames;
  std::vector<grpc::Slice> slices;
  size_t bytes = 0;
  for (const auto& item : items) {
    if (!slices.empty() && bytes + item.body->size() > kMaxFrameBytes) {
      frames.emplace_back(slices.data(), slices.size());
      slices.clear();
      bytes = 0;
    }
    slices.push_back(Header(item));
    slices.push_back(SharedSlice(item.body));
    bytes += item.body->size();
  }
  if (!slices.empty()) frames.emplace_back(slices.data(), slices.size());
  return frames;
}

grpc::ByteBuffer HeartbeatFrame(const service::HeartbeatInfo& info) {
  v1::SubscribeResponse message;
  auto* heartbeat = message.mutable_heartbeat();
  *heartbeat->mutable_sent_at() =
      google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(info.sent_at_micros);
  heartbeat->set_standby(info.standby);
  grpc::Slice slice(message.SerializeAsString());
  return grpc::ByteBuffer(&slice, 1);
}

}  // namespace safeshare::rpc
