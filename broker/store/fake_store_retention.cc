// FakeStore's retention: ReadHeld and DeleteContent, as SqliteStore's.
#include <algorithm>

#include "broker/store/audit_entries.h"
#include "broker/store/fake_store.h"

namespace safeshare::store {

absl::StatusOr<std::vector<HeldNotification>> FakeStore::ReadHeld(
    Sequence after, const std::vector<std::string>& types, size_t limit) const {
  absl::MutexLock lock(&mu_);
  std::vector<HeldNotification> out;
  for (size_t i = after.value(); i < notifications_.size() && out.size() < limit; ++i) {
    const auto& stored = notifications_[i];
    const auto& n = stored.n;
    if (stored.content_deleted_at != 0 ||
        std::find(types.begin(), types.end(), n.type) == types.end()) {
      continue;
    }
    HeldNotification held{Sequence(i + 1), n.id, n.case_ref, n.type, stored.stored_at, {}, 0};
    int64_t last_acknowledged = 0;
    for (const auto& r : n.recipients) {
      const auto acked = acknowledged_.find({r.agency, held.sequence});
      if (acked == acknowledged_.end()) {
        held.unacknowledged.push_back(r.agency);
      } else {
        last_acknowledged = std::max(last_acknowledged, acked->second);
      }
    }
    // As SqliteStore: the last acknowledgement only of one every recipient acknowledged.
    if (held.unacknowledged.empty()) held.last_acknowledged_micros = last_acknowledged;
    out.push_back(std::move(held));
  }
  return out;
}

void FakeStore::DeleteContent(std::vector<ContentDeletion> deletions, Done<uint32_t> done) {
  SubmitTyped<uint32_t>(
      [this, deletions = std::move(deletions)](std::set<AgencyId>&)
          ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) -> absl::StatusOr<uint32_t> {
            std::vector<entries::DeletedContent> deleted;
            for (const auto& d : deletions) {
              const uint64_t seq = d.sequence.value();
              if (seq == 0 || seq > notifications_.size()) continue;
              auto& stored = notifications_[seq - 1];
              if (stored.content_deleted_at != 0) continue;
              const auto& recipients = stored.n.recipients;
              const bool all_acked =
                  std::all_of(recipients.begin(), recipients.end(),
                              [&](const Recipient& r) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
                                return acknowledged_.contains({r.agency, d.sequence});
                              });
              if (!d.acknowledged && all_acked) continue;
              stored.body.clear();
              for (auto& view : stored.views) view.clear();  // kept in place: ViewOf indexes them
              stored.content_deleted_at = clock_.WallMicros();
              for (auto& recorded : actions_[seq]) {  // the notes go with it
                if (recorded.action.note.empty()) continue;
                recorded.action.note.clear();
                recorded.action.note_deleted_at_micros = stored.content_deleted_at;
              }
              deleted.push_back({d, stored.n.id, stored.n.case_ref, stored.n.content_hash});
            }
            if (!deleted.empty()) Append(entries::ContentDeleted(deleted));
            return static_cast<uint32_t>(deleted.size());
          },
      std::move(done));
}

}  // namespace safeshare::store
