#pragma once

// An independent RFC 6962 Merkle tree for checking what the broker serves:
// written from the RFC's definitions (section 2.1), naive and recursive, and
// sharing no code with broker/audit. Hashes are raw 32-byte strings; `leaves`
// are leaf hashes (the broker reports each entry's as `leaf_hash`).
#include <openssl/sha.h>

#include <cstdint>
#include <string>
#include <vector>

namespace safeshare::testing::rfc6962 {

using Bytes = std::string;
using Leaves = std::vector<Bytes>;

inline Bytes Sha256(const Bytes& data) {
  unsigned char out[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), out);
  return Bytes(reinterpret_cast<const char*>(out), sizeof out);
}

inline Bytes Node(const Bytes& left, const Bytes& right) {
  return Sha256(std::string(1, '\x01') + left + right);
}

// The largest power of two smaller than n (n > 1).
inline uint64_t Split(uint64_t n) {
  uint64_t k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

// MTH(D[begin:end]).
inline Bytes Mth(const Leaves& d, uint64_t begin, uint64_t end) {
  const uint64_t n = end - begin;
  if (n == 0) return Sha256("");
  if (n == 1) return d[begin];
  const uint64_t k = Split(n);
  return Node(Mth(d, begin, begin + k), Mth(d, begin + k, end));
}

// PATH(m, D[begin:end]), leaf upwards.
inline std::vector<Bytes> Path(uint64_t m, const Leaves& d, uint64_t begin, uint64_t end) {
  const uint64_t n = end - begin;
  if (n <= 1) return {};
  const uint64_t k = Split(n);
  std::vector<Bytes> path;
  if (m < k) {
    path = Path(m, d, begin, begin + k);
    path.push_back(Mth(d, begin + k, end));
  } else {
    path = Path(m - k, d, begin + k, end);
    path.push_back(Mth(d, begin, begin + k));
  }
  return path;
}

// SUBPROOF(m, D[begin:end], b).
inline std::vector<Bytes> Subproof(uint64_t m, const Leaves& d, uint64_t begin, uint64_t end,
                                   bool b) {
  const uint64_t n = end - begin;
  if (m == n) return b ? std::vector<Bytes>{} : std::vector<Bytes>{Mth(d, begin, end)};
  const uint64_t k = Split(n);
  std::vector<Bytes> proof;
  if (m <= k) {
    proof = Subproof(m, d, begin, begin + k, b);
    proof.push_back(Mth(d, begin + k, end));
  } else {
    proof = Subproof(m - k, d, begin + k, end, false);
    proof.push_back(Mth(d, begin, begin + k));
  }
  return proof;
}

// PROOF(m, D[0:n]).
inline std::vector<Bytes> Proof(uint64_t m, const Leaves& d, uint64_t n) {
  return Subproof(m, d, 0, n, true);
}

// RFC 9162 section 2.1.3.2: the root an inclusion proof leads to, or "" when
// the proof is malformed.
inline Bytes RootFromInclusion(uint64_t index, uint64_t size, const Bytes& leaf,
                               const std::vector<Bytes>& path) {
  if (index >= size) return "";
  uint64_t fn = index, sn = size - 1;
  Bytes r = leaf;
  for (const auto& p : path) {
    if (sn == 0) return "";
    if ((fn & 1) == 1 || fn == sn) {
      r = Node(p, r);
      if ((fn & 1) == 0) {
        while ((fn & 1) == 0 && fn != 0) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      r = Node(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn == 0 ? r : "";
}

// RFC 9162 section 2.1.4.2: true when `proof` shows the tree of `first`
// leaves (root `first_root`) is a prefix of the tree of `second` (root
// `second_root`).
inline bool VerifyConsistency(uint64_t first, uint64_t second, const Bytes& first_root,
                              const Bytes& second_root, std::vector<Bytes> proof) {
  if (first == second) return proof.empty() && first_root == second_root;
  if (first == 0 || first > second || proof.empty()) return false;
  if ((first & (first - 1)) == 0) proof.insert(proof.begin(), first_root);  // a power of two
  uint64_t fn = first - 1, sn = second - 1;
  while ((fn & 1) == 1) {
    fn >>= 1;
    sn >>= 1;
  }
  Bytes fr = proof[0], sr = proof[0];
  for (size_t i = 1; i < proof.size(); ++i) {
    const Bytes& c = proof[i];
    if (sn == 0) return false;
    if ((fn & 1) == 1 || fn == sn) {
      fr = Node(c, fr);
      sr = Node(c, sr);
      if ((fn & 1) == 0) {
        while ((fn & 1) == 0 && fn != 0) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      sr = Node(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn == 0 && fr == first_root && sr == second_root;
}

}  // namespace safeshare::testing::rfc6962
