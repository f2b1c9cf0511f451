#include "broker/service/delivery_hub.h"

#include <algorithm>
#include <utility>
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

absl::Status ClaimLost(const SubscriptionName& name) {
  return absl::UnavailableError(
      "this broker can no longer show that it holds subscription '" + name.value() +
      "' in the database (its session there was lost), so it stops delivering on this stream; "
      "reconnect to resume after your last acknowledged delivery");
}

bool IsStreamEnded(const absl::Status& status) {
  return status.GetPayload(kStreamEnded).has_value();
}

DeliveryHub::DeliveryHub()
    : DeliveryHub(Claims{[](const AgencyId&, const SubscriptionName&) { return true; },
                         [](const AgencyId&, const SubscriptionName&) {}}) {}

DeliveryHub::DeliveryHub(Claims claims) : claims_(std::move(claims)) {}

std::optional<absl::StatusOr<std::pair<uint64_t, DeliveryHub::Role>>> DeliveryHub::JoinBehind(
    const Key& key, store::ConsumerMode mode, StreamHooks& hooks) {
  auto it = groups_.find(key);
  if (it == groups_.end() || !it->second.active) return std::nullopt;
  if (mode == store::ConsumerMode::kExclusive) {
    ModuleLogger("service")->warn("{} subscription {}: second stream refused (exclusive)",
                                  key.first.value(), key.second.value());
    return absl::FailedPreconditionError(
        "subscription '" + key.second.value() +
        "' already has an active stream and is EXCLUSIVE: end that stream first, or create it "
        "with CONSUMER_MODE_STANDBY so a second stream waits");
  }
  const uint64_t token = next_token_++;
  keys_.emplace(token, key);
  it->second.standbys.push_back(Stream{token, std::move(hooks)});
  return std::pair{token, Role::kStandby};
}

absl::StatusOr<std::pair<uint64_t, DeliveryHub::Role>> DeliveryHub::Join(
    const AgencyId& agency, const SubscriptionName& name, store::ConsumerMode mode,
    StreamHooks hooks) {
  const Key key{agency, name};
  {
    absl::MutexLock lock(&mu_);
    if (auto behind = JoinBehind(key, mode, hooks)) return *std::move(behind);
  }
  // No active stream here: this broker must hold the claim to deliver.
  absl::MutexLock claiming(&claim_mu_);
  {
    absl::MutexLock lock(&mu_);
    // Another stream may have taken the claim while this one waited.
    if (auto behind = JoinBehind(key, mode, hooks)) return *std::move(behind);
  }
  const bool held = claims_.take(agency, name);  // without mu_: a round trip
  absl::MutexLock lock(&mu_);
  Group& group = groups_[key];
  if (held) given_up_.erase(key);  // taken again before the tick released it
  if (!held && mode == store::ConsumerMode::kExclusive) {
    if (!group.active && group.standbys.empty()) groups_.erase(key);
    ModuleLogger("service")->warn(
        "{} subscription {}: stream refused (exclusive, claimed by another broker)", agency.value(),
        name.value());
    return absl::FailedPreconditionError(
        "subscription '" + name.value() +
        "' is EXCLUSIVE and is being consumed through another broker sharing this database (or "
        "this broker cannot reach the database to claim it): end that stream first, or create "
        "it with CONSUMER_MODE_STANDBY so a second stream waits on any broker");
  }
  const uint64_t token = next_token_++;
  keys_.emplace(token, key);
  group.standbys.push_back(Stream{token, std::move(hooks)});
  if (!held) {
    ModuleLogger("service")->info(
        "{} subscription {}: another broker consumes it; the stream waits as a standby",
        agency.value(), name.value());
    return std::pair{token, Role::kStandby};
  }
  if (group.standbys.size() == 1) {  // the only stream: active from the start
    group.active = std::move(group.standbys.front());
    group.standbys.pop_front();
    return std::pair{token, Role::kActive};
  }
  // Standbys that waited for another broker's claim go first.
  Promote(key, group);
  return std::pair{token, Role::kStandby};
}

void DeliveryHub::Promote(const Key& key, Group& group) {
  group.active = std::move(group.standbys.front());
  group.standbys.pop_front();
  ModuleLogger("service")->info("{} subscription {}: a standby stream is now active",
                                key.first.value(), key.second.value());
  group.active->hooks.promoted();
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
      Promote(it->first, group);  // the claim stays this broker's
    } else {
      given_up_.insert(it->first);  // released outside this lock
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
  bool review = false;
  {
    absl::MutexLock lock(&mu_);
    const auto now = std::chrono::steady_clock::now();
    if (now >= next_review_) {
      review = true;
      next_review_ = now + kClaimReview;
    }
  }
  SettleClaims(review);
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

void DeliveryHub::ReviewClaims() { SettleClaims(/*review=*/true); }

void DeliveryHub::SettleClaims(bool review) {
  std::vector<Key> keys;
  {
    absl::MutexLock lock(&mu_);
    if (given_up_.empty() && !review) return;
    if (review) {
      for (const auto& [key, group] : groups_) keys.push_back(key);
    }
  }
  {
    absl::MutexLock claiming(&claim_mu_);
    std::vector<Key> release;
    {
      absl::MutexLock lock(&mu_);
      for (const Key& key : std::exchange(given_up_, {})) {
        auto it = groups_.find(key);
        if (it == groups_.end() || !it->second.active) release.push_back(key);
      }
    }
    for (const auto& [agency, name] : release) claims_.release(agency, name);
  }
  // One claim at a time, so a Join waits for one round trip at most.
  for (const Key& key : keys) {
    EndListener end;
    {
      absl::MutexLock claiming(&claim_mu_);
      {
        absl::MutexLock lock(&mu_);
        if (!groups_.contains(key)) continue;  // every stream left meanwhile
      }
      end = Apply(key, claims_.take(key.first, key.second));
    }
    // Without the locks: ending a stream leaves the hub.
    if (end) end(ClaimLost(key.second));
  }
}

DeliveryHub::EndListener DeliveryHub::Apply(const Key& key, bool held) {
  EndListener end;
  bool release = false;
  {
    absl::MutexLock lock(&mu_);
    auto it = groups_.find(key);
    if (it == groups_.end()) {
      release = held;  // every stream left during the round trip
    } else if (Group& group = it->second; group.active && !held) {
      // Another broker may be delivering now: this one stops, and its
      // standbys wait for the claim again.
      ModuleLogger("service")->warn(
          "{} subscription {}: this broker lost its claim; the active stream ends",
          key.first.value(), key.second.value());
      keys_.erase(group.active->token);
      end = std::move(group.active->hooks.end);
      group.active.reset();
      release = true;  // forgets the loss, so the claim can be taken anew
      if (group.standbys.empty()) groups_.erase(it);
    } else if (!group.active && held) {
      Promote(key, group);  // a group without an active stream has standbys
    }
  }
  if (release) claims_.release(key.first, key.second);
  return end;
}

}  // namespace safeshare::service
