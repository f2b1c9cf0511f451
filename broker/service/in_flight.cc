#include "broker/service/in_flight.h"

namespace safeshare::service {

size_t InFlightWindow::Room() const {
  return entries_.size() >= limits_.max_in_flight ? 0 : limits_.max_in_flight - entries_.size();
}

void InFlightWindow::Handed(const std::vector<FeedItem>& items, TimePoint now) {
  for (const auto& item : items) {
    entries_.insert_or_assign(item.event.sequence.value(),
                              Entry{item, now + limits_.ack_wait, /*busy=*/false});
  }
}

void InFlightWindow::Add(FeedItem item, uint32_t made, TimePoint now) {
  item.event.attempt = made;
  const uint64_t seq = item.event.sequence.value();
  entries_.insert_or_assign(seq, Entry{std::move(item), now, /*busy=*/false});
}

void InFlightWindow::Settle(Sequence through, const std::vector<Sequence>& sequences) {
  entries_.erase(entries_.begin(), entries_.upper_bound(through.value()));
  for (const Sequence seq : sequences) entries_.erase(seq.value());
}

void InFlightWindow::Forget(const std::vector<store::DeliveredEvent>& parked) {
  for (const auto& e : parked) entries_.erase(e.sequence.value());
}

InFlightWindow::Due InFlightWindow::TakeDue(TimePoint now, size_t max) {
  Due due;
  for (auto& [seq, entry] : entries_) {
    if (due.again.size() + due.park.size() >= max) break;
    if (entry.busy || entry.due > now) continue;
    entry.busy = true;
    if (entry.item.event.attempt >= limits_.max_deliver) {
      due.park.push_back(entry.item.event);
      continue;
    }
    FeedItem again = entry.item;
    ++again.event.attempt;
    again.event.again = true;
    due.again.push_back(std::move(again));
  }
  return due;
}

bool InFlightWindow::AnyDue(TimePoint now) const {
  for (const auto& [seq, entry] : entries_) {
    if (!entry.busy && entry.due <= now) return true;
  }
  return false;
}

}  // namespace safeshare::service
