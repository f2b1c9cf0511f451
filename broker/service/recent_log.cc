#include "broker/service/recent_log.h"

#include <algorithm>

namespace safeshare::service {

size_t RecentLog::Cost(const CommittedNotification& n) {
  size_t bytes = n.body->size() + 256 + 96 * n.recipients.size();
  for (const auto& view : n.views) bytes += view.body->size() + 96;
  return bytes;
}

void RecentLog::Append(std::shared_ptr<const CommittedNotification> notification) {
  absl::MutexLock lock(&mu_);
  if (!entries_.empty() &&
      entries_.back()->sequence.value() + 1 != notification->sequence.value()) {
    entries_.clear();  // a gap (should not happen): restart the tail here
    bytes_ = 0;
  }
  bytes_ += Cost(*notification);
  entries_.push_back(std::move(notification));
  while (bytes_ > max_bytes_ && entries_.size() > 1) {
    bytes_ -= Cost(*entries_.front());
    entries_.pop_front();
  }
}

void RecentLog::Forget(Sequence through) {
  absl::MutexLock lock(&mu_);
  while (!entries_.empty() && entries_.front()->sequence <= through) {
    bytes_ -= Cost(*entries_.front());
    entries_.pop_front();
  }
}

std::optional<RecentLog::Slice> RecentLog::Read(const AgencyId& agency,
                                                const store::DeliveryFilter& filter, Sequence after,
                                                size_t max) const {
  absl::MutexLock lock(&mu_);
  if (entries_.empty() || entries_.front()->sequence.value() > after.value() + 1)
    return std::nullopt;
  const uint64_t first = entries_.front()->sequence.value();
  Slice slice{{}, after};
  for (size_t i = after.value() + 1 - first; i < entries_.size() && slice.matches.size() < max;
       ++i) {
    const auto& n = entries_[i];
    slice.scanned_through = n->sequence;
    if (!filter.Matches(n->type, n->case_ref)) continue;
    for (const auto& r : n->recipients) {
      if (r.agency == agency) slice.matches.push_back(Match{n, &r});
    }
  }
  return slice;
}

}  // namespace safeshare::service
