// FakeStore's actions: RecordAction and ReadActions, as SqlStore's.
#include "broker/store/audit_entries.h"
#include "broker/store/fake_store.h"

namespace safeshare::store {

void FakeStore::RecordAction(NewAction a, Done<ActionResult> done) {
  SubmitTyped<ActionResult>(
      [this, a = std::move(a)](std::set<AgencyId>&)
          ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) -> absl::StatusOr<ActionResult> {
            for (size_t i = 0; i < notifications_.size(); ++i) {
              const Stored& stored = notifications_[i];
              if (stored.n.id != a.notification) continue;
              const Sequence seq(i + 1);
              auto facts = FactsOf(a.recipient, Sequence(i), seq, 1);
              if (facts.empty()) break;
              if (!acknowledged_.contains({a.recipient, seq})) {
                return errors::NotAcknowledged(a.notification, seq);
              }
              if (stored.content_deleted_at != 0 && !a.note.empty()) {
                return errors::NoteAfterDeletion(a.notification);
              }
              auto& recorded = actions_[seq.value()];
              for (const auto& first : recorded) {
                if (!a.idempotency_key.empty() && first.idempotency_key == a.idempotency_key &&
                    first.action.recipient == a.recipient) {
                  return ActionResult{first.action.action, first.action.recorded_at_micros, true};
                }
              }
              const int64_t now = clock_.WallMicros();
              recorded.push_back(
                  {StoredAction{a.recipient, a.action, now, a.note, 0}, a.idempotency_key});
              Append(entries::Actioned(a, facts.front()));
              return ActionResult{a.action, now, false};
            }
            return errors::NotDeliveredTo(a.notification, a.recipient);
          },
      std::move(done));
}

absl::StatusOr<std::vector<StoredAction>> FakeStore::ReadActions(const NotificationId& id) const {
  absl::MutexLock lock(&mu_);
  std::vector<StoredAction> out;
  for (size_t i = 0; i < notifications_.size(); ++i) {
    if (notifications_[i].n.id != id) continue;
    if (auto it = actions_.find(i + 1); it != actions_.end()) {
      for (const auto& recorded : it->second) out.push_back(recorded.action);
    }
  }
  return out;
}

}  // namespace safeshare::store
