// Unit tests for broker/audit's offline verifier: every way of tampering
// with a copy of the log that the issue names is reported with the exact
// entry, and an intact log verifies against its checkpoints.
#include <string>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "broker/audit/chain.h"
#include "broker/audit/log_verify.h"
#include "sample_audit_entries.h"

namespace safeshare::audit {
namespace {

using samples::Decision;
using samples::Log;
using samples::Relink;
using ::testing::ElementsAre;

// Checkpoints of `log` at `sizes`, named as `checkpoint --save` names them.
std::vector<SavedCheckpoint> Checkpoints(const std::vector<Entry>& log,
                                         const std::vector<uint64_t>& sizes) {
  MerkleTree tree;
  for (const auto& e : log) tree.Append(EntryLeafHash(e));
  std::vector<SavedCheckpoint> out;
  out.reserve(sizes.size());
  for (const uint64_t size : sizes) {
    out.push_back(
        {.source = "checkpoint-" + std::to_string(size) + ".txt",
         .head = {.origin = "safeshare.test/audit", .tree_size = size, .root = *tree.Root(size)}});
  }
  return out;
}

VerifyResult Verify(const std::vector<Entry>& log, std::vector<SavedCheckpoint> checkpoints,
                    std::vector<Entry> reference = {}) {
  LogVerifier verifier(std::move(checkpoints), std::move(reference));
  for (const auto& e : log) verifier.Add(e);
  return verifier.Finish();
}

class LogVerifyTest : public ::testing::Test {
 protected:
  const std::vector<Entry> original_ = Log(100);
  const std::vector<SavedCheckpoint> checkpoints_ = Checkpoints(original_, {0, 50, 100});
};

TEST_F(LogVerifyTest, IntactLogVerifiesAgainstEveryCheckpoint) {
  const auto result = Verify(original_, checkpoints_, original_);
  EXPECT_TRUE(result.ok) << result.problem;
  EXPECT_EQ(result.entries, 100u);
  EXPECT_EQ(result.checkpoints_matched, 3u);
  EXPECT_EQ(result.first_bad_index, 0u);
  EXPECT_EQ(result.problem, "");
}

TEST_F(LogVerifyTest, ALogLongerThanItsLatestCheckpointVerifies) {
  auto longer = Log(130);
  EXPECT_TRUE(Verify(longer, checkpoints_).ok);
  EXPECT_TRUE(Verify({}, {}).ok);
}

TEST_F(LogVerifyTest, AnEditedRecipientIsNamedAgainstTheSavedEntry) {
  auto log = original_;
  log[56].recipient = "probation";
  const auto result = Verify(log, checkpoints_, original_);
  EXPECT_FALSE(result.ok);
  EXPECT_EQ(result.first_bad_index, 57u);
  EXPECT_EQ(result.problem, "entry 57: recipient is \"probation\" but was \"police\" when saved");
  EXPECT_EQ(result.entries, 56u);
  EXPECT_EQ(result.checkpoints_matched, 2u);  // 0 and 50; it stopped before 100
}

TEST_F(LogVerifyTest, AnEditedLineIsNamedByItsIndex) {
  auto log = original_;
  log[56].lines[1].agency = "health";
  log[56].lines[1].detail = "";
  const auto result = Verify(log, checkpoints_, original_);
  EXPECT_EQ(result.problem,
            "entry 57: lines[1].agency is \"health\" but was \"education\" when saved; "
            "lines[1].detail is \"\" but was \"no agreement\" when saved");
}

TEST_F(LogVerifyTest, AnEditedEntryWithoutASavedCopyFailsItsHash) {
  auto log = original_;
  log[56].recipient = "probation";
  const auto result = Verify(log, checkpoints_);
  EXPECT_EQ(result.first_bad_index, 57u);
  EXPECT_EQ(result.problem, "entry 57: its fields do not hash to its recorded hash");
}

TEST_F(LogVerifyTest, ADeletedEntryIsNamed) {
  auto log = original_;
  log.erase(log.begin() + 56);
  auto result = Verify(log, checkpoints_);
  EXPECT_EQ(result.first_bad_index, 57u);
  EXPECT_EQ(result.problem, "entry 57 is missing: entry 56 is followed by entry 58");

  log.erase(log.begin() + 56, log.begin() + 58);  // 58 and 59 too
  EXPECT_EQ(Verify(log, checkpoints_).problem,
            "entries 57 to 59 are missing: entry 56 is followed by entry 60");

  auto first = original_;
  first.erase(first.begin());
  result = Verify(first, checkpoints_);
  EXPECT_EQ(result.first_bad_index, 1u);
  EXPECT_EQ(result.problem, "entry 1 is missing: the log starts at entry 2");
}

TEST_F(LogVerifyTest, AnEntryDeletedBeforeTheLastIsMissingEvenAtTheEnd) {
  auto log = original_;
  log.erase(log.end() - 2);  // 99
  EXPECT_EQ(Verify(log, checkpoints_).problem,
            "entry 99 is missing: entry 98 is followed by entry 100");
}

TEST_F(LogVerifyTest, SwappedEntriesAreOutOfOrder) {
  auto log = original_;
  std::swap(log[56], log[57]);
  auto result = Verify(log, checkpoints_);
  EXPECT_EQ(result.first_bad_index, 57u);
  EXPECT_EQ(result.problem, "entries 57 and 58 are out of order");

  log = original_;
  std::swap(log[56], log[59]);  // 56, 60, 58, 59, 57, 61
  result = Verify(log, checkpoints_);
  EXPECT_EQ(result.first_bad_index, 57u);
  EXPECT_EQ(result.problem, "entry 60 is out of order: it comes before entry 58");
}

TEST_F(LogVerifyTest, ARepeatedEntryIsOutOfOrder) {
  auto log = original_;
  log.insert(log.begin() + 60, log[56]);
  const auto result = Verify(log, checkpoints_);
  EXPECT_EQ(result.first_bad_index, 61u);
  EXPECT_EQ(result.problem, "entry 57 is out of order: it comes after entry 60");
}

TEST_F(LogVerifyTest, ABrokenChainLinkIsNamed) {
  auto log = original_;
  log[57].prev_hash = log[55].entry_hash;  // 58 claims to follow 56
  log[57].entry_hash = EntryHash(log[57].prev_hash, log[57]);
  auto result = Verify(log, checkpoints_);
  EXPECT_EQ(result.first_bad_index, 58u);
  EXPECT_EQ(result.problem, "entry 58: its prev_hash is not entry 57's hash: the chain is broken");

  log = original_;
  log[0].prev_hash = std::string(64, 'f');
  log[0].entry_hash = EntryHash(log[0].prev_hash, log[0]);
  result = Verify(log, checkpoints_);
  EXPECT_EQ(result.first_bad_index, 1u);
  EXPECT_EQ(result.problem, "entry 1: its prev_hash is not the genesis hash: the chain is broken");
}

TEST_F(LogVerifyTest, ATruncatedTailIsShorterThanTheCheckpoint) {
  const std::vector<Entry> log(original_.begin(), original_.begin() + 80);
  auto result = Verify(log, checkpoints_);
  EXPECT_FALSE(result.ok);
  EXPECT_EQ(result.first_bad_index, 81u);
  EXPECT_EQ(result.problem,
            "the log ends at entry 80 but checkpoint checkpoint-100.txt covers 100 entries");
  EXPECT_EQ(result.checkpoints_matched, 2u);
  EXPECT_EQ(Verify({}, checkpoints_).problem,
            "the log is empty but checkpoint checkpoint-100.txt covers 100 entries");
}

// Entry 57 edited and every hash from there recomputed: the chain holds,
// only the checkpoints saved before tell.
std::vector<Entry> Rewritten(const std::vector<Entry>& original) {
  auto log = original;
  log[56].recipient = "probation";
  Relink(log);
  return log;
}

TEST_F(LogVerifyTest, AConsistentlyRewrittenHistoryFailsTheCheckpointRoot) {
  const auto log = Rewritten(original_);
  EXPECT_TRUE(VerifyChain(log).ok());
  const auto result = Verify(log, checkpoints_);
  EXPECT_FALSE(result.ok);
  EXPECT_EQ(result.first_bad_index, 0u);  // somewhere after checkpoint 50
  EXPECT_EQ(result.problem,
            "checkpoint checkpoint-100.txt: the log's first 100 entries hash to another root: "
            "history was rewritten (within entries 51 to 100)");
  EXPECT_EQ(result.checkpoints_matched, 2u);
}

TEST_F(LogVerifyTest, ARewrittenHistoryIsNamedExactlyAgainstTheSavedEntries) {
  const auto result = Verify(Rewritten(original_), checkpoints_, original_);
  EXPECT_EQ(result.first_bad_index, 57u);
  EXPECT_EQ(result.problem,
            "entry 57: recipient is \"probation\" but was \"police\" when saved (and its hashes "
            "were recomputed to match: history was rewritten)");
}

TEST_F(LogVerifyTest, ACheckpointOneEntryAfterTheLastMatchNamesTheEntry) {
  const auto result = Verify(Rewritten(original_), Checkpoints(original_, {56, 57}));
  EXPECT_EQ(result.first_bad_index, 57u);
  EXPECT_THAT(result.problem, ::testing::HasSubstr("history was rewritten (entry 57)"));
}

TEST_F(LogVerifyTest, SavedEntriesAreLookedUpOnceEachInIdOrder) {
  std::vector<int64_t> asked;
  LogVerifier verifier(checkpoints_, [&asked](int64_t id) -> std::optional<Entry> {
    asked.push_back(id);
    return std::nullopt;
  });
  for (const auto& e : std::vector<Entry>(original_.begin(), original_.begin() + 3)) {
    verifier.Add(e);
  }
  EXPECT_THAT(asked, ElementsAre(1, 2, 3));
}

TEST_F(LogVerifyTest, LaterEntriesAreIgnoredAfterTheFirstProblem) {
  auto log = original_;
  log[9].detail = "edited";
  log[19].detail = "edited too";
  const auto result = Verify(log, checkpoints_);
  EXPECT_EQ(result.first_bad_index, 10u);
  EXPECT_EQ(result.entries, 9u);
}

TEST(DifferingFieldsTest, NamesEveryEncodedFieldThatDiffers) {
  const Entry a = Decision(3);
  Entry b = a;
  EXPECT_TRUE(DifferingFields(a, b).empty());
  b.entry_hash = "not compared";  // the chain, not the entry
  EXPECT_TRUE(DifferingFields(a, b).empty());
  b.version = 1;
  b.action = Action::kWithheld;
  b.lines[0].sequence = 9;
  b.lines.pop_back();
  b.person_hashes[0] = "other";
  EXPECT_THAT(DifferingFields(a, b), ElementsAre("version", "action", "lines (count)",
                                                 "lines[0].sequence", "person_hashes[0]"));
  EXPECT_EQ(DescribeDifferences(Differences(a, b)).substr(0, 60),
            "version is 2 but was 1 when saved; action is \"published\" but");
}

}  // namespace
}  // namespace safeshare::audit
