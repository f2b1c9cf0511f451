// The writer's acknowledgements, parking and release: what happens to a
// subscription's deliveries after they are handed to its stream (the rest
// of Writer is in writer.cc and writer_subscriptions.cc).
#include <map>
#include <optional>
#include <set>

#include "broker/core/status_macros.h"
#include "broker/store/ack_plan.h"
#include "broker/store/attempts_query.h"
#include "broker/store/audit_entries.h"
#include "broker/store/store.h"
#include "broker/store/subscription_query.h"
#include "broker/store/writer.h"
#include "broker/store/writer_statements.h"

namespace safeshare::store {

absl::StatusOr<std::map<uint64_t, DeliveryAttempt>> Writer::Attempts(const AgencyId& agency,
                                                                     const SubscriptionName& name) {
  auto& s = stmts_->select_attempts;
  s.Bind(1, agency.value()).Bind(2, name.value());
  auto rows = CollectRows<DeliveryAttempt>(s, AttemptAt);
  if (!rows.ok()) return rows.status();
  std::map<uint64_t, DeliveryAttempt> out;
  for (auto& row : *rows) out.emplace(row.sequence.value(), row);
  return out;
}

absl::Status Writer::PutAttempt(const AgencyId& agency, const SubscriptionName& name,
                                const DeliveryAttempt& attempt) {
  return stmts_->upsert_attempt.Bind(1, agency.value())
      .Bind(2, name.value())
      .Bind(3, static_cast<int64_t>(attempt.sequence.value()))
      .Bind(4, static_cast<int64_t>(attempt.state))
      .Bind(5, static_cast<int64_t>(attempt.attempts))
      .Bind(6, attempt.at_micros)
      .Run();
}

absl::Status Writer::DropAttempt(const AgencyId& agency, const SubscriptionName& name,
                                 Sequence seq) {
  return stmts_->delete_attempt.Bind(1, agency.value())
      .Bind(2, name.value())
      .Bind(3, static_cast<int64_t>(seq.value()))
      .Run();
}

absl::StatusOr<AckResult> Writer::Acknowledge(const AckRequest& request) {
  const AgencyId& agency = request.agency;
  const SubscriptionName& name = request.name;
  auto& s = stmts_->get_cursor;
  s.Bind(1, agency.value()).Bind(2, name.value());
  auto row = s.Step();
  const bool exists = row.ok() && *row;
  AckState state;
  DeliveryFilter filter;
  if (exists) {
    state.acked_through = Sequence(static_cast<uint64_t>(s.Int(0)));
    filter = FilterFrom(s.View(1), s.View(2));
    state.delivered_through = Sequence(static_cast<uint64_t>(s.Int(3)));
  }
  s.Reset();
  if (!row.ok()) return row.status();
  if (!exists) return errors::UnknownSubscription(name);
  auto attempts = Attempts(agency, name);
  if (!attempts.ok()) return attempts.status();
  state.attempts = std::move(*attempts);
  // A repeated acknowledgement of what is settled writes nothing.
  if (request.through <= state.acked_through && request.sequences.empty() &&
      state.attempts.empty()) {
    return AckResult{state.acked_through, 0};
  }
  auto plan = PlanAck(request, state, [&](Sequence after, Sequence through) {
    return AcknowledgedRange(agency, static_cast<int64_t>(after.value()),
                             static_cast<int64_t>(through.value()), filter);
  });
  if (!plan.ok()) return plan.status();
  for (const Sequence seq : plan->drop) SAFESHARE_RETURN_IF_ERROR(DropAttempt(agency, name, seq));
  for (const Sequence seq : plan->acked_ahead) {
    SAFESHARE_RETURN_IF_ERROR(
        PutAttempt(agency, name, DeliveryAttempt{seq, AttemptState::kAcked, 0, now_}));
  }
  for (const auto& f : plan->settled) {
    SAFESHARE_RETURN_IF_ERROR(stmts_->mark_acked.Bind(1, agency.value())
                                  .Bind(2, static_cast<int64_t>(f.sequence.value()))
                                  .Bind(3, now_)
                                  .Run());
  }
  if (auto entry = entries::Acknowledged(agency, name, plan->settled)) {
    SAFESHARE_RETURN_IF_ERROR(Append(std::move(*entry)));
  }
  if (plan->acked_through != state.acked_through) {
    SAFESHARE_RETURN_IF_ERROR(stmts_->set_cursor.Bind(1, agency.value())
                                  .Bind(2, name.value())
                                  .Bind(3, static_cast<int64_t>(plan->acked_through.value()))
                                  .Run());
  }
  return AckResult{plan->acked_through, static_cast<uint32_t>(plan->settled.size())};
}

absl::StatusOr<uint32_t> Writer::Park(const std::vector<DeliveredEvent>& events) {
  std::vector<DeliveredEvent> parked;
  std::map<std::pair<AgencyId, SubscriptionName>, std::optional<SubscriptionRecord>> subs;
  std::map<std::pair<AgencyId, SubscriptionName>, std::map<uint64_t, DeliveryAttempt>> rows;
  for (const auto& e : events) {
    const auto key = std::make_pair(e.recipient, e.subscription);
    if (!subs.contains(key)) {
      auto found = QuerySubscription(*db_, e.recipient, e.subscription);
      if (!found.ok()) return found.status();
      subs[key] = std::move(*found);
      auto attempts = Attempts(e.recipient, e.subscription);
      if (!attempts.ok()) return attempts.status();
      rows[key] = std::move(*attempts);
    }
    if (!subs[key].has_value()) continue;  // deleted meanwhile
    auto row = rows[key].find(e.sequence.value());
    const bool has_row = row != rows[key].end();
    if (has_row &&
        (row->second.state == AttemptState::kAcked || row->second.state == AttemptState::kParked)) {
      continue;
    }
    if (!has_row && e.sequence <= subs[key]->acked_through) continue;  // settled meanwhile
    SAFESHARE_RETURN_IF_ERROR(
        PutAttempt(e.recipient, e.subscription,
                   DeliveryAttempt{e.sequence, AttemptState::kParked, e.attempt, now_}));
    parked.push_back(e);
  }
  for (auto& entry : entries::Parked(parked)) SAFESHARE_RETURN_IF_ERROR(Append(std::move(entry)));
  return static_cast<uint32_t>(parked.size());
}

absl::StatusOr<uint32_t> Writer::ReleaseParked(const AgencyId& agency, const SubscriptionName& name,
                                               const std::vector<Sequence>& sequences) {
  auto found = FindSubscription(agency, name);
  if (!found.ok()) return found.status();
  auto attempts = Attempts(agency, name);
  if (!attempts.ok()) return attempts.status();
  std::set<uint64_t> chosen;
  for (const auto& [seq, row] : *attempts) {
    if (row.state == AttemptState::kParked && sequences.empty()) chosen.insert(seq);
  }
  for (const Sequence seq : sequences) {
    auto row = attempts->find(seq.value());
    if (row == attempts->end() || row->second.state != AttemptState::kParked) {
      return errors::NotParked(seq, name);
    }
    chosen.insert(seq.value());
  }
  std::vector<DeliveryFacts> released;
  for (const uint64_t seq : chosen) {
    auto facts = AcknowledgedRange(agency, static_cast<int64_t>(seq - 1), static_cast<int64_t>(seq),
                                   DeliveryFilter{});
    if (!facts.ok()) return facts.status();
    released.insert(released.end(), facts->begin(), facts->end());
    SAFESHARE_RETURN_IF_ERROR(
        PutAttempt(agency, name, DeliveryAttempt{Sequence(seq), AttemptState::kReleased, 0, now_}));
  }
  if (!released.empty()) {
    SAFESHARE_RETURN_IF_ERROR(Append(entries::Released(agency, name, released)));
  }
  return static_cast<uint32_t>(released.size());
}

}  // namespace safeshare::store
