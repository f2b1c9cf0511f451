// FakeStore's subscriptions: create, open, reset, delete and their reads
// (the rest of FakeStore is in fake_store.cc).
#include <algorithm>
#include <optional>

#include "broker/store/audit_entries.h"
#include "broker/store/fake_store.h"

namespace safeshare::store {

std::vector<DeliveryFacts> FakeStore::Matching(const AgencyId& agency, Sequence after,
                                               Sequence through,
                                               const DeliveryFilter& filter) const {
  auto facts = FactsOf(agency, after, through, SIZE_MAX);
  std::erase_if(facts, [&](const DeliveryFacts& f) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    const auto& stored = notifications_[f.sequence.value() - 1];
    return stored.content_deleted_at != 0 || !filter.Matches(stored.n.type, f.case_ref);
  });
  return facts;
}

absl::StatusOr<SubscriptionRecord> FakeStore::Insert(const SubscriptionSpec& spec, Sequence at) {
  size_t count = 0;
  for (auto it = subscriptions_.lower_bound({spec.agency, SubscriptionName("")});
       it != subscriptions_.end() && it->first.first == spec.agency; ++it) {
    ++count;
  }
  if (count >= spec.max_per_agency) {
    return errors::TooManySubscriptions(spec.agency, count, spec.max_per_agency);
  }
  SubscriptionRecord record{spec.agency, spec.name, clock_.WallMicros(), spec.filter,
                            at,          at,        spec.consumer_mode,  spec.settings};
  subscriptions_[{spec.agency, spec.name}] = record;
  return record;
}

void FakeStore::CreateSubscription(SubscriptionSpec spec, Done<SubscriptionRecord> done) {
  SubmitTyped<SubscriptionRecord>(
      [this, spec = std::move(spec)](std::set<AgencyId>&)
          ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return DoCreateSubscription(spec); },
      std::move(done));
}

absl::StatusOr<SubscriptionRecord> FakeStore::DoCreateSubscription(const SubscriptionSpec& spec) {
  if (auto it = subscriptions_.find({spec.agency, spec.name}); it != subscriptions_.end()) {
    if (auto same = SameSubscription(it->second, spec); !same.ok()) return same;
    return it->second;
  }
  auto at = PositionOf(spec.start, Sequence(notifications_.size()));
  if (!at.ok()) return at.status();
  auto created = Insert(spec, *at);
  if (created.ok()) Append(entries::SubscriptionCreated(*created, spec.start.from));
  return created;
}

void FakeStore::OpenSubscription(AgencyId agency, SubscriptionName name, bool create_if_missing,
                                 size_t max_per_agency, Done<SubscriptionRecord> done) {
  SubmitTyped<SubscriptionRecord>(
      [this, agency = std::move(agency), name = std::move(name), create_if_missing,
       max_per_agency](std::set<AgencyId>&) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return DoOpenSubscription(agency, name, create_if_missing, max_per_agency);
      },
      std::move(done));
}

absl::StatusOr<SubscriptionRecord> FakeStore::DoOpenSubscription(const AgencyId& agency,
                                                                 const SubscriptionName& name,
                                                                 bool create_if_missing,
                                                                 size_t max_per_agency) {
  absl::StatusOr<SubscriptionRecord> record = errors::MustCreateFirst(name);
  if (auto it = subscriptions_.find({agency, name}); it != subscriptions_.end()) {
    record = it->second;
  } else if (create_if_missing) {
    record = Insert(SubscriptionSpec{agency, name, {}, {}, max_per_agency}, Sequence(0));
    if (record.ok()) Append(entries::SubscriptionCreated(*record, StartFrom::kBeginning));
  }
  if (record.ok()) Append(entries::Subscribed(agency, name, record->acked_through));
  return record;
}

void FakeStore::ResetSubscription(AgencyId agency, SubscriptionName name, StartPosition to,
                                  Done<SubscriptionRecord> done) {
  SubmitTyped<SubscriptionRecord>(
      [this, agency = std::move(agency), name = std::move(name), to](std::set<AgencyId>&)
          ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return DoResetSubscription(agency, name, to); },
      std::move(done));
}

