// Unit tests for broker/audit's Merkle tree: roots and proofs checked
// against a naive RFC 6962 (section 2.1) implementation written here from
// the RFC's definitions, independent of the code under test: MTH over a
// list, PATH and SUBPROOF by plain recursion, with OpenSSL's SHA256().
#include <openssl/sha.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "broker/audit/merkle.h"

namespace safeshare::audit {
namespace {

using ::testing::HasSubstr;

std::string Sha256(const std::string& bytes) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), digest);
  return std::string(reinterpret_cast<const char*>(digest), sizeof digest);
}

// RFC 6962 2.1: k is the largest power of two smaller than n.
size_t K(size_t n) {
  size_t k = 1;
  while (2 * k < n) k *= 2;
  return k;
}

using Leaves = std::vector<std::string>;  // the leaf data d(0)..d(n-1)

Leaves Slice(const Leaves& d, size_t from, size_t to) {
  return {d.begin() + static_cast<std::ptrdiff_t>(from),
          d.begin() + static_cast<std::ptrdiff_t>(to)};
}

// MTH(D[n]).
std::string Mth(const Leaves& d) {
  if (d.empty()) return Sha256("");
  if (d.size() == 1) return Sha256(std::string(1, '\0') + d[0]);
  const size_t k = K(d.size());
  return Sha256(std::string(1, '\1') + Mth(Slice(d, 0, k)) + Mth(Slice(d, k, d.size())));
}

// PATH(m, D[n]).
std::vector<std::string> NaivePath(size_t m, const Leaves& d) {
  if (d.size() == 1) return {};
  const size_t k = K(d.size());
  std::vector<std::string> path;
  if (m < k) {
    path = NaivePath(m, Slice(d, 0, k));
    path.push_back(Mth(Slice(d, k, d.size())));
  } else {
    path = NaivePath(m - k, Slice(d, k, d.size()));
    path.push_back(Mth(Slice(d, 0, k)));
  }
  return path;
}

// SUBPROOF(m, D[n], b).
std::vector<std::string> NaiveSubproof(size_t m, const Leaves& d, bool b) {
  if (m == d.size()) return b ? std::vector<std::string>{} : std::vector<std::string>{Mth(d)};
  const size_t k = K(d.size());
  std::vector<std::string> proof;
  if (m <= k) {
    proof = NaiveSubproof(m, Slice(d, 0, k), b);
    proof.push_back(Mth(Slice(d, k, d.size())));
  } else {
    proof = NaiveSubproof(m - k, Slice(d, k, d.size()), false);
    proof.push_back(Mth(Slice(d, 0, k)));
  }
  return proof;
}

std::vector<std::string> Raw(const std::vector<Hash>& hashes) {
  std::vector<std::string> raw;
  raw.reserve(hashes.size());
  for (const auto& h : hashes) raw.push_back(BytesOf(h));
  return raw;
}

Hash FromRaw(const std::string& raw) { return *HashFromBytes(raw); }

constexpr size_t kMaxSize = 70;

struct Fixture {
  Leaves data;
  MerkleTree tree;
  Fixture() {
    for (size_t i = 0; i < kMaxSize; ++i) {
      data.push_back("entry " + std::to_string(i));
      tree.Append(LeafHash(data.back()));
    }
  }
};

const Fixture& Tree() {
  static const Fixture* const fixture = new Fixture;
  return *fixture;
}

