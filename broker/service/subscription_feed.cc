#include "broker/service/subscription_feed.h"

#include "absl/status/status.h"
#include "absl/strings/ascii.h"

namespace safeshare::service {

SubscriptionFeed::SubscriptionFeed(store::SqliteStore& store, AgencyId agency,
                                   SubscriptionName name, Sequence after)
    : store_(store), agency_(std::move(agency)), name_(std::move(name)), polled_through_(after) {}

absl::StatusOr<std::vector<FeedItem>> SubscriptionFeed::Poll(size_t max) {
  auto stored = store_.ReadDeliveries(agency_, polled_through_, max);
  if (!stored.ok()) return stored.status();
  std::vector<FeedItem> out(stored->size());
  for (size_t i = 0; i < stored->size(); ++i) {
    auto& s = (*stored)[i];
    auto& d = out[i].delivery;
    if (!d.mutable_notification()->ParseFromString(s.body)) {
      return absl::DataLossError("stored notification " + s.id.value() + " cannot be read");
    }
    d.set_sequence(s.sequence.value());
    d.set_rule(s.rule);
    v1::LawfulBasis basis;
    if (v1::LawfulBasis_Parse("LAWFUL_BASIS_" + absl::AsciiStrToUpper(s.lawful_basis), &basis)) {
      d.set_lawful_basis(basis);
    }
    d.set_purpose(d.notification().purpose());
    out[i].event = store::DeliveredEvent{agency_,        name_,      s.sequence,
                                         s.id,           s.case_ref, std::move(s.rule),
                                         s.lawful_basis, s.purpose,  std::move(s.content_hash)};
    polled_through_ = s.sequence;
  }
  return out;
}

void SubscriptionFeed::Dispatched(FeedItem& item) {
  store_.RecordDelivered({std::move(item.event)});
}

}  // namespace safeshare::service
