#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "broker/service/recent_log.h"
#include "broker/store/store.h"
#include "safeshare/v1/broker.pb.h"

namespace safeshare::service {

// A delivery ready for the stream: what its audit entry records, the
// lawful basis and purpose as the contract names them, and the serialized
// notification, shared by every recipient.
struct FeedItem {
  store::DeliveredEvent event;
  v1::LawfulBasis lawful_basis = v1::LAWFUL_BASIS_UNSPECIFIED;
  v1::Purpose purpose = v1::PURPOSE_UNSPECIFIED;
  std::shared_ptr<const std::string> body;
};

// What one open subscription stream has yet to send. Poll() returns the next
// deliveries its filter matches, in commit order after the last one it
// returned, from the recent log when it holds them and from the store
// otherwise (the store checks each body against its content hash; one read
// examines at most Store::kMaxScanSpan sequences). Not thread-safe: one
// DeliverySession uses it under its lock.
class SubscriptionFeed {
 public:
  // `mode`: the subscription's, which decides what a second stream gets
  // (DeliveryHub::Join).
  SubscriptionFeed(store::Store& store, const RecentLog& recent, AgencyId agency,
                   SubscriptionName name, Sequence after, store::DeliveryFilter filter = {},
                   store::ConsumerMode mode = store::ConsumerMode::kStandby);

  absl::StatusOr<std::vector<FeedItem>> Poll(size_t max);
  // After a Poll that returned nothing: true when it skipped sequences the
  // filter does not match and the store may hold more (poll again).
  bool Skipped() const { return skipped_; }
  // As Poll, from memory only: nullopt when the store must be read (Poll).
  std::optional<std::vector<FeedItem>> PollRecent(size_t max);
  const AgencyId& agency() const { return agency_; }
  const SubscriptionName& name() const { return name_; }
  store::ConsumerMode mode() const { return mode_; }
  // The agency's deliveries at `sequences` (to hand again), read from the
  // store one by one; one not found is left out.
  absl::StatusOr<std::vector<FeedItem>> At(const std::vector<Sequence>& sequences) const;
  // Continues after `after` (a standby made active: the subscription's
  // position may have moved while it waited).
  void RestartAfter(Sequence after) {
    polled_through_ = after;
    skipped_ = false;
  }

 private:
  std::vector<FeedItem> FromLog(const RecentLog::Slice& slice) const;
  absl::StatusOr<std::vector<FeedItem>> FromStore(size_t max);
  FeedItem Item(store::DeliveryFacts facts, std::shared_ptr<const std::string> body) const;

  store::Store& store_;
  const RecentLog& recent_;
  AgencyId agency_;
  SubscriptionName name_;
  Sequence polled_through_;
  const store::DeliveryFilter filter_;
  const store::ConsumerMode mode_;
  bool skipped_ = false;
};

}  // namespace safeshare::service
