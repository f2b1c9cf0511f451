#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "broker/audit/audit_entry.h"

namespace safeshare::audit {

// The version byte that starts every encoded entry: Entry::version. A change
// to the layout below gets a new version (and the store a new schema
// version), so a verifier can tell which layout an entry was hashed in.
inline constexpr uint8_t kEncodingVersion1 = 0x01;  // entries written before lines existed
inline constexpr uint8_t kEncodingVersion2 = 0x02;  // with lines and person hashes
inline constexpr uint8_t kEncodingVersion = kEncodingVersion2;  // what new entries use

// The canonical bytes of `entry` that its hash covers, the same on every
// machine (broker/audit/README.md documents them byte by byte):
//   the version byte (entry.version);
//   id, at_micros, clock_stepped_back_from: each a big-endian 64-bit two's
//   complement integer;
//   actor, action name, notification_id, case_ref, recipient, subscription,
//   rule, lawful_basis, purpose, detail, content_hash: each a big-endian
//   32-bit byte length followed by the UTF-8 bytes;
//   version 2 only: EncodeLines(entry).
// A version-1 entry has no lines or person hashes; should one have them (a
// tampered or misbuilt entry) they are appended all the same, so it cannot
// hash like the entry it was written as. prev_hash and entry_hash are not
// part of it. For the hash chain, the Merkle tree and exports.
std::string Encode(const Entry& entry);

// The part of a version-2 encoding after the version-1 fields: a big-endian
// 32-bit count of lines, each line as outcome name, agency,
// notification_id, case_ref, sequence (64-bit), agreement, rule, purpose,
// lawful_basis, content_hash, detail; then a 32-bit count of person hashes,
// each a string. The store keeps these bytes in a column.
std::string EncodeLines(const Entry& entry);
// Whether Encode ends with EncodeLines(entry), and so whether a store keeps
// those bytes: every entry but one of version 1 with neither lines nor
// person hashes (those were written before lines existed).
bool HasLinesSection(const Entry& entry);
// Reads EncodeLines' bytes into entry.lines and entry.person_hashes
// (replacing them). Empty bytes mean no lines and no person hashes (a
// version-1 row). DATA_LOSS, naming the byte offset, when the bytes are
// truncated, carry trailing bytes or name an unknown outcome.
absl::Status DecodeLines(std::string_view bytes, Entry& entry);

// The 32 bytes a 64-character lowercase hex SHA-256 stands for; nullopt when
// `hex` is not one.
std::optional<std::string> HashBytes(std::string_view hex);

}  // namespace safeshare::audit
