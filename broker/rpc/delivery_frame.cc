#include "broker/rpc/delivery_frame.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include <memory>

namespace safeshare::rpc {
namespace {

using Body = std::shared_ptr<const std::string>;

// A slice over the shared notification bytes; the slice holds a reference
// until gRPC has sent it.
grpc::Slice SharedSlice(const Body& body) {
  auto* owner = new Body(body);
  return grpc::Slice(
      const_cast<char*>(body->data()), body->size(), [](void* p) { delete static_cast<Body*>(p); },
      owner);
}

std::string Header(const service::FeedItem& item) {
  v1::Delivery meta;  // every field but the notification
  meta.set_sequence(item.event.sequence.value());
  meta.set_rule(item.event.rule);
  meta.set_lawful_basis(item.lawful_basis);
  meta.set_purpose(item.purpose);
  std::string header = meta.SerializeAsString();
  {  // the streams trim `header` to what was written when they close
    google::protobuf::io::StringOutputStream raw(&header);
    google::protobuf::io::CodedOutputStream out(&raw);
    out.WriteTag(static_cast<uint32_t>(v1::Delivery::kNotificationFieldNumber << 3 | 2));
    out.WriteVarint32(static_cast<uint32_t>(item.body->size()));
  }
  return header;
}

}  // namespace

grpc::ByteBuffer DeliveryFrame(const service::FeedItem& item) {
  grpc::Slice slices[] = {grpc::Slice(Header(item)), SharedSlice(item.body)};
  return grpc::ByteBuffer(slices, 2);
}

}  // namespace safeshare::rpc
