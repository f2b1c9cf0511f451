#include "broker/rpc/delivery_frame.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include <memory>

namespace safeshare::rpc {
namespace {

using Body = std::shared_ptr<const std::string>;
using google::protobuf::io::CodedOutputStream;
using google::protobuf::io::StringOutputStream;

constexpr uint32_t LengthDelimitedTag(int field) { return static_cast<uint32_t>(field << 3 | 2); }

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
  const auto body_size = static_cast<uint32_t>(item.body->size());
  const size_t delivery_size =
      meta.ByteSizeLong() +
      CodedOutputStream::VarintSize32(LengthDelimitedTag(v1::Delivery::kNotificationFieldNumber)) +
      CodedOutputStream::VarintSize32(body_size) + body_size;
  std::string header;
  {  // the streams trim `header` to what was written when they close
    StringOutputStream raw(&header);
    CodedOutputStream out(&raw);
    out.WriteTag(LengthDelimitedTag(v1::SubscribeResponse::kDeliveriesFieldNumber));
    out.WriteVarint32(static_cast<uint32_t>(delivery_size));
    meta.SerializeWithCachedSizes(&out);
    out.WriteTag(LengthDelimitedTag(v1::Delivery::kNotificationFieldNumber));
    out.WriteVarint32(body_size);
  }
  return grpc::Slice(std::move(header));
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

}  // namespace safeshare::rpc
