#pragma once

#include <google/protobuf/io/coded_stream.h>

#include <cstddef>
#include <string>
#include <string_view>

namespace safeshare::service {

// The protobuf wire encoding the broker writes by hand, so that it can frame
// and stamp stored notification bytes without parsing or copying them. Both
// the stamping of a published notification (BrokerService) and the framing of
// deliveries (rpc's DeliveryFrames) use these and nothing else.

// Bytes of a length-delimited field's tag and length, without its payload.
size_t LengthDelimitedHeaderSize(int field, size_t payload_size);

// Writes the tag and length of a length-delimited field whose `payload_size`
// bytes the caller writes (or sends) next.
void WriteLengthDelimitedHeader(int field, size_t payload_size,
                                google::protobuf::io::CodedOutputStream& out);

// Appends a string field to a serialized message. Parsing the result is the
// same as setting the field on the message (for an unset singular field), so
// the broker stamps a notification without copying it.
void AppendStringField(int field, std::string_view value, std::string& serialized);

}  // namespace safeshare::service
