// The real `safeshare audit verify` on logs and checkpoints made with the
// broker's own audit code and an Ed25519 key from `openssl genpkey`: each
// tampering the issue names is reported with the exact entry, and exits 4.
#include <sqlite3.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <sstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "broker/audit/chain.h"
#include "broker/audit/checkpoint.h"
#include "broker/audit/entry_proto.h"
#include "broker/store/audit_log_reader.h"
#include "broker/store/sqlite_store.h"
#include "tests/unit/sample_audit_entries.h"

namespace safeshare::testing {
namespace {

namespace fs = std::filesystem;
using audit::Entry;
using ::testing::HasSubstr;

constexpr char kOrigin[] = "safeshare.test/audit";

struct Result {
  int exit_code = -1;
  std::string out;  // stdout and stderr
};

std::string ReadText(const fs::path& file) {
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Runs a shell command line; its exit code and output.
Result RunShell(const std::string& command, const fs::path& output) {
  const int status = std::system((command + " >" + output.string() + " 2>&1").c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, ReadText(output)};
}

void WriteJsonLines(const std::vector<Entry>& entries, const fs::path& file) {
  std::ofstream out(file);
  for (const auto& entry : entries) out << audit::ToJsonLine(audit::ToProto(entry)) << '\n';
}

class AuditVerifyCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) /
           ("audit_verify_" +
            std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "saved");
    const auto key = dir_ / "audit-log.key";
    ASSERT_EQ(
        RunShell("openssl genpkey -algorithm ed25519 -out " + key.string(), dir_ / "openssl.out")
            .exit_code,
        0);
    auto signer = audit::CheckpointSigner::Load(key, kOrigin);
    ASSERT_TRUE(signer.ok()) << signer.status();
    signer_.emplace(std::move(*signer));
    std::ofstream(dir_ / "verifier.key") << signer_->VerifierKey() << '\n';
  }
  void TearDown() override { fs::remove_all(dir_); }

  // What `audit checkpoint --save` keeps: the signed note at `size` and the
  // entries since the checkpoint before (`from`).
  void SaveCheckpoint(const std::vector<Entry>& log, uint64_t from, uint64_t size) {
    audit::MerkleTree tree;
    for (uint64_t i = 0; i < size; ++i) tree.Append(audit::EntryLeafHash(log[i]));
    std::ofstream(dir_ / "saved" / ("checkpoint-" + std::to_string(size) + ".txt"))
        << signer_->Sign(size, *tree.Root(size));
    WriteJsonLines({log.begin() + static_cast<std::ptrdiff_t>(from - 1),
                    log.begin() + static_cast<std::ptrdiff_t>(size)},
                   dir_ / "saved" /
                       ("entries-" + std::to_string(from) + "-" + std::to_string(size) + ".jsonl"));
  }

  // `safeshare audit verify` on `log` as an export, with checkpoints of the
  // original log at 50 and 100 entries.
  Result VerifyExport(const std::vector<Entry>& log) {
    WriteJsonLines(log, dir_ / "export.jsonl");
    return Verify("--export " + (dir_ / "export.jsonl").string());
  }
  Result Verify(const std::string& source) {
    return RunShell(std::string(SAFESHARE_CLI_BINARY) + " audit verify --checkpoints " +
                        (dir_ / "saved").string() + " --key " + (dir_ / "verifier.key").string() +
                        " " + source,
                    dir_ / "verify.out");
  }

  fs::path dir_;
  std::optional<audit::CheckpointSigner> signer_;
};

// A log of 120 publish decisions with checkpoints saved at 50 and 100.
class ExportTest : public AuditVerifyCliTest {
 protected:
  void SetUp() override {
    AuditVerifyCliTest::SetUp();
    SaveCheckpoint(original_, 1, 50);
    SaveCheckpoint(original_, 51, 100);
  }
  // The export of `log` does not verify, for `problem`.
  void ExpectNotVerified(const std::vector<Entry>& log, const std::string& problem) {
    const auto r = VerifyExport(log);
    EXPECT_EQ(r.exit_code, 4);
    EXPECT_EQ(r.out, "NOT VERIFIED: " + problem + "\n");
  }
  const std::vector<Entry> original_ = audit::samples::Log(120);
};

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

constexpr char kUseFiltered[] =
    ". If the file is a filtered export (made with --case, --agency, --notification, --person, "
    "--action, --from or --to), verify it with --filtered";

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
class DatabaseTest : public AuditVerifyCliTest {
 protected:
  void SetUp() override {
    AuditVerifyCliTest::SetUp();
    auto store = store::SqliteStore::Open(dir_ / "safeshare.db");
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
