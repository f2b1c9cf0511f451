#include "safeshare/client/notification_json.h"

#include <algorithm>
#include <optional>

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "file_contents.h"

namespace safeshare::client {
namespace {

// protobuf 3.21 reports a JSON syntax error as three lines, "DETAIL\nSNIPPET\n
// <spaces>^", where SNIPPET is the input from up to 20 bytes before the error
// to up to 20 after it and the caret marks the error. It gives no offset, so
// the offset is recovered by finding SNIPPET in the input.
constexpr size_t kSnippetContext = 20;

struct SyntaxError {
  std::string detail;
  std::string snippet;
  size_t caret = 0;  // offset of the error inside snippet
};

std::optional<SyntaxError> SplitSyntaxError(absl::string_view message) {
  // The snippet may itself span lines, so split at the first and last '\n'.
  const size_t first = message.find('\n');
  const size_t last = message.rfind('\n');
  if (first == absl::string_view::npos || first == last) {
    return std::nullopt;
  }
  const absl::string_view snippet = message.substr(first + 1, last - first - 1);
  const absl::string_view marker = message.substr(last + 1);
  const size_t caret = marker.size() - 1;
  if (marker.empty() || marker.find_first_not_of(' ') != caret || marker[caret] != '^' ||
      caret > snippet.size()) {
    return std::nullopt;
  }
  return SyntaxError{std::string(message.substr(0, first)), std::string(snippet), caret};
}

// The byte offset of the error in `json`, if the snippet can be placed.
std::optional<size_t> ErrorOffset(absl::string_view json, const SyntaxError& error) {
  // An empty snippet means the parser ran out of input.
  if (error.snippet.empty()) {
    return json.size();
  }
  // Fewer than kSnippetContext bytes before the caret: the snippet was cut
  // at the start of the input.
  if (error.caret < kSnippetContext) {
    if (!absl::StartsWith(json, error.snippet)) {
      return std::nullopt;
    }
    return error.caret;
  }
  const size_t at = json.find(error.snippet);
  if (at == absl::string_view::npos) {
    return std::nullopt;
  }
  return at + error.caret;
}

std::string LineColumn(absl::string_view json, size_t offset) {
  const absl::string_view before = json.substr(0, offset);
  const size_t line = 1 + std::count(before.begin(), before.end(), '\n');
  const size_t line_start = before.rfind('\n');
  const size_t column = line_start == absl::string_view::npos ? offset + 1 : offset - line_start;
  return absl::StrCat("line ", line, ", column ", column, ": ");
}

std::string DescribeError(absl::string_view json, absl::string_view message) {
  std::optional<SyntaxError> error = SplitSyntaxError(message);
  if (!error.has_value()) {
    return std::string(message);
  }
  std::optional<size_t> offset = ErrorOffset(json, *error);
  std::string position = offset.has_value() ? LineColumn(json, *offset) : "";
  if (error->snippet.empty()) {
    return absl::StrCat(position, error->detail);
  }
  std::string near = error->snippet;
  std::replace(near.begin(), near.end(), '\n', ' ');
  return absl::StrCat(position, error->detail, " (near: ", near, ")");
}

}  // namespace

absl::StatusOr<v1::Notification> ParseNotificationJson(absl::string_view json,
                                                       absl::string_view source) {
  v1::Notification notification;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  const auto status = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(json.data(), json.size()), &notification, options);
  if (!status.ok()) {
    const std::string message(status.message().data(), status.message().size());
    return absl::InvalidArgumentError(
        absl::StrCat(source, ": invalid notification JSON: ", DescribeError(json, message)));
  }
  return notification;
}

absl::StatusOr<v1::Notification> ReadNotificationFile(const std::string& path) {
  absl::StatusOr<std::string> json = ReadFileContents(path);
  if (!json.ok()) {
    return json.status();
  }
  return ParseNotificationJson(*json, path);
}

std::string ToJsonLine(const google::protobuf::Message& message, bool with_defaults) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = false;
  options.always_print_primitive_fields = with_defaults;
  options.preserve_proto_field_names = true;
  std::string json;
  // Printing a well-formed message only fails on invalid data such as an
  // out-of-range Timestamp; say so in the output rather than drop the line.
  const auto status = google::protobuf::util::MessageToJsonString(message, &json, options);
  if (status.ok()) {
    return json;
  }
  google::protobuf::Struct error;
  (*error.mutable_fields())["error"].set_string_value(
      absl::StrCat("cannot print as JSON: ", status.message().ToString()));
  json.clear();
  (void)google::protobuf::util::MessageToJsonString(error, &json, options);
  return json;
}

}  // namespace safeshare::client
