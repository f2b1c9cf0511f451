#pragma once

#include "absl/status/statusor.h"
#include "broker/audit/audit_entry.h"
#include "safeshare/v1/audit.pb.h"

// An audit entry as the contract carries it (Audit service, JSON-lines
// exports), and back, losing nothing the entry's hash covers: an exported
// entry re-encodes to the same bytes.
namespace safeshare::audit {

v1::AuditEntry ToProto(const Entry& entry);
// INVALID_ARGUMENT naming the field when an action or outcome is unknown or
// a version is not one this build reads.
absl::StatusOr<Entry> FromProto(const v1::AuditEntry& entry);

// One line of a JSON-lines export: the proto3 JSON mapping of `entry` with
// every field printed (empty ones too, so it re-imports to the same entry),
// no newline. The broker's export and the IG lead's saved entries use it.
std::string ToJsonLine(const v1::AuditEntry& entry);

}  // namespace safeshare::audit
