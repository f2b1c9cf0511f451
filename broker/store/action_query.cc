#include "broker/store/action_query.h"

#include "broker/store/body_seal.h"

namespace safeshare::store {

absl::StatusOr<std::vector<StoredAction>> QueryActions(Connection& db, const DataKeys& keys,
                                                       const NotificationId& id) {
  auto s = db.Prepare(
      "SELECT a.recipient, a.action, a.at, a.note, a.note_key, a.note_deleted_at"
      " FROM actions a JOIN notifications n ON n.seq=a.seq WHERE n.id=?1"
      " ORDER BY a.at, a.recipient, a.ordinal");
  if (!s.ok()) return s.status();
  s->Bind(1, id.value());
  struct Row {
    StoredAction action;
    std::string key;
  };
  auto rows = CollectRows<Row>(*s, [](const Statement& r) {
    return Row{StoredAction{AgencyId(r.Text(0)), r.Text(1), r.Int(2), r.Text(3), r.Int(5)},
               r.Text(4)};
  });
  if (!rows.ok()) return rows.status();
  std::vector<StoredAction> out;
  out.reserve(rows->size());
  for (auto& [action, key] : *rows) {
    if (!key.empty()) {
      auto note = keys.Open(key, action.note, NoteContext(id.value(), action.recipient.value()));
      if (!note.ok()) {
        std::string why(note.status().message());
        if (absl::IsDataLoss(note.status())) why += ": the store is damaged";
        return absl::Status(note.status().code(), "the note " + action.recipient.value() +
                                                      " recorded on notification " + id.value() +
                                                      ": " + why);
      }
      action.note = *std::move(note);
    }
    out.push_back(std::move(action));
  }
  return out;
}

}  // namespace safeshare::store
