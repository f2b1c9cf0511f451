#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "broker/audit/audit_entry.h"
#include "broker/audit/merkle.h"

namespace safeshare::audit {

// The hash of the (empty) log before its first entry.
inline constexpr std::string_view kGenesisHash =
    "0000000000000000000000000000000000000000000000000000000000000000";

// entry_hash of `entry` given the hash before it: the hex SHA-256 of the 32
// bytes of prev_hash followed by Encode(entry), so changing, inserting,
// removing or reordering any entry changes every later hash. Empty when
// prev_hash is not a 64-character lowercase hex hash.
std::string EntryHash(std::string_view prev_hash, const Entry& entry);

// Sets entry.prev_hash and entry.entry_hash so `entry` follows `head`.
// Returns the new head. Not thread-safe; one writer owns the chain.
std::string Link(std::string_view head, Entry& entry);

// Link, answering the entry's Merkle leaf hash (EntryLeafHash) as well: both
// come from one encoding of the entry, as a store appending it needs them.
Hash LinkAndLeaf(std::string_view head, Entry& entry);

// Checks that `entries` (consecutive, in id order) link up from
// `expected_prev` and that every hash matches its content. DATA_LOSS names
// the first entry that does not.
absl::Status VerifyChain(const std::vector<Entry>& entries,
                         std::string_view expected_prev = kGenesisHash);

}  // namespace safeshare::audit
