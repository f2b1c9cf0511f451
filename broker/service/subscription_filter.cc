#include "broker/service/subscription_filter.h"

#include <algorithm>

#include "absl/strings/str_join.h"
#include "broker/config/broker_config.h"
#include "broker/core/status_macros.h"
#include "broker/schema/notification_validator.h"
#include "safeshare/v1/broker.pb.h"

namespace safeshare::service {

absl::StatusOr<store::DeliverySettings> CheckDeliverySettings(uint32_t ack_wait_seconds,
                                                              uint32_t max_deliver,
                                                              uint32_t max_in_flight) {
  const auto check = [](const char* field, uint32_t value, uint32_t max) {
    if (value <= max) return absl::OkStatus();
    return absl::InvalidArgumentError(std::string(field) + ": 0 (the broker's default) or 1 to " +
                                      std::to_string(max) + ", got " + std::to_string(value));
  };
  SAFESHARE_RETURN_IF_ERROR(
      check("ack_wait_seconds", ack_wait_seconds, config::kMaxAckWaitSeconds));
  SAFESHARE_RETURN_IF_ERROR(check("max_deliver", max_deliver, config::kMaxDeliverLimit));
  SAFESHARE_RETURN_IF_ERROR(check("max_in_flight", max_in_flight, config::kMaxInFlightLimit));
  return store::DeliverySettings{ack_wait_seconds * 1000, max_deliver, max_in_flight};
}

absl::Status CheckSubscriptionName(const std::string& name) {
  if (schema::IsReference(name)) return absl::OkStatus();
  return absl::InvalidArgumentError(
      "subscription: give a name of 1-64 letters, digits and - _ / . (for example 'case-alerts')");
}

std::vector<std::string> NotificationTypes() {
  const auto* payload = v1::Notification::descriptor()->FindOneofByName("payload");
  std::vector<std::string> names;
  names.reserve(static_cast<size_t>(payload->field_count()));
  for (int i = 0; i < payload->field_count(); ++i) names.push_back(payload->field(i)->name());
  return names;
}

absl::StatusOr<store::DeliveryFilter> CheckFilter(const std::vector<std::string>& types,
                                                  const std::vector<std::string>& case_refs) {
  static const std::vector<std::string> known = NotificationTypes();
  store::DeliveryFilter filter;
  for (size_t i = 0; i < types.size(); ++i) {
    if (std::find(known.begin(), known.end(), types[i]) == known.end()) {
      return absl::InvalidArgumentError("filter.types[" + std::to_string(i) +
                                        "]: not a notification type; give one of " +
                                        absl::StrJoin(known, ", "));
    }
    filter.types.push_back(types[i]);
  }
  std::sort(filter.types.begin(), filter.types.end());
  filter.types.erase(std::unique(filter.types.begin(), filter.types.end()), filter.types.end());
  if (case_refs.size() > kMaxFilterCases) {
    return absl::InvalidArgumentError(
        "filter.case_refs: give at most " + std::to_string(kMaxFilterCases) + " case references (" +
        std::to_string(case_refs.size()) + " given); use more subscriptions for more cases");
  }
  for (size_t i = 0; i < case_refs.size(); ++i) {
    if (!schema::IsReference(case_refs[i])) {
      return absl::InvalidArgumentError("filter.case_refs[" + std::to_string(i) +
                                        "]: give a case reference of 1-64 letters, digits and "
                                        "- _ / .");
    }
    filter.case_refs.emplace_back(case_refs[i]);
  }
  std::sort(filter.case_refs.begin(), filter.case_refs.end());
  if (std::adjacent_find(filter.case_refs.begin(), filter.case_refs.end()) !=
      filter.case_refs.end()) {
    return absl::InvalidArgumentError(
        "filter.case_refs: a case reference is given twice; give each once");
  }
  return filter;
}

}  // namespace safeshare::service
