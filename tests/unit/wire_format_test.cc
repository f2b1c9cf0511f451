// Unit tests for broker/service's hand-written wire encoding: what it writes
// must parse as protobuf itself would have encoded the field.
#include "broker/service/wire_format.h"

#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include <string>

#include <gtest/gtest.h>

#include "safeshare/v1/broker.pb.h"

namespace safeshare::service {
namespace {

TEST(WireFormatTest, AppendedStringFieldsParseAsIfSet) {
  v1::Notification n;
  n.set_case_ref("CASE-7");
  n.set_idempotency_key("key-1");
  std::string bytes = n.SerializeAsString();
  AppendStringField(v1::Notification::kNotificationIdFieldNumber, "0190-id", bytes);
  AppendStringField(v1::Notification::kPublisherFieldNumber, "police", bytes);

  v1::Notification parsed;
  ASSERT_TRUE(parsed.ParseFromString(bytes));
  n.set_notification_id("0190-id");
  n.set_publisher("police");
  EXPECT_EQ(parsed.SerializeAsString(), n.SerializeAsString());
}

// Sizes either side of each varint length boundary.
TEST(WireFormatTest, HeaderSizeIsWhatIsWrittenAndFramesThePayload) {
  for (const size_t size :
       {size_t{0}, size_t{127}, size_t{128}, size_t{16'383}, size_t{16'384}, size_t{2'097'152}}) {
    std::string bytes;
    {
      google::protobuf::io::StringOutputStream raw(&bytes);
      google::protobuf::io::CodedOutputStream out(&raw);
      WriteLengthDelimitedHeader(v1::Notification::kCaseRefFieldNumber, size, out);
    }
    EXPECT_EQ(bytes.size(), LengthDelimitedHeaderSize(v1::Notification::kCaseRefFieldNumber, size))
        << size;
    bytes.append(size, 'c');
    v1::Notification parsed;
    ASSERT_TRUE(parsed.ParseFromString(bytes)) << size;
    EXPECT_EQ(parsed.case_ref(), std::string(size, 'c'));
  }
}

}  // namespace
}  // namespace safeshare::service
