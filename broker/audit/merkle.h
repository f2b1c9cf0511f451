#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "broker/audit/audit_entry.h"

// The audit log as a Merkle tree, hashed as RFC 6962 / RFC 9162 section 2.1
// hashes it: leaf = SHA-256(0x00 || leaf bytes), node = SHA-256(0x01 || left
// || right), the empty tree's root = SHA-256 of nothing. Leaf k (0-based) is
// the canonical encoding (Encode) of the entry with id k + 1.
namespace safeshare::audit {

using Hash = std::array<uint8_t, 32>;

Hash LeafHash(std::string_view leaf_bytes);
Hash NodeHash(const Hash& left, const Hash& right);
Hash EmptyRoot();
// LeafHash(Encode(entry)).
Hash EntryLeafHash(const Entry& entry);

std::string HexOf(const Hash& hash);
std::string BytesOf(const Hash& hash);  // the 32 raw bytes
// INVALID_ARGUMENT unless `bytes` is exactly 32 bytes.
absl::StatusOr<Hash> HashFromBytes(std::string_view bytes);

// An append-only tree of leaf hashes with every complete subtree kept, so a
// root, an inclusion proof or a consistency proof for any size up to size()
// costs O(log^2 n) hashing. Memory: about 64 bytes per leaf (a leaf and, on
// average, one interior node). Not thread-safe: the owner serialises access.
class MerkleTree {
 public:
  void Append(const Hash& leaf);
  uint64_t size() const;
  // The root of the first `tree_size` leaves. INVALID_ARGUMENT past size().
  absl::StatusOr<Hash> Root(uint64_t tree_size) const;
  // RFC 9162 section 2.1.3.1: the path proving leaf `index` (0-based) is in
  // the tree of `tree_size` leaves. INVALID_ARGUMENT unless index < tree_size <= size().
  absl::StatusOr<std::vector<Hash>> InclusionProof(uint64_t index, uint64_t tree_size) const;
  // RFC 9162 section 2.1.4.1: proves the tree of `from_size` leaves is a
  // prefix of the tree of `to_size`. INVALID_ARGUMENT unless
  // 0 < from_size <= to_size <= size() (empty when they are equal).
  absl::StatusOr<std::vector<Hash>> ConsistencyProof(uint64_t from_size, uint64_t to_size) const;

 private:
  // MTH over leaves [begin, end), non-empty. Every range the RFC's recursion
  // reaches is a run of complete subtrees, so this hashes O(log n) nodes.
  Hash Subtree(uint64_t begin, uint64_t end) const;
  // RFC 9162 PATH(index, leaves [begin, end)) appended to `proof`.
  void Path(uint64_t index, uint64_t begin, uint64_t end, std::vector<Hash>& proof) const;
  // RFC 9162 SUBPROOF(m, leaves [begin, end), whole) appended to `proof`.
  void Subproof(uint64_t m, uint64_t begin, uint64_t end, bool whole,
                std::vector<Hash>& proof) const;

  // levels_[k][i]: the root of the complete subtree over leaves
  // [i * 2^k, (i + 1) * 2^k).
  std::vector<std::vector<Hash>> levels_;
};

// RFC 9162 section 2.1.3.2. DATA_LOSS saying what does not match.
absl::Status VerifyInclusion(const Hash& leaf, uint64_t index, uint64_t tree_size,
                             const std::vector<Hash>& proof, const Hash& root);
// RFC 9162 section 2.1.4.2. DATA_LOSS saying what does not match.
absl::Status VerifyConsistency(uint64_t from_size, uint64_t to_size, const Hash& from_root,
                               const Hash& to_root, const std::vector<Hash>& proof);

}  // namespace safeshare::audit
