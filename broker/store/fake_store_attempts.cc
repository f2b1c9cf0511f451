// FakeStore's acknowledgements, parking and release, and the reads of a
// subscription's delivery_attempts rows (the rest of FakeStore is in
// fake_store.cc and fake_store_subscriptions.cc).
#include <set>

#include "broker/store/ack_plan.h"
#include "broker/store/audit_entries.h"
#include "broker/store/fake_store.h"

namespace safeshare::store {

void FakeStore::Acknowledge(AckRequest request, Done<AckResult> done) {
  SubmitTyped<AckResult>([this, request = std::move(request)](std::set<AgencyId>&)
                             ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return DoAcknowledge(request); },
                         std::move(done));
}

absl::StatusOr<AckResult> FakeStore::DoAcknowledge(const AckRequest& request) {
  const auto key = std::make_pair(request.agency, request.name);
  auto it = subscriptions_.find(key);
  if (it == subscriptions_.end()) return errors::UnknownSubscription(request.name);
  auto& s = it->second;
  auto& rows = attempts_[key];
  const AckState state{s.acked_through, s.delivered_through, rows};
  auto plan = PlanAck(request, state,
                      [&](Sequence after, Sequence through) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
                        return absl::StatusOr<std::vector<DeliveryFacts>>(
                            Matching(request.agency, after, through, s.filter));
                      });
  if (!plan.ok()) return plan.status();
  for (const Sequence seq : plan->drop) rows.erase(seq.value());
  for (const Sequence seq : plan->acked_ahead) {
    rows[seq.value()] = DeliveryAttempt{seq, AttemptState::kAcked, 0, clock_.WallMicros()};
  }
  for (const auto& f : plan->settled)
    acknowledged_.try_emplace({request.agency, f.sequence}, clock_.WallMicros());
  if (auto entry = entries::Acknowledged(request.agency, request.name, plan->settled)) {
    Append(std::move(*entry));
  }
  s.acked_through = plan->acked_through;
  return AckResult{plan->acked_through, static_cast<uint32_t>(plan->settled.size())};
}

void FakeStore::Park(std::vector<DeliveredEvent> events, Done<uint32_t> done) {
  SubmitTyped<uint32_t>(
      [this, events = std::move(events)](std::set<AgencyId>&)
          ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) -> absl::StatusOr<uint32_t> { return DoPark(events); },
      std::move(done));
}

uint32_t FakeStore::DoPark(const std::vector<DeliveredEvent>& events) {
  std::vector<DeliveredEvent> parked;
  for (const auto& e : events) {
    const auto key = std::make_pair(e.recipient, e.subscription);
    auto sub = subscriptions_.find(key);
    if (sub == subscriptions_.end()) continue;  // deleted meanwhile
    auto& rows = attempts_[key];
    auto row = rows.find(e.sequence.value());
    if (row != rows.end() &&
        (row->second.state == AttemptState::kAcked || row->second.state == AttemptState::kParked)) {
      continue;
    }
    if (row == rows.end() && e.sequence <= sub->second.acked_through) continue;
    rows[e.sequence.value()] =
        DeliveryAttempt{e.sequence, AttemptState::kParked, e.attempt, clock_.WallMicros()};
    parked.push_back(e);
  }
  for (auto& entry : entries::Parked(parked)) Append(std::move(entry));
  return static_cast<uint32_t>(parked.size());
}

void FakeStore::ReleaseParked(AgencyId agency, SubscriptionName name,
                              std::vector<Sequence> sequences, Done<uint32_t> done) {
  SubmitTyped<uint32_t>(
      [this, agency = std::move(agency), name = std::move(name),
       sequences = std::move(sequences)](std::set<AgencyId>&)
          ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return DoReleaseParked(agency, name, sequences); },
      std::move(done));
}

absl::StatusOr<uint32_t> FakeStore::DoReleaseParked(const AgencyId& agency,
                                                    const SubscriptionName& name,
                                                    const std::vector<Sequence>& sequences) {
  if (!subscriptions_.contains({agency, name})) return errors::UnknownSubscription(name);
  auto& rows = attempts_[{agency, name}];
  std::set<uint64_t> chosen;
  for (const auto& [seq, row] : rows) {
    if (row.state == AttemptState::kParked && sequences.empty()) chosen.insert(seq);
  }
  for (const Sequence seq : sequences) {
    auto row = rows.find(seq.value());
    if (row == rows.end() || row->second.state != AttemptState::kParked) {
      return errors::NotParked(seq, name);
    }
    chosen.insert(seq.value());
  }
  std::vector<DeliveryFacts> released;
  for (const uint64_t seq : chosen) {
    for (auto& f : FactsOf(agency, Sequence(seq - 1), Sequence(seq), 1)) {
      released.push_back(std::move(f));
    }
    rows[seq] = DeliveryAttempt{Sequence(seq), AttemptState::kReleased, 0, clock_.WallMicros()};
  }
  if (!released.empty()) Append(entries::Released(agency, name, released));
  return static_cast<uint32_t>(released.size());
}

absl::StatusOr<std::vector<DeliveryAttempt>> FakeStore::ReadAttempts(const AgencyId& agency,
                                                                     const SubscriptionName& name,
                                                                     Sequence acked_through) const {
  absl::MutexLock lock(&mu_);
  std::vector<DeliveryAttempt> out;
  auto rows = attempts_.find({agency, name});
  if (rows == attempts_.end()) return out;
  for (const auto& [seq, row] : rows->second) {
    if (row.sequence > acked_through || row.state == AttemptState::kReleased ||
        row.state == AttemptState::kRedelivered) {
      out.push_back(row);
    }
  }
  return out;
}

absl::StatusOr<std::vector<ParkedDelivery>> FakeStore::ReadParked(const AgencyId& agency,
                                                                  const SubscriptionName& name,
                                                                  Sequence after,
                                                                  size_t limit) const {
  absl::MutexLock lock(&mu_);
  std::vector<ParkedDelivery> out;
  auto rows = attempts_.find({agency, name});
  if (rows == attempts_.end()) return out;
  for (auto it = rows->second.upper_bound(after.value());
       it != rows->second.end() && out.size() < limit; ++it) {
    if (it->second.state != AttemptState::kParked) continue;
    const auto& n = notifications_[it->first - 1].n;
    out.push_back(ParkedDelivery{it->second.sequence, n.id, n.case_ref, n.type, n.publisher,
                                 it->second.attempts, it->second.at_micros});
  }
  return out;
}

}  // namespace safeshare::store
