#include "broker/service/delivery_state.h"

#include <algorithm>

namespace safeshare::service {
namespace {

// The lines of `e` about notification `id`: its own lines naming it, or,
// for an entry written before lines existed, the entry itself as one line.
std::vector<audit::Line> LinesAbout(const audit::Entry& e, const std::string& id) {
  std::vector<audit::Line> out;
  for (const auto& line : e.lines) {
    if (line.notification_id == id) out.push_back(line);
  }
  if (e.lines.empty() && e.notification_id == id) {
    out.push_back(audit::Line{.outcome = e.action, .agency = e.recipient});
  }
  return out;
}

class Folder {
 public:
  explicit Folder(DeliveryState& state) : state_(state) {}

  // A recipient of the published entry (or, before lines, a routed entry).
  void Routed(const audit::Line& line, int64_t at) {
    if (line.outcome != audit::Action::kRouted && line.outcome != audit::Action::kUrgentDisclosure)
      return;  // withheld: not a recipient
    if (Find(line.agency) != nullptr) return;
    state_.recipients.push_back(
        RecipientDelivery{.agency = AgencyId(line.agency),
                          .agreement = line.agreement,
                          .rule = line.rule,
                          .urgent = line.outcome == audit::Action::kUrgentDisclosure,
                          .routed_at_micros = at});
  }

  void Delivered(const audit::Entry& e, const std::string& agency) {
    RecipientDelivery* r = Find(agency);
    if (r == nullptr) return;
    if (r->first_delivered_at_micros == 0) r->first_delivered_at_micros = e.at_micros;
    r->last_delivered_at_micros = e.at_micros;
    ++r->deliveries;
    r->stage = std::max(r->stage, DeliveryStage::kDelivered);
  }

  // Parked after max_deliver attempts; released, it is delivered again.
  void Parked(const audit::Entry& e, const std::string& agency, bool parked) {
    RecipientDelivery* r = Find(agency);
    if (r == nullptr || r->stage >= DeliveryStage::kAcknowledged) return;
    r->stage = parked ? DeliveryStage::kParked : DeliveryStage::kDelivered;
    r->parked_at_micros = parked ? e.at_micros : 0;
  }

  void Acknowledged(const audit::Entry& e, const std::string& agency) {
    RecipientDelivery* r = Find(agency);
    if (r == nullptr || r->acknowledged_at_micros != 0) return;  // the first one counts
    r->acknowledged_at_micros = e.at_micros;
    r->acknowledged_by = e.subscription;
    r->stage = std::max(r->stage, DeliveryStage::kAcknowledged);
    r->parked_at_micros = 0;
  }

  // A recipient recorded what it did (it had acknowledged it first).
  void Actioned(const audit::Entry& e, const std::string& agency) {
    RecipientDelivery* r = Find(agency);
    if (r == nullptr) return;
    if (r->actioned_at_micros == 0) r->actioned_at_micros = e.at_micros;
    r->stage = DeliveryStage::kActioned;
    r->parked_at_micros = 0;
  }

  RecipientDelivery* Find(const std::string& agency) {
    auto it = std::find_if(state_.recipients.begin(), state_.recipients.end(),
                           [&](const RecipientDelivery& r) { return r.agency.value() == agency; });
    return it == state_.recipients.end() ? nullptr : &*it;
  }

 private:
  DeliveryState& state_;
};

}  // namespace

void AttachActions(DeliveryState& state, std::vector<store::StoredAction> actions) {
  Folder fold(state);
  for (auto& action : actions) {
    if (RecipientDelivery* r = fold.Find(action.recipient.value())) {
      r->actions.push_back(std::move(action));
    }
  }
}

absl::Status NotYourNotification(const NotificationId& id) {
  return absl::NotFoundError("notification_id: you published no notification '" + id.value() +
                             "'; ask about the ids your publishes were answered with");
}

absl::StatusOr<DeliveryState> FoldDeliveryState(const NotificationId& id, const AgencyId& publisher,
                                                const std::vector<audit::Entry>& entries) {
  DeliveryState state{.id = id};
  Folder fold(state);
  bool published = false;
  for (const auto& e : entries) {
    if (e.action == audit::Action::kPublished && e.notification_id == id.value()) {
      if (e.actor != publisher.value()) return NotYourNotification(id);
      published = true;
      state.case_ref = CaseRef(e.case_ref);
      state.published_at_micros = e.at_micros;
      for (const auto& line : e.lines) {
        state.sequence = Sequence(static_cast<uint64_t>(line.sequence));
        fold.Routed(line, e.at_micros);
      }
      continue;
    }
    if (!published) continue;  // nothing about a notification precedes its publish
    for (const auto& line : LinesAbout(e, id.value())) {
      switch (e.action) {
        case audit::Action::kRouted:  // one entry per recipient, before lines existed
        case audit::Action::kUrgentDisclosure:
          fold.Routed(audit::Line{.outcome = e.action, .agency = e.recipient, .rule = e.rule},
                      e.at_micros);
          break;
        case audit::Action::kDelivered:
          fold.Delivered(e, line.agency);
          break;
        case audit::Action::kAcknowledged:
          fold.Acknowledged(e, line.agency);
          break;
        case audit::Action::kActioned:
          fold.Actioned(e, line.agency);
          break;
        case audit::Action::kParked:
        case audit::Action::kReleased:
          fold.Parked(e, line.agency, e.action == audit::Action::kParked);
          break;
        case audit::Action::kContentDeleted:
          state.content_deleted_at_micros = e.at_micros;
          break;
        default:
          break;
      }
    }
  }
  if (!published) return NotYourNotification(id);
  return state;
}

}  // namespace safeshare::service
