#pragma once

#include <chrono>
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
// UNAVAILABLE ending the active stream of subscription `name` whose claim
// this broker lost: the client reconnects and waits for the claim.
absl::Status ClaimLost(const SubscriptionName& name);

// The open subscription streams. Per (agency, subscription) one stream is
// active and receives the deliveries; the others wait as standbys in
// arrival order, and the first of them becomes active when the active one
// leaves, so a subscription's deliveries never go to two streams at once.
// A subscription in ConsumerMode::kExclusive refuses a second stream. The
// hub tells active streams that their agency has new deliveries, ticks every
// stream (heartbeats), and ends those of a subscription that was reset or
// deleted. Thread-safe.
//
// Across brokers sharing a store the same holds through the store's claim
// on the subscription (Claims: Store::ClaimSubscription), which the broker
// with the active stream holds. A stream that finds no active stream here
// takes the claim; when another broker holds it, the stream waits as a
// standby (an exclusive subscription refuses it), and the standbys try the
// claim again every kClaimReview until that broker lets it go (its stream
// ended, it stopped, or its database session ended). An active stream
// leaving with no standby here gives the claim up at the next tick. Every
// kClaimReview the active streams' claims are confirmed too: one this
// broker can no longer prove (its database session was lost) ends its
// active stream UNAVAILABLE (the client reconnects), and its standbys wait
// for the claim again. The claim calls may wait on a database round trip,
// so they run one at a time under claim_mu_, never under mu_.
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
  // The claim on consuming a subscription that brokers sharing a store
  // contend for: take answers whether this broker holds it now, taking it
  // when free (false again for one it lost); release gives it up.
  struct Claims {
    std::function<bool(const AgencyId&, const SubscriptionName&)> take;
    std::function<void(const AgencyId&, const SubscriptionName&)> release;
  };
  static constexpr std::chrono::seconds kClaimReview{1};

  // Claims always granted: one broker.
  DeliveryHub();
  explicit DeliveryHub(Claims claims);

  // Adds a stream: active when the subscription has none and this broker
  // takes its claim, else a standby, or FAILED_PRECONDITION when `mode` is
  // kExclusive. Returns its token. May wait on the claim's round trip.
  absl::StatusOr<std::pair<uint64_t, Role>> Join(const AgencyId& agency,
                                                 const SubscriptionName& name,
                                                 store::ConsumerMode mode, StreamHooks hooks);
  // Removes the stream; an active one leaving promotes the first standby,
  // or, with none, gives the claim up at the next tick. Idempotent.
  void Leave(uint64_t token);
  // Called after a commit with the agencies that have new deliveries.
  void Wake(const std::set<AgencyId>& agencies);
  // Releases the claims given up, reviews the claims when kClaimReview has
  // passed since the last review, then calls every stream's tick (outside
  // the lock).
  void TickAll();
  // Now: confirms the claim of every active stream (ending the stream when
  // lost) and tries those that standbys wait for (promoting the first).
  void ReviewClaims();
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

  // Adds the stream behind the subscription's active stream here, if it
  // has one (a standby, or refused when `mode` is kExclusive).
  std::optional<absl::StatusOr<std::pair<uint64_t, Role>>> JoinBehind(const Key& key,
                                                                      store::ConsumerMode mode,
                                                                      StreamHooks& hooks)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Makes the first standby the active stream.
  void Promote(const Key& key, Group& group) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Releases the claims given up, and with `review` confirms or tries each
  // subscription's claim.
  void SettleClaims(bool review) ABSL_LOCKS_EXCLUDED(claim_mu_, mu_);
  // Acts on whether this broker holds `key`'s claim now; answers the end of
  // an active stream whose claim was lost, to call outside the locks.
  EndListener Apply(const Key& key, bool held) ABSL_EXCLUSIVE_LOCKS_REQUIRED(claim_mu_);

  const Claims claims_;
  // Held across each claim call, so claims change one at a time.
  absl::Mutex claim_mu_ ABSL_ACQUIRED_BEFORE(mu_);
  mutable absl::Mutex mu_;
  uint64_t next_token_ ABSL_GUARDED_BY(mu_) = 1;
  std::map<Key, Group> groups_ ABSL_GUARDED_BY(mu_);
  std::map<uint64_t, Key> keys_ ABSL_GUARDED_BY(mu_);  // token -> its group
  // Claims whose active stream left with no standby: released at the next
  // tick unless a stream took the subscription again meanwhile.
  std::set<Key> given_up_ ABSL_GUARDED_BY(mu_);
  std::chrono::steady_clock::time_point next_review_ ABSL_GUARDED_BY(mu_);
};

}  // namespace safeshare::service
