// The real `safeshare audit verify --filtered` on a filtered export (the
// entries of one case) of a log made with the broker's own audit code:
// each entry is checked against the entries saved with the checkpoints and
// its own hashes; an edited or reordered one is named, and exits 4.
#include <string>
#include <vector>

#include "tests/integration/audit_verify_fixture.h"

namespace safeshare::testing {
namespace {

// `verify --filtered` on the export of one case (CASE-3: entries 3, 10,
// ..., 94 under the checkpoint of 100, and 101, 108, 115 after it).
class FilteredExportTest : public ExportTest {
 protected:
  std::vector<Entry> OfCase(const std::string& case_ref) const {
    std::vector<Entry> entries;
    for (const auto& e : original_) {
      if (e.case_ref == case_ref) entries.push_back(e);
    }
    return entries;
  }
  Result VerifyFiltered(const std::vector<Entry>& entries) {
    WriteJsonLines(entries, dir_ / "case.jsonl");
    return Verify("--filtered --export " + (dir_ / "case.jsonl").string());
  }
  void ExpectNotVerified(const std::vector<Entry>& entries, const std::string& problem) {
    const auto r = VerifyFiltered(entries);
    EXPECT_EQ(r.exit_code, 4);
    EXPECT_EQ(r.out, "NOT VERIFIED: " + problem + "\n");
  }
  const std::vector<Entry> case_ = OfCase("CASE-3");
};

TEST_F(FilteredExportTest, EachEntryIsCheckedAgainstTheSignedLog) {
  ASSERT_EQ(case_.size(), 17u);
  const auto r = VerifyFiltered(case_);
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(r.out,
            "verified: 17 entries of a filtered export, each matches the signed log up to "
            "checkpoint size 100 (3 entries after it were checked against their own hashes "
            "only); a filtered export cannot show that no entry is missing\n");
}

TEST_F(FilteredExportTest, WithoutFilteredItIsReportedAsMissingEntriesWithTheHint) {
  WriteJsonLines(case_, dir_ / "case.jsonl");
  const auto r = Verify("--export " + (dir_ / "case.jsonl").string());
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_EQ(r.out, std::string("NOT VERIFIED: entries 1 to 2 are missing: the log starts at "
                               "entry 3") +
                       kUseFiltered + "\n");
  EXPECT_EQ(Verify("--filtered --db " + (dir_ / "copy.db").string()).exit_code, 2);
}

TEST_F(FilteredExportTest, AnEditedEntryTheCheckpointCoversIsNamedWithItsField) {
  auto entries = case_;
  entries[1].recipient = "probation";  // entry 10
  ExpectNotVerified(entries, "entry 10: recipient is \"probation\" but was \"police\" when saved");
  // Its hash recomputed to match: it is still not the signed log's entry.
  entries[1].entry_hash = audit::EntryHash(entries[1].prev_hash, entries[1]);
  ExpectNotVerified(entries,
                    "entry 10: recipient is \"probation\" but was \"police\" when saved (and "
                    "its hashes were recomputed to match: history was rewritten)");
}

TEST_F(FilteredExportTest, AnEntryAfterTheCheckpointIsCheckedAgainstItsOwnHashes) {
  auto entries = case_;
  entries[15].recipient = "probation";  // entry 108
  ExpectNotVerified(entries, "entry 108: its fields do not hash to its recorded entry_hash");

  // The leaf hash the export carries must be the one of the entry's fields.
  std::ofstream out(dir_ / "case.jsonl");
  for (const auto& entry : case_) {
    auto line = audit::ToProto(entry);
    if (entry.id == 115) line.set_leaf_hash(std::string(64, 'a'));
    out << audit::ToJsonLine(line) << '\n';
  }
  out.close();
  const auto r = Verify("--filtered --export " + (dir_ / "case.jsonl").string());
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_EQ(r.out,
            "NOT VERIFIED: entry 115: its leaf_hash is not the Merkle leaf hash of its fields\n");
}

TEST_F(FilteredExportTest, EntriesOutOfOrderAreNamed) {
  auto entries = case_;
  std::swap(entries[2], entries[3]);
  ExpectNotVerified(entries,
                    "entry 17 comes after entry 24: a filtered export lists each entry once, in "
                    "log order");
}

TEST_F(FilteredExportTest, TheSavedEntriesMustVerifyAgainstTheirCheckpoints) {
  auto saved = original_;
  saved[56].recipient = "probation";
  WriteJsonLines({saved.begin() + 50, saved.begin() + 100},
                 dir_ / "saved" / "entries-51-100.jsonl");
  ExpectNotVerified(case_, "the entries saved in " + (dir_ / "saved").string() +
                               " do not verify against its checkpoints: entry 57: its fields do "
                               "not hash to its recorded hash");
  for (const auto& file : fs::directory_iterator(dir_ / "saved")) {
    if (file.path().extension() == ".jsonl") fs::remove(file.path());
  }
  const auto r = VerifyFiltered(case_);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.out, HasSubstr("holds no entries-*.jsonl: a filtered export is compared with the "
                               "entries `safeshare audit checkpoint --save` keeps"));
}

// The same checks on a copy of a real store's database file.

}  // namespace
}  // namespace safeshare::testing
