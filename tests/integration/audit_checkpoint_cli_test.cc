// `safeshare audit checkpoint`, and `verify` on what it saved and on the
// broker's exports and store, the real command against the real broker
// over mutual TLS with the IG certificate (audit_cli_fixture.h).
#include <filesystem>
#include <fstream>

#include "tests/integration/audit_cli_fixture.h"

namespace safeshare::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST_F(AuditCliTest, CheckpointSavesTwiceConsistentlyAndVerifyAcceptsTheLog) {
  const std::string dir = Dir("kept");
  CheckpointAfter(0);
  const auto first = Audit("checkpoint --save " + dir);
  ASSERT_EQ(first.exit_code, 0) << first.output;
  EXPECT_THAT(first.output, HasSubstr("pinned the broker's key in " + dir + "/verifier.key"));
  EXPECT_THAT(first.output, HasSubstr("signature verified)"));
  EXPECT_EQ(ReadFile(dir + "/verifier.key").rfind("safeshare.test/audit+", 0), 0u);
  const uint64_t size = LatestSaved(dir);
  ASSERT_GT(size, 0u);
  EXPECT_TRUE(std::filesystem::exists(dir + "/entries-1-" + std::to_string(size) + ".jsonl"));
  EXPECT_EQ(JsonLines(ReadFile(dir + "/entries-1-" + std::to_string(size) + ".jsonl")).size(),
            size);

  auto cfs = Connect(*broker_, "cfs");
  ASSERT_TRUE(cfs.Publish(OnCase(Example("strategy_minutes", "aud-cli-2"))).ok());
  const uint64_t later = CheckpointAfter(size);
  const auto second = Audit("checkpoint --save " + dir);
  ASSERT_EQ(second.exit_code, 0) << second.output;
  EXPECT_THAT(second.output,
              HasSubstr("consistent with checkpoint-" + std::to_string(size) + ".txt"));
  EXPECT_THAT(second.output, Not(HasSubstr("pinned")));
  EXPECT_THAT(second.output, HasSubstr("entries " + std::to_string(size + 1) + " to "));
  ASSERT_GE(later, size + 1);

  // verify (offline) the whole log, exported now, against what was kept.
  const std::string all = Dir("all.jsonl");
  ASSERT_EQ(Audit("export --format jsonl --out " + all).exit_code, 0);
  const auto verified =
      Audit("verify --checkpoints " + dir + " --key " + dir + "/verifier.key --export " + all);
  EXPECT_EQ(verified.exit_code, 0) << verified.output;
  EXPECT_THAT(verified.output, HasSubstr("verified"));
}

// A --key that is no verifier key (a PEM certificate here) is named, with
// what it must hold; a save that fails leaves no directory behind.
TEST_F(AuditCliTest, CheckpointNamesAKeyFileThatIsNoVerifierKeyAndLeavesNothing) {
  const std::string dir = Dir("never-saved"), pem = TestPki::Get().Path("ca.crt");
  CheckpointAfter(0);
  const auto refused = Audit("checkpoint --save " + dir + " --key " + pem);
  EXPECT_EQ(refused.exit_code, 2) << refused.output;
  EXPECT_EQ(refused.output,
            "--key " + pem +
                ": not a note verifier key: it is a PEM file (-----BEGIN CERTIFICATE-----), and "
                "no PEM key or certificate is one; give the file holding the broker's verifier "
                "key, the one line <name>+<key id>+<base64 key> the partnership published "
                "(certs/gen-dev-pki.sh writes the development one to certs/out/audit-log.pub)\n");
  EXPECT_FALSE(std::filesystem::exists(dir));

  // A key that parses but is not the broker's fails verification: still
  // nothing saved, no directory.
  std::ofstream(Dir("another.pub")) << AnotherLogsKey();
  const auto other = Audit("checkpoint --save " + dir + "/nested --key " + Dir("another.pub"));
  EXPECT_EQ(other.exit_code, 4) << other.output;
  EXPECT_THAT(other.output, HasSubstr("AUDIT LOG VERIFICATION FAILED, nothing saved"));
  EXPECT_FALSE(std::filesystem::exists(dir));
}

// The IG lead's workflow from the README: export one case, keep a
// checkpoint, verify the export. Verified as a whole log it lacks entries
// and says to use --filtered; with --filtered each entry is checked against
// the signed log.
TEST_F(AuditCliTest, AFilteredExportVerifiesWithFiltered) {
  const std::string exported = Dir("one-case.jsonl");
  ASSERT_EQ(Audit(std::string("export --case ") + kCase + " --out " + exported).exit_code, 0);
  const auto entries = JsonLines(ReadFile(exported));
  ASSERT_GE(entries.size(), 4u);
  // A checkpoint that covers every entry exported.
  const std::string dir = KeptCheckpoint("kept-for-case", entries.back().index() - 1);

  const auto whole = VerifyAgainst(dir, "--export " + exported);
  EXPECT_EQ(whole.exit_code, 4) << whole.output;
  EXPECT_THAT(whole.output, HasSubstr(" missing: entry "));  // one entry or a range
  EXPECT_THAT(whole.output, HasSubstr("If the file is a filtered export (made with --case, "));
  EXPECT_THAT(whole.output, HasSubstr("verify it with --filtered"));

  const auto filtered = VerifyAgainst(dir, "--filtered --export " + exported);
  EXPECT_EQ(filtered.exit_code, 0) << filtered.output;
  EXPECT_EQ(filtered.output, "verified: " + std::to_string(entries.size()) +
                                 " entries of a filtered export, each matches the signed log up "
                                 "to checkpoint size " +
                                 std::to_string(LatestSaved(dir)) +
                                 "; a filtered export cannot show that no entry is missing\n");
}

