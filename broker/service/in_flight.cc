#include "broker/service/in_flight.h"

namespace safeshare::service {

size_t InFlightWindow::Room() const {
  return entries_.size() >= limits_.max_in_flight ? 0 : limits_.max_in_flight - entries_.size();
}

void InFlightWindow::Handed(const std::vector<FeedItem>& items, TimePoint now) {
  if (!items.empty()) next_due_ = std::min(next_due_, now + limits_.ack_wait);
  for (const auto& item : items) {
    entries_.insert_or_assign(item.event.sequence.value(),
                              Entry{item.event.attempt, now + limits_.ack_wait, /*busy=*/false});
  }
}

void InFlightWindow::Add(Sequence seq, uint32_t made, TimePoint now) {
  next_due_ = std::min(next_due_, now);
  entries_.insert_or_assign(seq.value(), Entry{made, now, /*busy=*/false});
}

void InFlightWindow::Settle(Sequence through, const std::vector<Sequence>& sequences) {
  entries_.erase(entries_.begin(), entries_.upper_bound(through.value()));
  for (const Sequence seq : sequences) entries_.erase(seq.value());
}

void InFlightWindow::Forget(const std::vector<store::DeliveredEvent>& parked) {
  for (const auto& e : parked) entries_.erase(e.sequence.value());
}

std::vector<InFlightWindow::Due> InFlightWindow::TakeDue(TimePoint now, size_t max) {
  std::vector<Due> due;
  for (auto& [seq, entry] : entries_) {
    if (due.size() >= max) break;
    if (entry.busy || entry.due > now) continue;
    entry.busy = true;
    due.push_back(Due{Sequence(seq), entry.attempt});
  }
  Recompute();
  return due;
}

bool InFlightWindow::AnyDue(TimePoint now) const {
  if (now < next_due_) return false;
  Recompute();
  return next_due_ <= now;
}

void InFlightWindow::Recompute() const {
  next_due_ = TimePoint::max();
  for (const auto& [seq, entry] : entries_) {
    if (!entry.busy) next_due_ = std::min(next_due_, entry.due);
  }
}

}  // namespace safeshare::service
