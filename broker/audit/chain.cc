#include "broker/audit/chain.h"

#include "broker/audit/encoding.h"
#include "broker/core/sha256.h"

namespace safeshare::audit {
namespace {

std::string ChainHash(std::string_view prev_hash, std::string_view encoded) {
  const auto prev = HashBytes(prev_hash);
  // A malformed predecessor hash (only a tampered row has one) links nothing.
  if (!prev) return std::string();
  return HexOf(Sha256Digest({*prev, encoded}));
}

}  // namespace

std::string EntryHash(std::string_view prev_hash, const Entry& e) {
  return ChainHash(prev_hash, Encode(e));
}

std::string Link(std::string_view head, Entry& entry) {
  entry.prev_hash = std::string(head);
  entry.entry_hash = EntryHash(head, entry);
  return entry.entry_hash;
}

Hash LinkAndLeaf(std::string_view head, Entry& entry) {
  const std::string encoded = Encode(entry);
  entry.prev_hash = std::string(head);
  entry.entry_hash = ChainHash(head, encoded);
  return LeafHash(encoded);
}

absl::Status VerifyChain(const std::vector<Entry>& entries, std::string_view expected_prev) {
  std::string prev(expected_prev);
  for (const auto& e : entries) {
    const auto at = "audit entry " + std::to_string(e.id);
    if (e.prev_hash != prev) {
      return absl::DataLossError(at +
                                 " does not follow the entry before it: an entry was removed, "
                                 "inserted or reordered");
    }
    const auto computed = EntryHash(prev, e);
    if (computed.empty() || computed != e.entry_hash) {
      return absl::DataLossError(at + " was altered after it was written (hash mismatch)");
    }
    prev = e.entry_hash;
  }
  return absl::OkStatus();
}

}  // namespace safeshare::audit
