#include "broker/service/delivery_hub.h"

namespace safeshare::service {

uint64_t DeliveryHub::Add(const AgencyId& agency, Listener listener) {
  absl::MutexLock lock(&mu_);
  const uint64_t token = next_token_++;
  listeners_.emplace(agency, std::pair{token, std::move(listener)});
  return token;
}

void DeliveryHub::Remove(uint64_t token) {
  absl::MutexLock lock(&mu_);
  for (auto it = listeners_.begin(); it != listeners_.end(); ++it) {
    if (it->second.first == token) {
      listeners_.erase(it);
      return;
    }
  }
}

void DeliveryHub::Wake(const std::set<AgencyId>& agencies) {
  absl::MutexLock lock(&mu_);
  for (const auto& agency : agencies) {
    auto [begin, end] = listeners_.equal_range(agency);
    for (auto it = begin; it != end; ++it) it->second.second();
  }
}

}  // namespace safeshare::service
