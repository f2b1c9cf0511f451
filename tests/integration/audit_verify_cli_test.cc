// The real `safeshare audit verify` on logs and checkpoints made with the
// broker's own audit code and an Ed25519 key from `openssl genpkey`: each
// tampering the issue names is reported with the exact entry, and exits 4.
#include <string>
#include <vector>

#include "tests/integration/audit_verify_fixture.h"
#include "tests/support/test_data_keys.h"

namespace safeshare::testing {
namespace {

TEST_F(ExportTest, AnIntactExportVerifies) {
  const auto r = VerifyExport(original_);
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(r.out, "verified: 120 entries, 2 checkpoints (latest: size 100)\n");
}

TEST_F(ExportTest, AnEditedRecipientIsNamedWithItsIndex) {
  auto log = original_;
  log[56].recipient = "probation";
  ExpectNotVerified(log, "entry 57: recipient is \"probation\" but was \"police\" when saved");
}

TEST_F(ExportTest, ADeletedEntryIsNamed) {
  auto log = original_;
  log.erase(log.begin() + 56);
  ExpectNotVerified(
      log, std::string("entry 57 is missing: entry 56 is followed by entry 58") + kUseFiltered);
}

TEST_F(ExportTest, SwappedEntriesAreNamed) {
  auto log = original_;
  std::swap(log[56], log[57]);
  ExpectNotVerified(log, "entries 57 and 58 are out of order");
}

TEST_F(ExportTest, ATailTruncatedAfterASavedCheckpointIsFound) {
  const std::vector<Entry> log(original_.begin(), original_.begin() + 80);
  ExpectNotVerified(
      log, std::string("the log ends at entry 80 but checkpoint checkpoint-100.txt covers 100 "
                       "entries") +
               kUseFiltered);
}

TEST_F(ExportTest, AConsistentlyRewrittenLogIsFound) {
  auto log = original_;
  log[56].recipient = "probation";
  audit::samples::Relink(log);  // every hash from entry 57 on recomputed
  ExpectNotVerified(log,
                    "entry 57: recipient is \"probation\" but was \"police\" when "
                    "saved (and its hashes were recomputed to match: history was rewritten)");
  // Without the saved entries, the checkpoint's root still tells.
  for (const auto& file : fs::directory_iterator(dir_ / "saved")) {
    if (file.path().extension() == ".jsonl") fs::remove(file.path());
  }
  ExpectNotVerified(log,
                    "checkpoint checkpoint-100.txt: the log's first 100 entries hash to another "
                    "root: history was rewritten (within entries 51 to 100)");
}

TEST_F(ExportTest, AnAlteredCheckpointSignatureIsNamed) {
  const auto file = dir_ / "saved" / "checkpoint-100.txt";
  std::string note = ReadText(file);
  const size_t at = note.size() - 10;  // inside the signature's base64
  note[at] = note[at] == 'A' ? 'B' : 'A';
  std::ofstream(file) << note;
  ExpectNotVerified(original_,
                    "checkpoint checkpoint-100.txt: checkpoint not signed by key "
                    "safeshare.test/audit: the signature does not verify: the note was altered "
                    "or signed by another key");
}

TEST_F(ExportTest, ALineThatIsNoEntryIsNamed) {
  WriteJsonLines(original_, dir_ / "export.jsonl");
  std::ofstream(dir_ / "export.jsonl", std::ios::app) << "{\"index\": \"x\"}\n";
  const auto r = Verify("--export " + (dir_ / "export.jsonl").string());
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_THAT(r.out, ::testing::StartsWith("NOT VERIFIED: export.jsonl line 121: not an audit "
                                           "entry"));
}

// A bad line amid the log is the problem, not the entries after it that
// were never read.
TEST_F(ExportTest, ALineThatIsNoEntryAmidTheLogIsNamedNotTheTail) {
  WriteJsonLines({original_.begin(), original_.begin() + 60}, dir_ / "export.jsonl");
  std::ofstream(dir_ / "export.jsonl", std::ios::app) << "{\"index\": \"x\"}\n";
  const auto r = Verify("--export " + (dir_ / "export.jsonl").string());
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_THAT(r.out, ::testing::StartsWith("NOT VERIFIED: export.jsonl line 61: not an audit "
                                           "entry"));
}

TEST_F(ExportTest, BadFlagsAndMissingFilesExitTwo) {
  WriteJsonLines(original_, dir_ / "export.jsonl");
  const std::string log = " --export " + (dir_ / "export.jsonl").string();
  auto r = Verify("");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.out, HasSubstr("--export or --db"));
  r = Verify(log + " --db " + (dir_ / "copy.db").string());
  EXPECT_EQ(r.exit_code, 2) << r.out;
  r = RunShell(std::string(SAFESHARE_CLI_BINARY) + " audit verify --checkpoints " + dir_.string() +
                   " --key " + (dir_ / "verifier.key").string() + log,
               dir_ / "verify.out");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.out, HasSubstr("holds no checkpoint-*.txt: save checkpoints with `safeshare audit "
                               "checkpoint --save"));
  std::ofstream(dir_ / "verifier.key") << "not a key\n";
  r = Verify(log);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.out, HasSubstr("audit verify: --key " + (dir_ / "verifier.key").string() +
                               ": not a note verifier key (no '+' after the name); give the file "
                               "holding the broker's verifier key"));
}

