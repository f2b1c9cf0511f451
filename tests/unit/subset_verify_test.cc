// Unit tests for broker/audit's SubsetVerifier: each entry of a filtered
// export is checked on its own, and links are checked where the export
// holds an entry and the one before it.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "broker/audit/subset_verify.h"
#include "sample_audit_entries.h"

namespace safeshare::audit {
namespace {

SubsetResult Verify(const std::vector<Entry>& entries, uint64_t signed_size,
                    const std::vector<Entry>& signed_log) {
  SubsetVerifier verifier(signed_size, ReferenceFrom(signed_log));
  for (const auto& e : entries) verifier.Add(e, HexOf(EntryLeafHash(e)));
  return verifier.Finish();
}

class SubsetVerifyTest : public ::testing::Test {
 protected:
  const std::vector<Entry> log_ = samples::Log(20);
  const std::vector<Entry> signed_{log_.begin(), log_.begin() + 10};  // saved up to 10
};

TEST_F(SubsetVerifyTest, EntriesBeforeAndAfterTheSignedSizeVerify) {
  const auto result = Verify({log_[0], log_[1], log_[6], log_[14], log_[15]}, 10, signed_);
  EXPECT_TRUE(result.ok) << result.problem;
  EXPECT_EQ(result.entries, 5u);
  EXPECT_EQ(result.signed_entries, 3u);
}

TEST_F(SubsetVerifyTest, AForgedLinkBetweenNeighboursAfterTheSignedSizeIsFound) {
  auto entries = std::vector<Entry>{log_[14], log_[15]};
  entries[1].prev_hash = log_[13].entry_hash;  // entry 16 re-linked to entry 14
  entries[1].entry_hash = EntryHash(entries[1].prev_hash, entries[1]);
  const auto result = Verify(entries, 10, signed_);
  EXPECT_FALSE(result.ok);
  EXPECT_EQ(result.first_bad_index, 16u);
  EXPECT_EQ(result.problem, "entry 16: its prev_hash is not entry 15's hash: the chain is broken");
}

TEST_F(SubsetVerifyTest, AnEntryMissingFromTheSignedLogIsNamed) {
  const auto result = Verify({log_[4]}, 10, {log_[0], log_[1]});
  EXPECT_FALSE(result.ok);
  EXPECT_EQ(result.problem,
            "entry 5: not among the entries saved with the checkpoints, which cover 1 to 10");
}

TEST_F(SubsetVerifyTest, ARepeatedEntryIsRefused) {
  const auto result = Verify({log_[4], log_[4]}, 10, signed_);
  EXPECT_FALSE(result.ok);
  EXPECT_EQ(result.problem,
            "entry 5 comes after entry 5: a filtered export lists each entry once, in log order");
}

}  // namespace
}  // namespace safeshare::audit