absl::StatusOr<SubscriptionRecord> FakeStore::DoResetSubscription(const AgencyId& agency,
                                                                  const SubscriptionName& name,
                                                                  StartPosition to) {
  auto it = subscriptions_.find({agency, name});
  if (it == subscriptions_.end()) return errors::UnknownSubscription(name);
  auto at = PositionOf(to, Sequence(notifications_.size()));
  if (!at.ok()) return at.status();
  auto& s = it->second;
  const uint64_t skipped =
      *at > s.acked_through ? Matching(agency, s.acked_through, *at, s.filter).size() : 0;
  Append(entries::SubscriptionReset(s, *at, skipped));
  s.acked_through = s.delivered_through = *at;
  std::erase_if(attempts_[{agency, name}],
                [](const auto& row) { return row.second.state != AttemptState::kParked; });
  return s;
}

void FakeStore::DeleteSubscription(AgencyId agency, SubscriptionName name,
                                   Done<SubscriptionRecord> done) {
  SubmitTyped<SubscriptionRecord>(
      [this, agency = std::move(agency), name = std::move(name)](std::set<AgencyId>&)
          ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) -> absl::StatusOr<SubscriptionRecord> {
            auto it = subscriptions_.find({agency, name});
            if (it == subscriptions_.end()) return errors::UnknownSubscription(name);
            SubscriptionRecord deleted = std::move(it->second);
            subscriptions_.erase(it);
            const auto rows = attempts_.extract({agency, name});
            const auto parked =
                rows.empty()
                    ? 0
                    : std::count_if(rows.mapped().begin(), rows.mapped().end(), [](const auto& r) {
                        return r.second.state == AttemptState::kParked;
                      });
            Append(entries::SubscriptionDeleted(deleted, static_cast<uint64_t>(parked)));
            return deleted;
          },
      std::move(done));
}

absl::StatusOr<DeliveryPage> FakeStore::ReadDeliveryPage(const AgencyId& agency, Sequence after,
                                                         size_t limit,
                                                         const DeliveryFilter& filter) const {
  absl::MutexLock lock(&mu_);
  const uint64_t latest = notifications_.size();
  const Sequence bound(std::max(after.value(), std::min(latest, after.value() + kMaxScanSpan)));
  DeliveryPage page{{}, bound};
  for (auto& facts : Matching(agency, after, bound, filter)) {
    if (page.deliveries.size() == limit) {
      page.scanned_through = page.deliveries.back().sequence;
      break;
    }
    const auto& stored = notifications_[facts.sequence.value() - 1];
    if (stored.content_deleted_at != 0) continue;
    uint32_t view = 0;
    for (const auto& r : stored.n.recipients) {
      if (r.agency == agency) view = r.view;
    }
    StoredDelivery d{std::move(facts), *ViewOf(stored, view).first};
    if (auto st = CheckContentHash(d); !st.ok()) return Damaged(st);
    page.deliveries.push_back(std::move(d));
  }
  return page;
}

absl::StatusOr<std::vector<SubscriptionStats>> FakeStore::ReadSubscriptions(
    const AgencyId& agency, const SubscriptionName& name) const {
  absl::MutexLock lock(&mu_);
  const Sequence latest(notifications_.size());
  std::vector<SubscriptionStats> out;
  for (auto it = subscriptions_.lower_bound({agency, SubscriptionName("")});
       it != subscriptions_.end() && it->first.first == agency; ++it) {
    const auto& s = it->second;
    if (!name.value().empty() && s.name != name) continue;
    SubscriptionStats stats{s, latest};
    const auto rows = attempts_.find(it->first);
    const auto state_of = [&](uint64_t seq)
                              ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) -> std::optional<AttemptState> {
      if (rows == attempts_.end()) return std::nullopt;
      auto row = rows->second.find(seq);
      if (row == rows->second.end()) return std::nullopt;
      return row->second.state;
    };
    for (const auto& f : Matching(agency, s.acked_through, latest, s.filter)) {
      const auto state = state_of(f.sequence.value());
      if (state == AttemptState::kAcked || state == AttemptState::kParked) continue;
      const int64_t at = notifications_[f.sequence.value() - 1].stored_at;
      if (stats.backlog++ == 0 || at < stats.oldest_unacked_micros)
        stats.oldest_unacked_micros = at;
      if (f.sequence <= s.delivered_through) ++stats.in_flight;
    }
    if (rows != attempts_.end()) {
      for (const auto& [seq, row] : rows->second) {
        if (row.state == AttemptState::kParked) ++stats.parked;
        if (row.state == AttemptState::kRedelivered && row.sequence <= s.acked_through) {
          ++stats.in_flight;
        }
      }
    }
    out.push_back(std::move(stats));
  }
  return out;
}

}  // namespace safeshare::store
