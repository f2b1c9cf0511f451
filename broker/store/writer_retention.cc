// Writer::DeleteContent and the checkpoint after it: retention deletes a
// notification's body and views (and the notes recipients recorded on it),
// and the bytes leave the files.
#include <string>

#include "broker/core/status_macros.h"
#include "broker/store/audit_entries.h"
#include "broker/store/writer.h"

namespace safeshare::store {

absl::StatusOr<uint32_t> Writer::DeleteContent(const std::vector<ContentDeletion>& deletions) {
  auto held = db_->Prepare(
      "SELECT id, case_ref, content_hash FROM notifications WHERE seq=?1 AND content_deleted_at=0");
  auto unacked = db_->Prepare("SELECT count(*) FROM deliveries WHERE seq=?1 AND acked_at=0");
  auto clear = db_->Prepare(
      "UPDATE notifications SET body=?3, body_key='', content_deleted_at=?2 WHERE seq=?1");
  auto views = db_->Prepare("DELETE FROM views WHERE seq=?1");
  // The recipients' notes on it go with it; the actions themselves stay.
  auto notes = db_->Prepare(
      "UPDATE actions SET note=?3, note_key='', note_deleted_at=?2 WHERE seq=?1 AND note_key<>''");
  for (const auto* s : {&held, &unacked, &clear, &views, &notes}) {
    if (!s->ok()) return s->status();
  }
  std::vector<entries::DeletedContent> deleted;
  for (const auto& d : deletions) {
    const auto seq = static_cast<int64_t>(d.sequence.value());
    auto found = held->Bind(1, seq).Step();
    if (!found.ok() || !*found) {  // deleted already, or never stored
      held->Reset();
      if (!found.ok()) return found.status();
      continue;
    }
    entries::DeletedContent row{d, NotificationId(held->Text(0)), CaseRef(held->Text(1)),
                                held->Text(2)};
    held->Reset();
    if (!d.acknowledged) {
      auto count = unacked->Bind(1, seq).Step();
      const bool settled = count.ok() && unacked->Int(0) == 0;
      unacked->Reset();
      if (!count.ok()) return count.status();
      if (settled) continue;  // acknowledged by all since it was chosen
    }
    SAFESHARE_RETURN_IF_ERROR(clear->Bind(1, seq).Bind(2, now_).BindBlob(3, "").Run());
    SAFESHARE_RETURN_IF_ERROR(views->Bind(1, seq).Run());
    SAFESHARE_RETURN_IF_ERROR(notes->Bind(1, seq).Bind(2, now_).BindBlob(3, "").Run());
    deleted.push_back(std::move(row));
  }
  if (deleted.empty()) return 0u;
  SAFESHARE_RETURN_IF_ERROR(Append(entries::ContentDeleted(deleted)));
  checkpoint_wanted_ = true;
  return static_cast<uint32_t>(deleted.size());
}

absl::StatusOr<bool> Writer::CheckpointLog() {
  auto scrubbed = database_->ScrubLog(*db_);
  if (scrubbed.ok() && *scrubbed) checkpoint_wanted_ = false;
  return scrubbed;
}

}  // namespace safeshare::store
