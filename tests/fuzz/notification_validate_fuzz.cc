// Fuzzes schema::ValidateForPublish, the check every published notification
// passes before policy sees it, with notifications decoded from arbitrary
// bytes as the broker decodes a Publish request's.
#include <cstddef>
#include <cstdint>

#include "broker/schema/notification_validator.h"
#include "safeshare/v1/broker.pb.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  safeshare::v1::Notification notification;
  if (!notification.ParseFromArray(data, static_cast<int>(size))) return 0;
  (void)safeshare::schema::TypeOf(notification);
  (void)safeshare::schema::ValidateForPublish(notification);
  return 0;
}
