// DeliverySession's redelivery: taking over a subscription (its position
// and delivery_attempts rows), counting attempts on what an earlier stream
// was handed, reading back what is due again, and released deliveries (the
// rest of DeliverySession is in delivery_session.cc).
#include <algorithm>
#include <limits>
#include <map>

#include "broker/core/logging.h"
#include "broker/service/delivery_session.h"

namespace safeshare::service {

void DeliverySession::ReadReleased() {
  {
    absl::MutexLock lock(&mu_);
    if (stopped_ || standby_ || !taken_over_) return;  // a take-over reads them anyway
    auto rows = store_.ReadAttempts(feed_->agency(), feed_->name(),
                                    Sequence(std::numeric_limits<uint64_t>::max()));
    std::vector<Sequence> released;
    if (rows.ok()) {
      for (const auto& row : *rows) {
        if (row.state == store::AttemptState::kReleased && !window_.Contains(row.sequence)) {
          released.push_back(row.sequence);
        }
      }
    }
    if (!rows.ok()) {
      ModuleLogger("service")->warn("{} subscription {}: released deliveries not read: {}",
                                    feed_->agency().value(), feed_->name().value(),
                                    rows.status().ToString());
      return;  // handed again when a stream next takes over
    }
    for (const Sequence seq : released) window_.Add(seq, 0, timing_.clock->Steady());
  }
  Pump(/*may_read_store=*/true);
}

absl::Status DeliverySession::TakeOver() {
  const AgencyId& agency = feed_->agency();
  const SubscriptionName& name = feed_->name();
  auto listed = store_.ReadSubscriptions(agency, name);
  if (!listed.ok()) return listed.status();
  if (listed->empty()) return SubscriptionDeleted(name);
  const store::SubscriptionRecord& record = listed->front().record;
  auto rows = store_.ReadAttempts(agency, name, record.acked_through);
  if (!rows.ok()) return rows.status();
  window_ = InFlightWindow(Resolve(record.settings, timing_.defaults));
  feed_->RestartAfter(record.acked_through);
  recover_through_ = record.delivered_through;
  rows_.clear();
  for (const auto& row : *rows) {
    if (row.sequence > record.acked_through) {
      rows_.emplace(row.sequence.value(), row);
    } else {  // handed again after the position passed it
      const uint32_t made = row.state == store::AttemptState::kReleased ? 0 : row.attempts;
      window_.Add(row.sequence, made, timing_.clock->Steady());
    }
  }
  taken_over_ = true;
  return absl::OkStatus();
}

absl::Status DeliverySession::Due(std::vector<FeedItem>& again, Actions& actions) {
  const auto due = window_.TakeDue(timing_.clock->Steady(), kBatch);
  std::vector<Sequence> sequences;
  std::map<uint64_t, uint32_t> made;
  sequences.reserve(due.size());
  for (const auto& d : due) {
    sequences.push_back(d.sequence);
    made[d.sequence.value()] = d.made;
  }
  auto items = feed_->At(sequences);
  if (!items.ok()) return items.status();
  std::vector<Sequence> gone;  // no longer stored: nothing to hand again
  for (const Sequence seq : sequences) {
    if (std::none_of(items->begin(), items->end(),
                     [&](const FeedItem& i) { return i.event.sequence == seq; })) {
      gone.push_back(seq);
    }
  }
  window_.Settle(Sequence(0), gone);
  for (auto& item : *items) {
    const uint32_t attempts = made[item.event.sequence.value()];
    if (attempts >= window_.limits().max_deliver) {
      item.event.attempt = attempts;
      actions.park.push_back(std::move(item.event));
      continue;
    }
    item.event.attempt = attempts + 1;
    item.event.again = true;
    again.push_back(std::move(item));
  }
  return absl::OkStatus();
}

void DeliverySession::Recovering(std::vector<FeedItem>& items, Actions& actions) {
  std::erase_if(items, [&](FeedItem& item) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    const uint64_t seq = item.event.sequence.value();
    if (item.event.sequence > recover_through_) return false;
    uint32_t made = 1;  // handed once unless a row says more
    if (auto row = rows_.find(seq); row != rows_.end()) {
      if (row->second.state == store::AttemptState::kAcked ||
          row->second.state == store::AttemptState::kParked) {
        return true;
      }
      // Released from parking: counts from 1 again.
      made = row->second.state == store::AttemptState::kReleased
                 ? 0
                 : std::max<uint32_t>(row->second.attempts, 1);
    }
    item.event.attempt = made;
    if (made >= window_.limits().max_deliver) {
      actions.park.push_back(item.event);
      return true;
    }
    item.event.attempt = made + 1;
    item.event.again = true;
    return false;
  });
}

}  // namespace safeshare::service