// The CSV export is for reading; verify says it needs the JSON-lines one
// instead of reading the CSV as an empty log.
TEST_F(AuditCliTest, VerifyRefusesACsvExportAndNamesTheFormatItReads) {
  const std::string csv = Dir("for-verify.csv"), dir = KeptCheckpoint("kept-for-csv");
  ASSERT_EQ(Audit("export --format csv --out " + csv).exit_code, 0);
  const auto r = VerifyAgainst(dir, "--export " + csv);
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_EQ(r.output, "audit verify: --export " + csv +
                          ": not a JSON-lines export (it is a CSV export): verify reads the "
                          "JSON-lines export, one entry per line, that `safeshare audit export "
                          "--format jsonl` writes\n");
}

// A plain copy of the running broker's database file misses what is still
// in its -wal file: verify says it is not a whole store and how to copy one.
TEST_F(AuditCliTest, VerifyOfAPlainCopyOfTheLiveStoreSaysHowToCopyIt) {
  const std::string copy = Dir("plain-copy.db"), dir = KeptCheckpoint("kept-for-copy");
  std::filesystem::copy_file(broker_->store_path(), copy);  // not its -wal file
  const auto r = VerifyAgainst(dir, "--db " + copy);
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_EQ(r.output, "audit verify: --db " + copy +
                          " cannot be read as a complete broker store (cannot prepare statement: "
                          "no such table: audit): a plain copy of a running broker's database "
                          "file misses what is still in its -wal file; copy the store with "
                          "`safeshare-broker --config CONFIG backup --to FILE`\n");
  // The copy `backup --to` makes verifies.
  ASSERT_EQ(RunBrokerCommand(*broker_, "backup --to " + Dir("backup-copy.db")).exit_code, 0);
  const auto backup = VerifyAgainst(dir, "--db " + Dir("backup-copy.db"));
  EXPECT_EQ(backup.exit_code, 0) << backup.output;
}

TEST_F(AuditCliTest, CheckpointWithKeyPinsThatKeyForLaterSaves) {
  const std::string dir = Dir("pinned");
  const std::string published = TestPki::Get().Path("audit-log.pub");
  CheckpointAfter(0);
  const auto first = Audit("checkpoint --save " + dir + " --key " + published);
  ASSERT_EQ(first.exit_code, 0) << first.output;
  EXPECT_THAT(first.output, HasSubstr("pinned the key of " + published));
  EXPECT_THAT(first.output, Not(HasSubstr("trust on first use")));
  EXPECT_EQ(ReadFile(dir + "/verifier.key"), ReadFile(published));

  // Without --key the key pinned by the first save is used, not pinned or
  // trusted anew, for a later checkpoint (the output names the directory,
  // "pinned", so look for the messages, not the word).
  const uint64_t saved = LatestSaved(dir);
  CheckpointAfter(saved);
  const auto second = Audit("checkpoint --save " + dir);
  ASSERT_EQ(second.exit_code, 0) << second.output;
  EXPECT_THAT(second.output, Not(HasSubstr("pinned the")));
  EXPECT_THAT(second.output, Not(HasSubstr("trust on first use")));
  EXPECT_THAT(second.output, HasSubstr("signature verified, consistent with checkpoint-" +
                                       std::to_string(saved) + ".txt"));
  EXPECT_EQ(ReadFile(dir + "/verifier.key"), ReadFile(published));
}

TEST_F(AuditCliTest, CheckpointRefusesLoudlyWhenASavedCheckpointDoesNotVerify) {
  const std::string dir = Dir("tampered");
  CheckpointAfter(0);
  ASSERT_EQ(Audit("checkpoint --save " + dir).exit_code, 0);
  for (const auto& file : std::filesystem::directory_iterator(dir)) {
    const std::string name = file.path().filename().string();
    if (name.rfind("checkpoint-", 0) != 0) continue;
    std::string note = ReadFile(file.path().string());
    const size_t second_line = note.find('\n') + 1;
    note[second_line] = note[second_line] == '9' ? '8' : '9';  // another tree size
    std::ofstream(file.path()) << note;
  }
  const auto refused = Audit("checkpoint --save " + dir);
  EXPECT_EQ(refused.exit_code, 4) << refused.output;
  EXPECT_THAT(refused.output,
              HasSubstr("AUDIT LOG VERIFICATION FAILED, nothing saved: checkpoint-"));

  // A key that is not the pinned one is refused before anything is fetched.
  std::ofstream(Dir("other.key")) << AnotherLogsKey();
  const auto other = Audit("checkpoint --save " + dir + " --key " + Dir("other.key"));
  EXPECT_EQ(other.exit_code, 2) << other.output;
  EXPECT_THAT(other.output, HasSubstr("differs from the key pinned in"));
}

}  // namespace
}  // namespace safeshare::testing
