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
// deliveries in commit order after the last one it returned; Dispatched()
// audits one as delivered just before it is written to the stream, so its
// "delivered" entry always precedes the recipient's acknowledgement. Not
// thread-safe: one stream uses it from one strand.
class SubscriptionFeed {
 public:
  SubscriptionFeed(store::SqliteStore& store, AgencyId agency, SubscriptionName name,
                   Sequence after);

  absl::StatusOr<std::vector<FeedItem>> Poll(size_t max);
  void Dispatched(FeedItem& item);

  const AgencyId& agency() const { return agency_; }

 private:
  store::SqliteStore& store_;
  AgencyId agency_;
  SubscriptionName name_;
  Sequence polled_through_;
};

}  // namespace safeshare::service
