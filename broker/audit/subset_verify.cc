#include "broker/audit/subset_verify.h"

#include <utility>

#include "broker/audit/chain.h"
#include "broker/audit/entry_diff.h"
#include "broker/audit/merkle.h"

namespace safeshare::audit {
namespace {

std::string At(const Entry& entry) { return "entry " + std::to_string(entry.id) + ": "; }

bool HashMatches(const Entry& entry) {
  const std::string computed = EntryHash(entry.prev_hash, entry);
  return !computed.empty() && computed == entry.entry_hash;
}

}  // namespace

SubsetVerifier::SubsetVerifier(uint64_t signed_size, ReferenceLookup signed_log)
    : signed_size_(signed_size), signed_log_(std::move(signed_log)) {}

void SubsetVerifier::Add(const Entry& entry, std::string_view leaf_hash) {
  if (!result_.ok || !CheckOrder(entry) || !CheckAgainstSigned(entry) ||
      !CheckOwnHashes(entry, leaf_hash) || !CheckLink(entry)) {
    return;
  }
  last_id_ = entry.id;
  last_hash_ = entry.entry_hash;
  ++result_.entries;
  if (static_cast<uint64_t>(entry.id) <= signed_size_) ++result_.signed_entries;
}

bool SubsetVerifier::CheckOrder(const Entry& entry) {
  if (entry.id < 1) {
    Fail(entry, "entry " + std::to_string(entry.id) +
                    " is not an entry of the log: its entries are numbered from 1");
    return false;
  }
  if (entry.id > last_id_) return true;
  Fail(entry, "entry " + std::to_string(entry.id) + " comes after entry " +
                  std::to_string(last_id_) +
                  ": a filtered export lists each entry once, in log order");
  return false;
}

// Equal in every field the hash covers, and in its link (prev_hash): then
// it is the signed log's entry, whose hashes LogVerifier recomputed.
bool SubsetVerifier::CheckAgainstSigned(const Entry& entry) {
  if (static_cast<uint64_t>(entry.id) > signed_size_) return true;
  const std::optional<Entry> saved = signed_log_(entry.id);
  if (!saved) {
    Fail(entry, At(entry) + "not among the entries saved with the checkpoints, which cover 1 to " +
                    std::to_string(signed_size_));
    return false;
  }
  if (const auto differences = Differences(entry, *saved); !differences.empty()) {
    Fail(entry, At(entry) + DescribeDifferences(differences) +
                    (HashMatches(entry) ? " (and its hashes were recomputed to match: history "
                                          "was rewritten)"
                                        : ""));
    return false;
  }
  if (entry.prev_hash != saved->prev_hash) {
    Fail(entry, At(entry) + "prev_hash is \"" + entry.prev_hash + "\" but was \"" +
                    saved->prev_hash + "\" when saved");
    return false;
  }
  return true;
}

bool SubsetVerifier::CheckOwnHashes(const Entry& entry, std::string_view leaf_hash) {
  if (!HashMatches(entry)) {
    Fail(entry, At(entry) + "its fields do not hash to its recorded entry_hash");
    return false;
  }
  if (!leaf_hash.empty() && leaf_hash != HexOf(EntryLeafHash(entry))) {
    Fail(entry, At(entry) + "its leaf_hash is not the Merkle leaf hash of its fields");
    return false;
  }
  return true;
}

// Only when the entry before it in the log is in the subset too.
bool SubsetVerifier::CheckLink(const Entry& entry) {
  if (entry.id != last_id_ + 1) return true;
  const std::string_view expected = last_id_ == 0 ? kGenesisHash : std::string_view(last_hash_);
  if (entry.prev_hash == expected) return true;
  Fail(entry, At(entry) + "its prev_hash is not " +
                  (last_id_ == 0 ? std::string("the genesis hash")
                                 : "entry " + std::to_string(last_id_) + "'s hash") +
                  ": the chain is broken");
  return false;
}

void SubsetVerifier::Fail(const Entry& entry, const std::string& problem) {
  result_.ok = false;
  result_.first_bad_index = entry.id > 0 ? static_cast<uint64_t>(entry.id) : 0;
  result_.problem = problem;
}

}  // namespace safeshare::audit
