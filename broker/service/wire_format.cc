#include "broker/service/wire_format.h"

#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

namespace safeshare::service {
namespace {

using google::protobuf::io::CodedOutputStream;

constexpr uint32_t kLengthDelimited = 2;  // wire type of strings, bytes and messages

uint32_t Tag(int field) { return static_cast<uint32_t>(field) << 3 | kLengthDelimited; }

}  // namespace

size_t LengthDelimitedHeaderSize(int field, size_t payload_size) {
  return CodedOutputStream::VarintSize32(Tag(field)) +
         CodedOutputStream::VarintSize32(static_cast<uint32_t>(payload_size));
}

void WriteLengthDelimitedHeader(int field, size_t payload_size, CodedOutputStream& out) {
  out.WriteTag(Tag(field));
  out.WriteVarint32(static_cast<uint32_t>(payload_size));
}

void AppendStringField(int field, std::string_view value, std::string& serialized) {
  google::protobuf::io::StringOutputStream raw(&serialized);
  CodedOutputStream out(&raw);
  WriteLengthDelimitedHeader(field, value.size(), out);
  out.WriteRaw(value.data(), static_cast<int>(value.size()));
}

}  // namespace safeshare::service
