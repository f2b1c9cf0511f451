#include "broker/service/delivery_hub.h"

#include <algorithm>
#include <vector>

#include "absl/strings/cord.h"
#include "broker/core/logging.h"

namespace safeshare::service {

namespace {
constexpr char kStreamEnded[] = "safeshare.service/stream-ended";
}  // namespace

absl::Status StreamEnded(const std::string& message) {
  absl::Status status = absl::AbortedError(message);
  status.SetPayload(kStreamEnded, absl::Cord("1"));
  return status;
}

absl::Status SubscriptionDeleted(const SubscriptionName& name) {
  return absl::NotFoundError("subscription '" + name.value() +
                             "' was deleted; create it again to receive more (reconnecting "
                             "would create it anew from the beginning)");
}

bool IsStreamEnded(const absl::Status& status) {
  return status.GetPayload(kStreamEnded).has_value();
}

absl::StatusOr<std::pair<uint64_t, DeliveryHub::Role>> DeliveryHub::Join(
    const AgencyId& agency, const SubscriptionName& name, store::ConsumerMode mode,
    StreamHooks hooks) {
  absl::MutexLock lock(&mu_);
  Group& group = groups_[{agency, name}];
  if (group.active && mode == store::ConsumerMode::kExclusive) {
    ModuleLogger("service")->warn("{} subscription {}: second stream refused (exclusive)",
                                  agency.value(), name.value());
    return absl::FailedPreconditionError(
        "subscription '" + name.value() +
        "' already has an active stream and is EXCLUSIVE: end that stream first, or create it "
        "with CONSUMER_MODE_STANDBY so a second stream waits");
  }
  const uint64_t token = next_token_++;
  keys_.emplace(token, Key{agency, name});
  if (!group.active) {
    group.active = Stream{token, std::move(hooks)};
    return std::pair{token, Role::kActive};
  }
  group.standbys.push_back(Stream{token, std::move(hooks)});
  return std::pair{token, Role::kStandby};
}

void DeliveryHub::Leave(uint64_t token) {
  absl::MutexLock lock(&mu_);
  auto key = keys_.find(token);
  if (key == keys_.end()) return;
  auto it = groups_.find(key->second);
  keys_.erase(key);
  if (it == groups_.end()) return;
  Group& group = it->second;
  if (group.active && group.active->token == token) {
    group.active.reset();
    if (!group.standbys.empty()) {
      group.active = std::move(group.standbys.front());
      group.standbys.pop_front();
      ModuleLogger("service")->info("{} subscription {}: a standby stream is now active",
                                    it->first.first.value(), it->first.second.value());
      group.active->hooks.promoted();
    }
  } else {
    std::erase_if(group.standbys, [token](const Stream& s) { return s.token == token; });
  }
  if (!group.active && group.standbys.empty()) groups_.erase(it);
}

void DeliveryHub::Wake(const std::set<AgencyId>& agencies) {
  absl::MutexLock lock(&mu_);
  for (const auto& agency : agencies) {
    for (auto it = groups_.lower_bound({agency, SubscriptionName("")});
         it != groups_.end() && it->first.first == agency; ++it) {
      if (it->second.active) it->second.active->hooks.wake();
    }
  }
}

void DeliveryHub::TickAll() {
  std::vector<Listener> ticks;
  {
    absl::MutexLock lock(&mu_);
    ticks.reserve(keys_.size());
    for (const auto& [key, group] : groups_) {
      if (group.active) ticks.push_back(group.active->hooks.tick);
      for (const auto& standby : group.standbys) ticks.push_back(standby.hooks.tick);
    }
  }
  for (const auto& tick : ticks) tick();
}

void DeliveryHub::Notify(const AgencyId& agency, const SubscriptionName& name,
                         const SubscriptionEvent& event) {
  EventListener listener;
  {
    absl::MutexLock lock(&mu_);
    auto it = groups_.find({agency, name});
    if (it == groups_.end() || !it->second.active) return;
    listener = it->second.active->hooks.event;
  }
  if (listener) listener(event);
}

void DeliveryHub::EndAll(const AgencyId& agency, const SubscriptionName& name,
                         const absl::Status& why) {
  std::vector<EndListener> ends;
  {
    absl::MutexLock lock(&mu_);
    auto it = groups_.find({agency, name});
    if (it == groups_.end()) return;
    // Standbys first: ending the active one promotes a standby, which then
    // would start delivering from a position that no longer holds.
    for (const auto& standby : it->second.standbys) ends.push_back(standby.hooks.end);
    if (it->second.active) ends.push_back(it->second.active->hooks.end);
  }
  // Without the lock: ending a stream removes it from the hub.
  for (const auto& end : ends) end(why);
}

DeliveryHub::Count DeliveryHub::Consumers(const AgencyId& agency,
                                          const SubscriptionName& name) const {
  absl::MutexLock lock(&mu_);
  auto it = groups_.find({agency, name});
  if (it == groups_.end()) return {};
  return Count{it->second.active ? 1u : 0u, static_cast<uint32_t>(it->second.standbys.size())};
}

}  // namespace safeshare::service
