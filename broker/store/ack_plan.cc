#include "broker/store/ack_plan.h"

#include <algorithm>
#include <set>

#include "broker/store/store.h"

namespace safeshare::store {
namespace {

bool Is(const AckState& state, uint64_t seq, AttemptState what) {
  auto it = state.attempts.find(seq);
  return it != state.attempts.end() && it->second.state == what;
}

}  // namespace

absl::StatusOr<AckPlan> PlanAck(const AckRequest& request, const AckState& state,
                                const MatchingDeliveries& matching) {
  AckPlan plan{.acked_through = state.acked_through};
  std::set<uint64_t> settled;  // sequences settled by this plan
  const auto settle = [&](const DeliveryFacts& f) {
    if (settled.insert(f.sequence.value()).second) plan.settled.push_back(f);
  };
  const auto one = [&](Sequence seq) -> absl::StatusOr<std::vector<DeliveryFacts>> {
    return matching(Sequence(seq.value() - 1), seq);
  };

  if (request.through > state.acked_through) {
    if (request.through > state.delivered_through) {
      return errors::NotDelivered(request.through, state.delivered_through, request.name);
    }
    auto range = matching(state.acked_through, request.through);
    if (!range.ok()) return range.status();
    for (const auto& f : *range) {
      const uint64_t seq = f.sequence.value();
      if (!Is(state, seq, AttemptState::kAcked) && !Is(state, seq, AttemptState::kParked)) {
        settle(f);
      }
    }
    plan.acked_through = request.through;
  }
  // Handed again at or below `through` after the position had passed them.
  for (const auto& [seq, row] : state.attempts) {
    if (seq > request.through.value() || seq > state.acked_through.value()) break;
    if (row.state != AttemptState::kReleased && row.state != AttemptState::kRedelivered) continue;
    auto facts = one(row.sequence);
    if (!facts.ok()) return facts.status();
    for (const auto& f : *facts) settle(f);
  }

  for (const Sequence seq : request.sequences) {
    auto row = state.attempts.find(seq.value());
    const bool has_row = row != state.attempts.end();
    if (has_row && row->second.state == AttemptState::kAcked) continue;  // a retry
    if (!has_row && seq <= plan.acked_through) continue;  // settled with the position
    if (!has_row && seq > state.delivered_through) {
      return errors::NotDelivered(seq, state.delivered_through, request.name, "sequences");
    }
    auto facts = one(seq);
    if (!facts.ok()) return facts.status();
    if (facts->empty()) return errors::NotADelivery(seq, request.name);
    settle(facts->front());
  }

  // Move the position over what is now settled or parked.
  const auto done_with = [&](uint64_t seq) {
    return settled.contains(seq) || Is(state, seq, AttemptState::kAcked) ||
           Is(state, seq, AttemptState::kParked);
  };
  // Only when something above the position is settled or parked: the
  // common cumulative acknowledgement reads nothing more.
  const bool any_ahead =
      std::any_of(settled.begin(), settled.end(),
                  [&](uint64_t seq) { return seq > plan.acked_through.value(); }) ||
      std::any_of(state.attempts.upper_bound(plan.acked_through.value()), state.attempts.end(),
                  [](const auto& row) {
                    return row.second.state == AttemptState::kAcked ||
                           row.second.state == AttemptState::kParked;
                  });
  if (any_ahead && plan.acked_through < state.delivered_through) {
    auto ahead = matching(plan.acked_through, state.delivered_through);
    if (!ahead.ok()) return ahead.status();
    for (const auto& f : *ahead) {
      if (!done_with(f.sequence.value())) break;
      plan.acked_through = f.sequence;
    }
  }

  // Rows: a settled delivery keeps none (above the new position it is a
  // kAcked row instead); kAcked rows the position passed go.
  for (const auto& f : plan.settled) {
    const uint64_t seq = f.sequence.value();
    if (state.attempts.contains(seq)) plan.drop.push_back(f.sequence);
    if (f.sequence > plan.acked_through) plan.acked_ahead.push_back(f.sequence);
  }
  for (const auto& [seq, row] : state.attempts) {
    if (seq > plan.acked_through.value()) break;
    if (row.state == AttemptState::kAcked) plan.drop.push_back(row.sequence);
  }
  std::sort(plan.settled.begin(), plan.settled.end(),
            [](const auto& a, const auto& b) { return a.sequence < b.sequence; });
  return plan;
}

}  // namespace safeshare::store
