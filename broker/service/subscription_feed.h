#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "broker/service/recent_log.h"
#include "broker/store/sqlite_store.h"
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
// deliveries in commit order after the last one it returned, from the recent
// log when it holds them and from the store otherwise. Dispatched() audits
// items as delivered before they are written to the stream, so "delivered"
// always precedes the recipient's acknowledgement in the log. Not
// thread-safe: one stream uses it from one strand.
class SubscriptionFeed {
 public:
  SubscriptionFeed(store::SqliteStore& store, const RecentLog& recent, AgencyId agency,
                   SubscriptionName name, Sequence after);

  absl::StatusOr<std::vector<FeedItem>> Poll(size_t max);
  // As Poll, from memory only: nullopt when the store must be read (Poll).
  std::optional<std::vector<FeedItem>> PollRecent(size_t max);
  // Queues the "delivered" audit entries of `items`; `audited` runs (on the
  // store's completion thread) once they are durable or have failed. A stream
  // polls its next batch only after that, so streams never run ahead of the
  // audit log and the writer's queue stays bounded. `more_ready`: the stream
  // has more to send and waits for `audited` (a backlog); otherwise the
  // entries may ride with the next publish's commit.
  void Dispatched(std::vector<FeedItem>& items, std::function<void()> audited, bool more_ready);

  const AgencyId& agency() const { return agency_; }

 private:
  std::vector<FeedItem> FromLog(const RecentLog::Slice& slice) const;
  absl::StatusOr<std::vector<FeedItem>> FromStore(size_t max) const;
  FeedItem Item(store::DeliveryFacts facts, std::shared_ptr<const std::string> body) const;

  store::SqliteStore& store_;
  const RecentLog& recent_;
  AgencyId agency_;
  SubscriptionName name_;
  Sequence polled_through_;
};

}  // namespace safeshare::service
