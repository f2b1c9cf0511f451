#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <set>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "broker/core/strong_id.h"

namespace safeshare::service {

// Tells open subscription streams that their agency has new deliveries.
// Listeners run on the store's completion thread and must only schedule work.
// Thread-safe.
class DeliveryHub {
 public:
  using Listener = std::function<void()>;

  uint64_t Add(const AgencyId& agency, Listener listener);
  void Remove(uint64_t token);
  // Called after a commit with the agencies that have new deliveries.
  void Wake(const std::set<AgencyId>& agencies);

 private:
  absl::Mutex mu_;
  uint64_t next_token_ ABSL_GUARDED_BY(mu_) = 1;
  std::multimap<AgencyId, std::pair<uint64_t, Listener>> listeners_ ABSL_GUARDED_BY(mu_);
};

}  // namespace safeshare::service
