#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "broker/audit/audit_entry.h"

namespace safeshare::audit {

// The version byte that starts every encoded entry. A change to the layout
// below gets a new version (and the store a new schema version), so a
// verifier can tell which layout an entry was hashed in.
inline constexpr uint8_t kEncodingVersion = 0x01;

// The canonical bytes of `entry` that its hash covers, the same on every
// machine (broker/audit/README.md documents them byte by byte):
//   version byte 0x01;
//   id, at_micros, clock_stepped_back_from: each a big-endian 64-bit two's
//   complement integer;
//   actor, action name, notification_id, case_ref, recipient, subscription,
//   rule, lawful_basis, purpose, detail, content_hash: each a big-endian
//   32-bit byte length followed by the UTF-8 bytes.
// prev_hash and entry_hash are not part of it. For the hash chain, a later
// Merkle tree and exports.
std::string Encode(const Entry& entry);

// The 32 bytes a 64-character lowercase hex SHA-256 stands for; nullopt when
// `hex` is not one.
std::optional<std::string> HashBytes(std::string_view hex);

}  // namespace safeshare::audit
