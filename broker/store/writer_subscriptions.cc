// The writer's operations on subscriptions: create, open, reset, delete,
// and the delivered position raised with each "delivered" record (the rest
// of Writer is in writer.cc).
#include <map>
#include <utility>

#include "broker/core/status_macros.h"
#include "broker/store/audit_entries.h"
#include "broker/store/delivery_query.h"
#include "broker/store/store.h"
#include "broker/store/subscription_query.h"
#include "broker/store/writer.h"
#include "broker/store/writer_statements.h"

namespace safeshare::store {

absl::StatusOr<SubscriptionRecord> Writer::FindSubscription(const AgencyId& agency,
                                                            const SubscriptionName& name) {
  auto found = QuerySubscription(*db_, agency, name);
  if (!found.ok()) return found.status();
  if (!found->has_value()) return errors::UnknownSubscription(name);
  return std::move(**found);
}

absl::StatusOr<SubscriptionRecord> Writer::InsertSubscription(const SubscriptionSpec& spec,
                                                              Sequence at) {
  auto count = CountSubscriptions(*db_, spec.agency);
  if (!count.ok()) return count.status();
  if (static_cast<size_t>(*count) >= spec.max_per_agency) {
    return errors::TooManySubscriptions(spec.agency, static_cast<size_t>(*count),
                                        spec.max_per_agency);
  }
  const std::string types = JoinTypes(spec.filter), cases = JoinCases(spec.filter.case_refs);
  SAFESHARE_RETURN_IF_ERROR(
      stmts_->insert_subscription.Bind(1, spec.agency.value())
          .Bind(2, spec.name.value())
          .Bind(3, static_cast<int64_t>(at.value()))
          .Bind(4, now_)
          .Bind(5, types)
          .Bind(6, cases)
          .Bind(7, static_cast<int64_t>(spec.consumer_mode == ConsumerMode::kExclusive ? 1 : 0))
          .Bind(8, static_cast<int64_t>(spec.settings.ack_wait_ms))
          .Bind(9, static_cast<int64_t>(spec.settings.max_deliver))
          .Bind(10, static_cast<int64_t>(spec.settings.max_in_flight))
          .Run());
  return SubscriptionRecord{spec.agency, spec.name,          now_,         spec.filter, at,
                            at,          spec.consumer_mode, spec.settings};
}

absl::StatusOr<SubscriptionRecord> Writer::CreateSubscription(const SubscriptionSpec& spec) {
  auto found = QuerySubscription(*db_, spec.agency, spec.name);
  if (!found.ok()) return found.status();
  if (found->has_value()) {
    if (auto same = SameSubscription(**found, spec); !same.ok()) return same;
    return std::move(**found);  // a retry: nothing written
  }
  auto at = PositionOf(spec.start, Latest());
  if (!at.ok()) return at.status();
  auto created = InsertSubscription(spec, *at);
  if (!created.ok()) return created.status();
  SAFESHARE_RETURN_IF_ERROR(Append(entries::SubscriptionCreated(*created, spec.start.from)));
  return created;
}

absl::StatusOr<SubscriptionRecord> Writer::OpenSubscription(const AgencyId& agency,
                                                            const SubscriptionName& name,
                                                            bool create_if_missing,
                                                            size_t max_per_agency) {
  auto found = QuerySubscription(*db_, agency, name);
  if (!found.ok()) return found.status();
  SubscriptionRecord record;
  if (found->has_value()) {
    record = std::move(**found);
  } else if (!create_if_missing) {
    return errors::MustCreateFirst(name);
  } else {
    auto created =
        InsertSubscription(SubscriptionSpec{agency, name, {}, {}, max_per_agency}, Sequence(0));
    if (!created.ok()) return created.status();
    SAFESHARE_RETURN_IF_ERROR(
        Append(entries::SubscriptionCreated(*created, StartFrom::kBeginning)));
    record = std::move(*created);
  }
  SAFESHARE_RETURN_IF_ERROR(Append(entries::Subscribed(agency, name, record.acked_through)));
  return record;
}

absl::StatusOr<SubscriptionRecord> Writer::ResetSubscription(const AgencyId& agency,
                                                             const SubscriptionName& name,
                                                             StartPosition to) {
  auto before = FindSubscription(agency, name);
  if (!before.ok()) return before.status();
  auto at = PositionOf(to, Latest());
  if (!at.ok()) return at.status();
  uint64_t skipped = 0;
  if (*at > before->acked_through) {
    auto backlog = QueryBacklog(*db_, agency, static_cast<int64_t>(before->acked_through.value()),
                                static_cast<int64_t>(at->value()), before->filter);
    if (!backlog.ok()) return backlog.status();
    skipped = backlog->count;
  }
  auto reset = db_->Prepare(
      "UPDATE subscriptions SET acked_through=?3, delivered_through=?3 WHERE agency=?1 AND "
      "name=?2");
  if (!reset.ok()) return reset.status();
  SAFESHARE_RETURN_IF_ERROR(reset->Bind(1, agency.value())
                                .Bind(2, name.value())
                                .Bind(3, static_cast<int64_t>(at->value()))
                                .Run());
  // Parked deliveries stay parked; every other row described deliveries
  // relative to the old position.
  auto forget = db_->Prepare(
      "DELETE FROM delivery_attempts WHERE agency=?1 AND subscription=?2 AND state<>2");
  if (!forget.ok()) return forget.status();
  SAFESHARE_RETURN_IF_ERROR(forget->Bind(1, agency.value()).Bind(2, name.value()).Run());
  SAFESHARE_RETURN_IF_ERROR(Append(entries::SubscriptionReset(*before, *at, skipped)));
  SubscriptionRecord after = std::move(*before);
  after.acked_through = after.delivered_through = *at;
  return after;
}

absl::StatusOr<SubscriptionRecord> Writer::DeleteSubscription(const AgencyId& agency,
                                                              const SubscriptionName& name) {
  auto found = FindSubscription(agency, name);
  if (!found.ok()) return found.status();
  auto parked = db_->Prepare(
      "SELECT count(*) FROM delivery_attempts WHERE agency=?1 AND subscription=?2 AND state=2");
  if (!parked.ok()) return parked.status();
  parked->Bind(1, agency.value()).Bind(2, name.value());
  auto counted = CollectRows<int64_t>(*parked, [](const Statement& r) { return r.Int(0); });
  if (!counted.ok()) return counted.status();
  for (const char* sql : {"DELETE FROM subscriptions WHERE agency=?1 AND name=?2",
                          "DELETE FROM delivery_attempts WHERE agency=?1 AND subscription=?2"}) {
    auto drop = db_->Prepare(sql);
    if (!drop.ok()) return drop.status();
    SAFESHARE_RETURN_IF_ERROR(drop->Bind(1, agency.value()).Bind(2, name.value()).Run());
  }
  const auto discarded = counted->empty() ? 0 : static_cast<uint64_t>(counted->front());
  SAFESHARE_RETURN_IF_ERROR(Append(entries::SubscriptionDeleted(*found, discarded)));
  return found;
}

absl::Status Writer::Delivered(const std::vector<DeliveredEvent>& events) {
  for (auto& e : entries::Delivered(events)) SAFESHARE_RETURN_IF_ERROR(Append(std::move(e)));
  // One row update per subscription of the batch, whatever its size.
  std::map<std::pair<AgencyId, SubscriptionName>, Sequence> highest;
  for (const auto& e : events) {
    auto& through = highest[{e.recipient, e.subscription}];
    if (e.sequence > through) through = e.sequence;
  }
  for (const auto& [key, through] : highest) {
    SAFESHARE_RETURN_IF_ERROR(stmts_->raise_delivered.Bind(1, key.first.value())
                                  .Bind(2, key.second.value())
                                  .Bind(3, static_cast<int64_t>(through.value()))
                                  .Run());
  }
  for (const auto& e : events) {
    if (!e.again) continue;
    SAFESHARE_RETURN_IF_ERROR(
        PutAttempt(e.recipient, e.subscription,
                   DeliveryAttempt{e.sequence, AttemptState::kRedelivered, e.attempt, now_}));
  }
  return absl::OkStatus();
}

}  // namespace safeshare::store
