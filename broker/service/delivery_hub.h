#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "broker/core/strong_id.h"
#include "broker/store/records.h"

namespace safeshare::service {

// ABORTED `message`, marked as ending a stream whose subscription was reset
// or deleted (the client reconnects), so the rpc layer tells it apart from
// the store's ABORTED (a constraint error, internal).
absl::Status StreamEnded(const std::string& message);
bool IsStreamEnded(const absl::Status& status);
// NOT_FOUND ending the streams of subscription `name`, which was deleted:
// not ABORTED, so a client does not reconnect (which would create the name
// anew from the beginning and hand it its history again).
absl::Status SubscriptionDeleted(const SubscriptionName& name);

// The open subscription streams. Per (agency, subscription) one stream is
// active and receives the deliveries; the others wait as standbys in
// arrival order, and the first of them becomes active when the active one
// leaves, so a subscription's deliveries never go to two streams at once.
// A subscription in ConsumerMode::kExclusive refuses a second stream. The
// hub tells active streams that their agency has new deliveries, ticks every
// stream (heartbeats), and ends those of a subscription that was reset or
// deleted. In-process only: with several brokers the claim becomes a store
// lease behind the same Join and Leave. Thread-safe.
class DeliveryHub {
 public:
  // What changed for a subscription's deliveries: acknowledged (through,
  // 0: none, and each of sequences) or parked deliveries released.
  struct SubscriptionEvent {
    Sequence through;
    std::vector<Sequence> sequences;
    bool released = false;
  };
  using Listener = std::function<void()>;
  using EndListener = std::function<void(const absl::Status&)>;
  using EventListener = std::function<void(const SubscriptionEvent&)>;
  enum class Role { kActive, kStandby };
  // wake and promoted run under the hub's lock and must only schedule work;
  // tick and end run without it.
  struct StreamHooks {
    Listener wake;        // the agency has new deliveries (active streams only)
    Listener promoted;    // this standby is now the active stream
    Listener tick;        // time passed (TickAll)
    EndListener end;      // the subscription was reset or deleted
    EventListener event;  // acknowledged or released (active streams only; Notify)
  };
  struct Count {
    uint32_t active = 0;
    uint32_t standby = 0;
  };

  // Adds a stream: active when the subscription has none, else a standby,
  // or FAILED_PRECONDITION when `mode` is kExclusive. Returns its token.
  absl::StatusOr<std::pair<uint64_t, Role>> Join(const AgencyId& agency,
                                                 const SubscriptionName& name,
                                                 store::ConsumerMode mode, StreamHooks hooks);
  // Removes the stream; an active one leaving promotes the first standby.
  // Idempotent.
  void Leave(uint64_t token);
  // Called after a commit with the agencies that have new deliveries.
  void Wake(const std::set<AgencyId>& agencies);
  // Calls every stream's tick (outside the lock).
  void TickAll();
  // Tells the subscription's active stream, if any, what changed (outside
  // the lock).
  void Notify(const AgencyId& agency, const SubscriptionName& name, const SubscriptionEvent& event);
  // Ends every open stream of the subscription with `why` (outside the lock).
  void EndAll(const AgencyId& agency, const SubscriptionName& name, const absl::Status& why);
  Count Consumers(const AgencyId& agency, const SubscriptionName& name) const;

 private:
  struct Stream {
    uint64_t token = 0;
    StreamHooks hooks;
  };
  using Key = std::pair<AgencyId, SubscriptionName>;
  struct Group {
    std::optional<Stream> active;
    std::deque<Stream> standbys;  // in arrival order
  };

  mutable absl::Mutex mu_;
  uint64_t next_token_ ABSL_GUARDED_BY(mu_) = 1;
  std::map<Key, Group> groups_ ABSL_GUARDED_BY(mu_);
  std::map<uint64_t, Key> keys_ ABSL_GUARDED_BY(mu_);  // token -> its group
};

}  // namespace safeshare::service
