// Writer::RecordAction: a recipient records what it did about a delivery.
#include "broker/core/status_macros.h"
#include "broker/store/audit_entries.h"
#include "broker/store/delivery_query.h"
#include "broker/store/store.h"
#include "broker/store/writer.h"

namespace safeshare::store {
namespace {

// The recipient's delivery of the notification, whether or not its content
// is still held: the facts (columns as DeliveryQuery's), then acked_at and
// content_deleted_at.
constexpr const char* kDeliverySql =
    "SELECT d.seq, n.id, n.case_ref, d.rule, d.lawful_basis, d.purpose,"
    " CASE d.view WHEN 0 THEN n.content_hash ELSE coalesce(v.content_hash, '') END,"
    " d.agreement, d.linked_cases, d.urgent, d.acked_at, n.content_deleted_at"
    " FROM notifications n JOIN deliveries d ON d.seq=n.seq AND d.recipient=?2"
    " LEFT JOIN views v ON v.seq=d.seq AND v.view=d.view WHERE n.id=?1";

}  // namespace

absl::StatusOr<ActionResult> Writer::RecordAction(const NewAction& a, const SealedNote& note) {
  auto delivery = db_->Prepare(kDeliverySql);
  if (!delivery.ok()) return delivery.status();
  delivery->Bind(1, a.notification.value()).Bind(2, a.recipient.value());
  auto found = delivery->Step();
  if (!found.ok()) return found.status();
  if (!*found) return errors::NotDeliveredTo(a.notification, a.recipient);
  const DeliveryFacts facts = DeliveryFactsAt(*delivery);
  const bool acked = delivery->Int(kDeliveryFactsColumns) != 0;
  const bool content_deleted = delivery->Int(kDeliveryFactsColumns + 1) != 0;
  delivery->Reset();
  if (!acked) return errors::NotAcknowledged(a.notification, facts.sequence);
  if (content_deleted && !a.note.empty()) return errors::NoteAfterDeletion(a.notification);

  const auto seq = static_cast<int64_t>(facts.sequence.value());
  if (!a.idempotency_key.empty()) {
    auto first = db_->Prepare(
        "SELECT action, at FROM actions WHERE seq=?1 AND recipient=?2 AND idempotency_key=?3");
    if (!first.ok()) return first.status();
    first->Bind(1, seq).Bind(2, a.recipient.value()).Bind(3, a.idempotency_key);
    auto seen = first->Step();
    if (!seen.ok()) return seen.status();
    if (*seen) return ActionResult{first->Text(0), first->Int(1), /*duplicate=*/true};
  }
  auto next = db_->Prepare(
      "SELECT coalesce(max(ordinal), 0) + 1 FROM actions WHERE seq=?1 AND recipient=?2");
  if (!next.ok()) return next.status();
  next->Bind(1, seq).Bind(2, a.recipient.value());
  auto counted = next->Step();
  if (!counted.ok()) return counted.status();
  const int64_t ordinal = next->Int(0);
  next->Reset();

  auto insert = db_->Prepare(
      "INSERT INTO actions(seq, recipient, ordinal, action, at, idempotency_key, note, note_key)"
      " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
  if (!insert.ok()) return insert.status();
  SAFESHARE_RETURN_IF_ERROR(insert->Bind(1, seq)
                                .Bind(2, a.recipient.value())
                                .Bind(3, ordinal)
                                .Bind(4, a.action)
                                .Bind(5, now_)
                                .Bind(6, a.idempotency_key)
                                .BindBlob(7, note.sealed)
                                .Bind(8, note.key)
                                .Run());
  SAFESHARE_RETURN_IF_ERROR(Append(entries::Actioned(a, facts)));
  return ActionResult{a.action, now_, /*duplicate=*/false};
}

}  // namespace safeshare::store
