#include "broker/audit/merkle.h"

#include <algorithm>

#include "broker/audit/encoding.h"
#include "broker/core/sha256.h"

namespace safeshare::audit {
namespace {

std::string_view View(const Hash& hash) {
  return {reinterpret_cast<const char*>(hash.data()), hash.size()};
}

// The largest power of two smaller than n (n >= 2): RFC 9162's split point k.
uint64_t SplitPoint(uint64_t n) {
  uint64_t k = 1;
  while (k << 1 < n) k <<= 1;
  return k;
}

bool IsPowerOfTwo(uint64_t n) { return n != 0 && (n & (n - 1)) == 0; }

// One step of RFC 9162's walk up the tree (2.1.3.2 step 4, 2.1.4.2 step 6):
// whether the next proof hash is the node's left sibling; moves fn and sn
// up to the level of the hash after it (skipping levels where the node, the
// last of its level, has no sibling).
bool SiblingIsLeftThenClimb(uint64_t& fn, uint64_t& sn) {
  const bool left = (fn & 1) != 0 || fn == sn;
  if (left) {
    while ((fn & 1) == 0 && fn != 0) {
      fn >>= 1;
      sn >>= 1;
    }
  }
  fn >>= 1;
  sn >>= 1;
  return left;
}

}  // namespace

Hash LeafHash(std::string_view leaf_bytes) {
  return Sha256Digest({std::string_view("\0", 1), leaf_bytes});
}

Hash NodeHash(const Hash& left, const Hash& right) {
  return Sha256Digest({std::string_view("\1", 1), View(left), View(right)});
}

Hash EmptyRoot() { return Sha256Digest({}); }

Hash EntryLeafHash(const Entry& entry) { return LeafHash(Encode(entry)); }

std::string HexOf(const Hash& hash) { return HexEncode(View(hash)); }

std::string BytesOf(const Hash& hash) { return std::string(View(hash)); }

absl::StatusOr<Hash> HashFromBytes(std::string_view bytes) {
  Hash hash{};
  if (bytes.size() != hash.size()) {
    return absl::InvalidArgumentError("a hash is 32 bytes, not " + std::to_string(bytes.size()));
  }
  std::copy(bytes.begin(), bytes.end(), hash.begin());
  return hash;
}

void MerkleTree::Append(const Hash& leaf) {
  if (levels_.empty()) levels_.emplace_back();
  levels_[0].push_back(leaf);
  // Each completed pair of subtrees completes one at the level above.
  for (size_t level = 0; levels_[level].size() % 2 == 0; ++level) {
    if (level + 1 == levels_.size()) levels_.emplace_back();
    const auto& below = levels_[level];
    levels_[level + 1].push_back(NodeHash(below[below.size() - 2], below.back()));
  }
}

uint64_t MerkleTree::size() const { return levels_.empty() ? 0 : levels_[0].size(); }

Hash MerkleTree::Subtree(uint64_t begin, uint64_t end) const {
  const uint64_t n = end - begin;
  // Every range RFC 9162's recursion reaches starts at a multiple of its
  // largest power-of-two part, so a complete one is kept whole.
  if (IsPowerOfTwo(n)) {
    const auto level = static_cast<size_t>(__builtin_ctzll(n));
    return levels_[level][begin >> level];
  }
  const uint64_t k = SplitPoint(n);
  return NodeHash(Subtree(begin, begin + k), Subtree(begin + k, end));
}

absl::StatusOr<Hash> MerkleTree::Root(uint64_t tree_size) const {
  if (tree_size > size()) {
    return absl::InvalidArgumentError("tree size " + std::to_string(tree_size) +
                                      " is past the log's " + std::to_string(size()) + " entries");
  }
  return tree_size == 0 ? EmptyRoot() : Subtree(0, tree_size);
}

void MerkleTree::Path(uint64_t index, uint64_t begin, uint64_t end,
                      std::vector<Hash>& proof) const {
  const uint64_t n = end - begin;
  if (n == 1) return;
  const uint64_t k = SplitPoint(n);
  if (index < k) {
    Path(index, begin, begin + k, proof);
    proof.push_back(Subtree(begin + k, end));
  } else {
    Path(index - k, begin + k, end, proof);
    proof.push_back(Subtree(begin, begin + k));
  }
}

absl::StatusOr<std::vector<Hash>> MerkleTree::InclusionProof(uint64_t index,
                                                             uint64_t tree_size) const {
  if (index >= tree_size || tree_size > size()) {
    return absl::InvalidArgumentError("no inclusion proof for leaf " + std::to_string(index) +
                                      " in a tree of " + std::to_string(tree_size) +
                                      " leaves: the log has " + std::to_string(size()));
  }
  std::vector<Hash> proof;
  Path(index, 0, tree_size, proof);
  return proof;
}

void MerkleTree::Subproof(uint64_t m, uint64_t begin, uint64_t end, bool whole,
                          std::vector<Hash>& proof) const {
  const uint64_t n = end - begin;
  if (m == n) {
    if (!whole) proof.push_back(Subtree(begin, end));
    return;
  }
  const uint64_t k = SplitPoint(n);
  if (m <= k) {
    Subproof(m, begin, begin + k, whole, proof);
    proof.push_back(Subtree(begin + k, end));
  } else {
    Subproof(m - k, begin + k, end, false, proof);
    proof.push_back(Subtree(begin, begin + k));
  }
}

absl::StatusOr<std::vector<Hash>> MerkleTree::ConsistencyProof(uint64_t from_size,
                                                               uint64_t to_size) const {
  if (from_size == 0 || from_size > to_size || to_size > size()) {
    return absl::InvalidArgumentError("no consistency proof from " + std::to_string(from_size) +
                                      " to " + std::to_string(to_size) + " leaves: the log has " +
                                      std::to_string(size()));
  }
  std::vector<Hash> proof;
  Subproof(from_size, 0, to_size, true, proof);
  return proof;
}

absl::Status VerifyInclusion(const Hash& leaf, uint64_t index, uint64_t tree_size,
                             const std::vector<Hash>& proof, const Hash& root) {
  if (index >= tree_size) {
    return absl::DataLossError("leaf " + std::to_string(index) + " is not in a tree of " +
                               std::to_string(tree_size) + " leaves");
  }
  uint64_t fn = index, sn = tree_size - 1;
  Hash r = leaf;
  for (const auto& p : proof) {
    if (sn == 0) return absl::DataLossError("the inclusion proof has more hashes than the path");
    r = SiblingIsLeftThenClimb(fn, sn) ? NodeHash(p, r) : NodeHash(r, p);
  }
  if (sn != 0) return absl::DataLossError("the inclusion proof has fewer hashes than the path");
  if (r != root) {
    return absl::DataLossError("the inclusion proof leads to another root: leaf " +
                               std::to_string(index) + " is not in this tree");
  }
  return absl::OkStatus();
}

absl::Status VerifyConsistency(uint64_t from_size, uint64_t to_size, const Hash& from_root,
                               const Hash& to_root, const std::vector<Hash>& proof) {
  if (from_size > to_size) {
    return absl::DataLossError("a tree of " + std::to_string(from_size) +
                               " leaves cannot be a prefix of one of " + std::to_string(to_size));
  }
  if (from_size == 0 || from_size == to_size) {
    // Nothing to prove beyond the roots themselves.
    if (!proof.empty()) return absl::DataLossError("the consistency proof should be empty");
    if (from_size == 0 ? from_root != EmptyRoot() : from_root != to_root) {
      return absl::DataLossError("the roots differ for the same tree size");
    }
    return absl::OkStatus();
  }
  if (proof.empty()) return absl::DataLossError("the consistency proof is empty");
  std::vector<Hash> path;
  path.reserve(proof.size() + 1);
  if (IsPowerOfTwo(from_size)) path.push_back(from_root);
  path.insert(path.end(), proof.begin(), proof.end());
  uint64_t fn = from_size - 1, sn = to_size - 1;
  while ((fn & 1) != 0) {
    fn >>= 1;
    sn >>= 1;
  }
  Hash fr = path[0], sr = path[0];
  for (size_t i = 1; i < path.size(); ++i) {
    const Hash& c = path[i];
    if (sn == 0) return absl::DataLossError("the consistency proof has more hashes than needed");
    if (SiblingIsLeftThenClimb(fn, sn)) {
      fr = NodeHash(c, fr);
      sr = NodeHash(c, sr);
    } else {
      sr = NodeHash(sr, c);
    }
  }
  if (sn != 0) return absl::DataLossError("the consistency proof has fewer hashes than needed");
  if (fr != from_root) {
    return absl::DataLossError("the first " + std::to_string(from_size) +
                               " leaves do not hash to the earlier root");
  }
  if (sr != to_root) {
    return absl::DataLossError("the tree of " + std::to_string(to_size) +
                               " leaves does not hash to the later root");
  }
  return absl::OkStatus();
}

}  // namespace safeshare::audit
