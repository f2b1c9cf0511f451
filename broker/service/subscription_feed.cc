#include "broker/service/subscription_feed.h"

#include <algorithm>

#include "broker/core/vocabulary.h"

namespace safeshare::service {
namespace {

// The contract's enum for a config lawful basis (one of kLawfulBases),
// without building strings on the per-delivery path.
v1::LawfulBasis LawfulBasisOf(std::string_view config_name) {
  static_assert(kLawfulBases.size() == 3, "map every lawful basis of the vocabulary here");
  if (config_name == "public_task_safeguarding") return v1::LAWFUL_BASIS_PUBLIC_TASK_SAFEGUARDING;
  if (config_name == "legal_obligation") return v1::LAWFUL_BASIS_LEGAL_OBLIGATION;
  if (config_name == "law_enforcement") return v1::LAWFUL_BASIS_LAW_ENFORCEMENT;
  return v1::LAWFUL_BASIS_UNSPECIFIED;
}

}  // namespace

SubscriptionFeed::SubscriptionFeed(store::Store& store, const RecentLog& recent, AgencyId agency,
                                   SubscriptionName name, Sequence after,
                                   store::DeliveryFilter filter, store::ConsumerMode mode)
    : store_(store),
      recent_(recent),
      agency_(std::move(agency)),
      name_(std::move(name)),
      polled_through_(after),
      filter_(std::move(filter)),
      mode_(mode) {}

std::optional<std::vector<FeedItem>> SubscriptionFeed::PollRecent(size_t max) {
  auto slice = recent_.Read(agency_, filter_, polled_through_, max);
  if (!slice) return std::nullopt;
  polled_through_ = slice->scanned_through;
  skipped_ = false;  // the log holds everything after it: nothing left to scan
  return FromLog(*slice);
}

absl::StatusOr<std::vector<FeedItem>> SubscriptionFeed::Poll(size_t max) {
  if (auto items = PollRecent(max)) return std::move(*items);
  return FromStore(max);
}

std::vector<FeedItem> SubscriptionFeed::FromLog(const RecentLog::Slice& slice) const {
  std::vector<FeedItem> items;
  items.reserve(slice.matches.size());
  for (const auto& [n, recipient] : slice.matches) {
    store::DeliveryFacts facts{n->sequence,
                               n->id,
                               n->case_ref,
                               recipient->rule,
                               recipient->lawful_basis,
                               recipient->purpose,
                               n->HashFor(*recipient)};
    facts.agreement = recipient->agreement;
    facts.linked_cases = recipient->linked_cases;
    facts.urgent = recipient->urgent;
    items.push_back(Item(std::move(facts), n->BodyFor(*recipient)));
  }
  return items;
}

absl::StatusOr<std::vector<FeedItem>> SubscriptionFeed::FromStore(size_t max) {
  auto page = store_.ReadDeliveryPage(agency_, polled_through_, max, filter_);
  if (!page.ok()) return page.status();
  skipped_ = page->deliveries.empty() && page->scanned_through > polled_through_;
  polled_through_ = std::max(polled_through_, page->scanned_through);
  std::vector<FeedItem> items;
  items.reserve(page->deliveries.size());
  for (auto& s : page->deliveries) {
    auto body = std::make_shared<const std::string>(std::move(s.body));
    items.push_back(Item(std::move(s), std::move(body)));  // keeps only the facts
  }
  return items;
}

absl::StatusOr<std::vector<FeedItem>> SubscriptionFeed::At(
    const std::vector<Sequence>& sequences) const {
  std::vector<FeedItem> items;
  for (const Sequence seq : sequences) {
    if (seq.value() == 0) continue;
    auto page = store_.ReadDeliveryPage(agency_, Sequence(seq.value() - 1), 1, {});
    if (!page.ok()) return page.status();
    if (page->deliveries.empty() || page->deliveries.front().sequence != seq) continue;
    auto& d = page->deliveries.front();
    auto body = std::make_shared<const std::string>(std::move(d.body));
    items.push_back(Item(std::move(d), std::move(body)));
  }
  return items;
}

FeedItem SubscriptionFeed::Item(store::DeliveryFacts facts,
                                std::shared_ptr<const std::string> body) const {
  FeedItem item{store::DeliveredEvent{std::move(facts), agency_, name_}};
  item.lawful_basis = LawfulBasisOf(item.event.lawful_basis);
  v1::Purpose_Parse(item.event.purpose, &item.purpose);
  item.body = std::move(body);
  return item;
}

}  // namespace safeshare::service
