#include "grpc_status.h"

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace safeshare::client {

absl::Status FromGrpcStatus(const grpc::Status& status, absl::string_view broker) {
  if (status.ok()) {
    return absl::OkStatus();
  }
  const auto code = static_cast<absl::StatusCode>(status.error_code());
  std::string message = status.error_message();
  switch (status.error_code()) {
    case grpc::StatusCode::UNAVAILABLE:
      // The broker's own answers (shutting down, busy, store failed) say
      // what to do; only a transport failure gets the connection advice.
      if (absl::StartsWith(message, "the broker")) break;
      message = absl::StrCat("cannot reach broker at ", broker,
                             ": is it running? is the CA right, and is this agency's "
                             "certificate valid (issued by the partnership CA, not expired)? (",
                             message, ")");
      break;
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      message =
          absl::StrCat("call to broker at ", broker, " exceeded its deadline (", message, ")");
      break;
    default:
      break;
  }
  return absl::Status(code, message);
}

}  // namespace safeshare::client
