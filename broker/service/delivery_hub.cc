#include "broker/service/delivery_hub.h"

#include <vector>

#include "absl/strings/cord.h"

namespace safeshare::service {

namespace {
constexpr char kStreamEnded[] = "safeshare.service/stream-ended";
}  // namespace

absl::Status StreamEnded(const std::string& message) {
  absl::Status status = absl::AbortedError(message);
  status.SetPayload(kStreamEnded, absl::Cord("1"));
  return status;
}

bool IsStreamEnded(const absl::Status& status) {
  return status.GetPayload(kStreamEnded).has_value();
}

uint64_t DeliveryHub::Add(const AgencyId& agency, const SubscriptionName& name, Listener wake,
                          EndListener end) {
  absl::MutexLock lock(&mu_);
  const uint64_t token = next_token_++;
  streams_.emplace(agency, Stream{token, name, std::move(wake), std::move(end)});
  return token;
}

void DeliveryHub::Remove(uint64_t token) {
  absl::MutexLock lock(&mu_);
  for (auto it = streams_.begin(); it != streams_.end(); ++it) {
    if (it->second.token == token) {
      streams_.erase(it);
      return;
    }
  }
}

void DeliveryHub::Wake(const std::set<AgencyId>& agencies) {
  absl::MutexLock lock(&mu_);
  for (const auto& agency : agencies) {
    auto [begin, end] = streams_.equal_range(agency);
    for (auto it = begin; it != end; ++it) it->second.wake();
  }
}

void DeliveryHub::EndAll(const AgencyId& agency, const SubscriptionName& name,
                         const absl::Status& why) {
  std::vector<EndListener> ends;
  {
    absl::MutexLock lock(&mu_);
    auto [begin, end] = streams_.equal_range(agency);
    for (auto it = begin; it != end; ++it) {
      if (it->second.name == name) ends.push_back(it->second.end);
    }
  }
  // Without the lock: ending a stream removes it from the hub.
  for (const auto& end : ends) end(why);
}

uint32_t DeliveryHub::Consumers(const AgencyId& agency, const SubscriptionName& name) const {
  absl::MutexLock lock(&mu_);
  uint32_t count = 0;
  auto [begin, end] = streams_.equal_range(agency);
  for (auto it = begin; it != end; ++it) count += it->second.name == name ? 1 : 0;
  return count;
}

}  // namespace safeshare::service
