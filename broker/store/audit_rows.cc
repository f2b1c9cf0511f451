#include "broker/store/audit_rows.h"

#include "broker/audit/encoding.h"

namespace safeshare::store {

absl::StatusOr<audit::Entry> AuditEntryFromRow(const Statement& r) {
  audit::Entry e{.id = r.Int(0), .at_micros = r.Int(1), .clock_stepped_back_from = r.Int(2)};
  e.actor = r.Text(3);
  // An unknown action name leaves the default, which then fails the hash.
  audit::ParseAction(r.View(4), e.action);
  e.notification_id = r.Text(5), e.case_ref = r.Text(6), e.recipient = r.Text(7);
  e.subscription = r.Text(8), e.rule = r.Text(9), e.lawful_basis = r.Text(10);
  e.purpose = r.Text(11), e.detail = r.Text(12), e.content_hash = r.Text(13);
  e.prev_hash = r.Text(14), e.entry_hash = r.Text(15);
  // A version that is not a byte is kept as 0, which then fails the hash.
  const int64_t version = r.Int(16);
  e.version = version >= 0 && version <= 0xff ? static_cast<uint8_t>(version) : 0;
  // A version 1 row has none (x''); lines found in one were put there later,
  // and are read so that its hash then fails.
  if (auto decoded = audit::DecodeLines(r.View(17), e); !decoded.ok()) {
    return absl::DataLossError("audit entry " + std::to_string(e.id) +
                               ": its lines cannot be read (" + std::string(decoded.message()) +
                               "); the store is damaged or was altered");
  }
  return e;
}

}  // namespace safeshare::store