class DatabaseTest : public AuditVerifyCliTest {
 protected:
  void SetUp() override {
    AuditVerifyCliTest::SetUp();
    auto store = store::SqlStore::OpenSqlite(dir_ / "safeshare.db", TestDataKeys());
    ASSERT_TRUE(store.ok()) << store.status();
    for (int64_t id = 1; id <= 30; ++id) {
      std::promise<absl::Status> written;
      (*store)->RecordEvent(
          audit::samples::Decision(id),
          [&written](absl::Status status) { written.set_value(std::move(status)); },
          /*can_wait=*/true);
      ASSERT_TRUE(written.get_future().get().ok());
    }
    (*store)->Close();
    auto log = store::ReadAuditLog(dir_ / "safeshare.db");
    ASSERT_TRUE(log.ok()) << log.status();
    ASSERT_EQ(log->size(), 30u);
    SaveCheckpoint(*log, 1, 20);
  }
  Result VerifyDb() { return Verify("--db " + (dir_ / "safeshare.db").string()); }
  void Sql(const std::string& statement) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((dir_ / "safeshare.db").c_str(), &db), SQLITE_OK);
    EXPECT_EQ(sqlite3_exec(db, statement.c_str(), nullptr, nullptr, nullptr), SQLITE_OK)
        << sqlite3_errmsg(db);
    sqlite3_close(db);
  }
};

TEST_F(DatabaseTest, AnIntactCopyVerifies) {
  const auto r = VerifyDb();
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(r.out, "verified: 30 entries, 1 checkpoint (latest: size 20)\n");
}

// The operator's view of the same file: each entry's lines under it, and
// the tree root a checkpoint of the whole log would sign.
TEST_F(DatabaseTest, TheBrokersAuditCommandShowsLinesAndTheTreeRoot) {
  const auto r =
      RunShell(std::string(SAFESHARE_BROKER_BINARY) + " --config " + SAFESHARE_SOURCE_DIR +
                   "/config/broker.yaml --store " + (dir_ / "safeshare.db").string() + " audit",
               dir_ / "audit.out");
  auto log = store::ReadAuditLog(dir_ / "safeshare.db");
  ASSERT_TRUE(log.ok()) << log.status();
  audit::MerkleTree tree;
  for (const auto& e : *log) tree.Append(audit::EntryLeafHash(e));
  EXPECT_THAT(r.out, HasSubstr("audit chain intact: 30 entries, head " + log->back().entry_hash +
                               ", tree root " + audit::HexOf(*tree.Root(30)) + "\n"));
  EXPECT_THAT(r.out, HasSubstr("referral sequence 7\n  line 1/2               routed "));
  EXPECT_THAT(r.out, HasSubstr("  line 2/2               withheld                     education "));
  EXPECT_THAT(r.out, HasSubstr(" n-7           sequence 7; no agreement\n"));
}

TEST_F(DatabaseTest, AnEditedRecipientInTheFileIsNamed) {
  Sql("UPDATE audit SET recipient='probation' WHERE id=7");
  const auto r = VerifyDb();
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_EQ(r.out,
            "NOT VERIFIED: entry 7: recipient is \"probation\" but was \"police\" when saved\n");
}

TEST_F(DatabaseTest, ARowDeletedFromTheFileIsNamed) {
  Sql("DELETE FROM audit WHERE id=12");
  const auto r = VerifyDb();
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_EQ(r.out, "NOT VERIFIED: entry 12 is missing: entry 11 is followed by entry 13\n");
}

TEST_F(DatabaseTest, AShortLogSaysAPlainCopyMissesTheWalFile) {
  Sql("DELETE FROM audit WHERE id>15");
  const auto r = VerifyDb();
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_EQ(r.out,
            "NOT VERIFIED: the log ends at entry 15 but checkpoint checkpoint-20.txt covers 20 "
            "entries. If the file is a plain copy of a running broker's database, it misses what "
            "is still in its -wal file: copy the store with `safeshare-broker --config CONFIG "
            "backup --to FILE`\n");
}

}  // namespace
}  // namespace safeshare::testing