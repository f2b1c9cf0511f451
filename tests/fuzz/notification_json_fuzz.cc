// Fuzzes the command line's JSON input (`safeshare publish FILE`):
// ParseNotificationJson, its error positions, and ToJsonLine of what it
// accepts, which must parse back to the same notification.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include <google/protobuf/util/message_differencer.h>

#include "safeshare/client/notification_json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string json(reinterpret_cast<const char*>(data), size);
  auto notification = safeshare::client::ParseNotificationJson(json, "fuzz.json");
  if (!notification.ok()) return 0;
  // What the CLI prints of a notification it read must read back unchanged,
  // unless ToJsonLine says it cannot print it (its documented fallback).
  const std::string line = safeshare::client::ToJsonLine(*notification);
  if (line.rfind(R"({"error":"cannot print as JSON: )", 0) == 0) return 0;
  auto again = safeshare::client::ParseNotificationJson(line, "round-trip");
  if (!again.ok() || !google::protobuf::util::MessageDifferencer::Equals(*notification, *again)) {
    std::abort();
  }
  return 0;
}