TEST(MerkleTest, EmptyRootIsSha256OfNothing) {
  EXPECT_EQ(HexOf(EmptyRoot()), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  MerkleTree tree;
  EXPECT_EQ(tree.size(), 0u);
  EXPECT_EQ(*tree.Root(0), EmptyRoot());
}

TEST(MerkleTest, LeafAndNodeHashesAreDomainSeparated) {
  EXPECT_EQ(BytesOf(LeafHash("abc")), Sha256(std::string(1, '\0') + "abc"));
  const Hash a = LeafHash("a"), b = LeafHash("b");
  EXPECT_EQ(BytesOf(NodeHash(a, b)), Sha256(std::string(1, '\1') + BytesOf(a) + BytesOf(b)));
  EXPECT_NE(NodeHash(a, b), NodeHash(b, a));
}

TEST(MerkleTest, RootOfEveryPrefixMatchesTheNaiveMth) {
  const auto& f = Tree();
  ASSERT_EQ(f.tree.size(), kMaxSize);
  for (size_t n = 0; n <= kMaxSize; ++n) {
    EXPECT_EQ(BytesOf(*f.tree.Root(n)), Mth(Slice(f.data, 0, n))) << n;
  }
}

TEST(MerkleTest, InclusionProofsMatchTheNaivePathAndVerify) {
  const auto& f = Tree();
  for (size_t n = 1; n <= kMaxSize; ++n) {
    const Leaves prefix = Slice(f.data, 0, n);
    const Hash root = FromRaw(Mth(prefix));
    for (size_t m = 0; m < n; ++m) {
      const auto proof = f.tree.InclusionProof(m, n);
      ASSERT_TRUE(proof.ok()) << m << " of " << n;
      EXPECT_EQ(Raw(*proof), NaivePath(m, prefix)) << m << " of " << n;
      EXPECT_TRUE(VerifyInclusion(LeafHash(f.data[m]), m, n, *proof, root).ok())
          << m << " of " << n;
    }
  }
}

TEST(MerkleTest, ConsistencyProofsMatchTheNaiveSubproofAndVerify) {
  const auto& f = Tree();
  for (size_t n = 1; n <= kMaxSize; ++n) {
    const Leaves later = Slice(f.data, 0, n);
    const Hash later_root = FromRaw(Mth(later));
    for (size_t m = 1; m <= n; ++m) {
      const auto proof = f.tree.ConsistencyProof(m, n);
      ASSERT_TRUE(proof.ok()) << m << " to " << n;
      EXPECT_EQ(Raw(*proof), NaiveSubproof(m, later, true)) << m << " to " << n;
      const Hash earlier_root = FromRaw(Mth(Slice(f.data, 0, m)));
      EXPECT_TRUE(VerifyConsistency(m, n, earlier_root, later_root, *proof).ok())
          << m << " to " << n;
    }
  }
}

TEST(MerkleTest, AChangedProofHashFailsVerification) {
  const auto& f = Tree();
  const uint64_t n = 70, m = 37;
  const Hash root = *f.tree.Root(n);
  auto inclusion = *f.tree.InclusionProof(m, n);
  for (size_t i = 0; i < inclusion.size(); ++i) {
    auto tampered = inclusion;
    tampered[i][5] ^= 0x01;
    const auto status = VerifyInclusion(LeafHash(f.data[m]), m, n, tampered, root);
    EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss) << i;
  }
  // The right proof for another leaf, or for another position, fails too.
  EXPECT_FALSE(VerifyInclusion(LeafHash(f.data[m + 1]), m, n, inclusion, root).ok());
  EXPECT_FALSE(VerifyInclusion(LeafHash(f.data[m]), m + 1, n, inclusion, root).ok());
  inclusion.pop_back();
  EXPECT_THAT(std::string(VerifyInclusion(LeafHash(f.data[m]), m, n, inclusion, root).message()),
              HasSubstr("fewer hashes"));

  const uint64_t from = 21;
  const Hash from_root = *f.tree.Root(from);
  auto consistency = *f.tree.ConsistencyProof(from, n);
  for (size_t i = 0; i < consistency.size(); ++i) {
    auto tampered = consistency;
    tampered[i][0] ^= 0x80;
    EXPECT_EQ(VerifyConsistency(from, n, from_root, root, tampered).code(),
              absl::StatusCode::kDataLoss)
        << i;
  }
  Hash other_root = from_root;
  other_root[31] ^= 1;
  EXPECT_THAT(std::string(VerifyConsistency(from, n, other_root, root, consistency).message()),
              HasSubstr("do not hash to the earlier root"));
  EXPECT_FALSE(VerifyConsistency(from, n, from_root, other_root, consistency).ok());
  EXPECT_FALSE(VerifyConsistency(from, n, from_root, root, {}).ok());
}

TEST(MerkleTest, ARewrittenHistoryFailsTheConsistencyProof) {
  const auto& f = Tree();
  MerkleTree rewritten;
  for (size_t i = 0; i < 50; ++i) {
    rewritten.Append(LeafHash(i == 17 ? "entry 17, edited" : f.data[i]));
  }
  const auto proof = *rewritten.ConsistencyProof(30, 50);
  EXPECT_EQ(VerifyConsistency(30, 50, *f.tree.Root(30), *rewritten.Root(50), proof).code(),
            absl::StatusCode::kDataLoss);
}

TEST(MerkleTest, EqualSizesNeedNoProofButTheSameRoot) {
  const auto& f = Tree();
  const Hash root = *f.tree.Root(9);
  EXPECT_TRUE(f.tree.ConsistencyProof(9, 9)->empty());
  EXPECT_TRUE(VerifyConsistency(9, 9, root, root, {}).ok());
  EXPECT_FALSE(VerifyConsistency(9, 9, root, *f.tree.Root(8), {}).ok());
  EXPECT_TRUE(VerifyConsistency(0, 9, EmptyRoot(), root, {}).ok());
}

TEST(MerkleTest, OutOfRangeRequestsAreInvalidArgument) {
  const auto& f = Tree();
  EXPECT_EQ(f.tree.Root(kMaxSize + 1).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(f.tree.InclusionProof(5, 5).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(f.tree.InclusionProof(0, kMaxSize + 1).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(f.tree.ConsistencyProof(0, 5).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(f.tree.ConsistencyProof(6, 5).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(HashFromBytes("short").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(VerifyInclusion(EmptyRoot(), 5, 5, {}, EmptyRoot()).code(),
            absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace safeshare::audit
