#pragma once

#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "broker/store/sqlite_store.h"
#include "safeshare/v1/broker.pb.h"

namespace safeshare::service {

// A delivery ready for the stream, with what its audit entry records.
struct FeedItem {
  v1::Delivery delivery;
  store::DeliveredEvent event;
};

// What one open subscription stream has yet to send. Poll() reads the next
// deliveries in commit order after the last one it returned; Sent() records
// that one reached the stream, and its audit entry is written on the next
// Poll() or when the feed is destroyed, batched with the others. Not
// thread-safe: one stream uses it from one strand.
class SubscriptionFeed {
 public:
  SubscriptionFeed(store::SqliteStore& store, AgencyId agency, SubscriptionName name, Sequence after);
  ~SubscriptionFeed();

  absl::StatusOr<std::vector<FeedItem>> Poll(size_t max);
  void Sent(FeedItem& item);

  const AgencyId& agency() const { return agency_; }

 private:
  void FlushAudit();

  store::SqliteStore& store_;
  AgencyId agency_;
  SubscriptionName name_;
  Sequence polled_through_;
  std::vector<store::DeliveredEvent> sent_;
};

}  // namespace safeshare::service
