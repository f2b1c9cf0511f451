// `safeshare audit query|export|report|subject|checkpoint` (and `verify` on
// what checkpoint saved), the real command against the real broker over
// mutual TLS with the IG certificate, on a demo-like case: minutes routed
// to police and health, withheld from education, delivered to both,
// acknowledged by police only.
#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <filesystem>
#include <set>
#include <thread>

#include "tests/integration/audit_checks.h"

namespace safeshare::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

constexpr char kCase[] = "CASE-AUD-1";
constexpr char kPnc[] = "2019/0123456X";  // named by the example minutes

class AuditCliTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // Checkpoints every few entries and every second, so a test sees the
    // log's head move without waiting a minute.
    broker_ = new BrokerProcess(BrokerOptions{
        .config_edits = {{"checkpoint_every_entries: 1000", "checkpoint_every_entries: 5"},
                         {"checkpoint_every_seconds: 5", "checkpoint_every_seconds: 1"}}});
    auto cfs = Connect(*broker_, "cfs");
    auto published = cfs.Publish(OnCase(Example("strategy_minutes", "aud-cli-1")));
    ASSERT_TRUE(published.ok()) << published.status();
    notification_ = new std::string(published->notification_id());
    auto police = Connect(*broker_, "police");
    Receive(police, "police-aud", 1);
    auto health = Connect(*broker_, "health");
    Receive(health, "health-aud", 1, /*acknowledge=*/false);
  }
  static void TearDownTestSuite() {
    delete broker_;
    delete notification_;
  }

  static v1::Notification OnCase(v1::Notification n) {
    n.set_case_ref(kCase);
    return n;
  }

  // `safeshare --broker ... --cert ig.crt ... ARGS` to completion.
  CommandResult Audit(const std::string& args, const std::string& agency = "ig") {
    const TestPki& pki = TestPki::Get();
    return RunCommand(*broker_, std::string(SAFESHARE_CLI_BINARY) +
                                    " --broker localhost:" + std::to_string(broker_->port()) +
                                    " --cert " + pki.Path(agency + ".crt") + " --key " +
                                    pki.Path(agency + ".key") + " --ca " + pki.Path("ca.crt") +
                                    " audit " + args);
  }

  // Waits until the broker has signed a checkpoint of more than `size` entries.
  uint64_t CheckpointAfter(uint64_t size) {
    auto ig = Connect(*broker_, "ig");
    for (int i = 0; i < 100; ++i) {
      auto latest = ig.GetCheckpoint();
      if (latest.ok() && latest->checkpoint().tree_size() > size) {
        return latest->checkpoint().tree_size();
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ADD_FAILURE() << "no checkpoint past " << size << " within 10 s";
    return 0;
  }

  std::string Dir(const std::string& name) { return broker_->dir() + "/" + name; }

  // Dir(name), where `checkpoint --save` kept a checkpoint of more than
  // `size` entries.
  std::string KeptCheckpoint(const std::string& name, uint64_t size = 0) {
    CheckpointAfter(size);
    const auto saved = Audit("checkpoint --save " + Dir(name));
    EXPECT_EQ(saved.exit_code, 0) << saved.output;
    return Dir(name);
  }

  // `audit verify` of `log` (--export FILE or --db FILE) against what was
  // kept in `dir`, with the key pinned there.
  CommandResult VerifyAgainst(const std::string& dir, const std::string& log) {
    return Audit("verify --checkpoints " + dir + " --key " + dir + "/verifier.key " + log);
  }

  // The tree size of the newest checkpoint saved in `dir` (0: none).
  static uint64_t LatestSaved(const std::string& dir) {
    uint64_t size = 0;
    for (const auto& file : std::filesystem::directory_iterator(dir)) {
      const std::string name = file.path().filename().string();
      if (name.rfind("checkpoint-", 0) == 0)
        size = std::max<uint64_t>(size, std::stoull(name.substr(11)));
    }
    return size;
  }

  static BrokerProcess* broker_;
  static std::string* notification_;
};

BrokerProcess* AuditCliTest::broker_ = nullptr;
std::string* AuditCliTest::notification_ = nullptr;

// A well-formed verifier key that is not the broker's: the broker's public
// key under another log's name.
std::string AnotherLogsKey() {
  const std::string pub = ReadFile(TestPki::Get().Path("audit-log.pub"));
  // After the name and the key id: the base64 may hold '+' too.
  std::string key = pub.substr(pub.find('+', pub.find('+') + 1) + 1);
  while (!key.empty() && key.back() == '\n') key.pop_back();
  const std::string name = "other.test/audit";
  return name + "+" + KeyId(name, Base64Decode(key)) + "+" + key + "\n";
}

std::vector<v1::AuditEntry> JsonLines(const std::string& text) {
  std::vector<v1::AuditEntry> entries;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    v1::AuditEntry entry;
    const auto parsed = google::protobuf::util::JsonStringToMessage(line, &entry);
    EXPECT_TRUE(parsed.ok()) << line;
    entries.push_back(entry);
  }
  return entries;
}

TEST_F(AuditCliTest, QueryFiltersByCaseActionAgencyAndTime) {
  const auto table = Audit(std::string("query --case ") + kCase);
  ASSERT_EQ(table.exit_code, 0) << table.output;
  EXPECT_THAT(table.output, StartsWith("ENTRY   TIME (UTC)"));
  EXPECT_THAT(table.output, HasSubstr("published"));
  EXPECT_THAT(table.output, HasSubstr("routed: police, health"));
  EXPECT_THAT(table.output, HasSubstr("acknowledged"));

  const auto withheld = Audit(std::string("query --json --case ") + kCase + " --action withheld");
  ASSERT_EQ(withheld.exit_code, 0) << withheld.output;
  const auto entries = JsonLines(withheld.output);
  ASSERT_EQ(entries.size(), 1u);  // the decision: one entry, its withheld lines inside
  EXPECT_EQ(entries[0].action(), "published");
  EXPECT_EQ(entries[0].notification_id(), *notification_);

  const auto acked = Audit("query --json --agency police --action acknowledged");
  ASSERT_EQ(acked.exit_code, 0) << acked.output;
  ASSERT_EQ(JsonLines(acked.output).size(), 1u);
  EXPECT_EQ(JsonLines(acked.output)[0].action(), "acknowledged");

  const auto future = Audit(std::string("query --json --case ") + kCase + " --from 2999-01-01");
  ASSERT_EQ(future.exit_code, 0) << future.output;
  EXPECT_EQ(future.output, "");
  const auto today =
      Audit(std::string("query --json --case ") + kCase + " --from 2000-01-01 --to 2999-12-31");
  EXPECT_GE(JsonLines(today.output).size(), 3u);

  const auto bad = Audit("query --from yesterday");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_THAT(bad.output, HasSubstr("--from: 'yesterday' is neither a date"));

  // A reversed range is named by the flags, before the broker is asked.
  const std::string reversed =
      "--to 2026-11-01 is not later than --from 2026-11-30: give --from before --to (--from is "
      "inclusive, --to exclusive; a date as --to means the end of that day)\n";
  for (const char* command : {"query", "export --out /nonexistent/never.jsonl"}) {
    const auto backwards = Audit(std::string(command) + " --from 2026-11-30 --to 2026-11-01");
    EXPECT_EQ(backwards.exit_code, 2) << backwards.output;
    EXPECT_EQ(backwards.output, reversed);
  }
}

// Each condition matches the whole entry on its own, as --help says: the
// decision that routed to health and withheld from education matches
// --agency health --action withheld, though health was not withheld.
TEST_F(AuditCliTest, FiltersMatchTheWholeEntryEachOnItsOwnAsHelpSays) {
  for (const char* command : {"query", "export"}) {
    const auto help = Audit(std::string(command) + " --help");
    EXPECT_EQ(help.exit_code, 0) << help.output;
    EXPECT_THAT(help.output,
                HasSubstr("Filters combine with AND, and each is matched against the whole entry "
                          "on its own"));
    EXPECT_THAT(help.output, HasSubstr("The conditions need not hold on the same line: --agency "
                                       "health --action withheld also matches a routing decision "
                                       "that routed to health and withheld from education."));
  }
  const auto matched =
      Audit(std::string("query --json --case ") + kCase + " --agency health --action withheld");
  ASSERT_EQ(matched.exit_code, 0) << matched.output;
  const auto entries = JsonLines(matched.output);
  ASSERT_EQ(entries.size(), 1u);
  std::set<std::string> lines;
  for (const auto& line : entries[0].lines()) lines.insert(line.agency() + " " + line.outcome());
  EXPECT_TRUE(lines.contains("health routed"));
  EXPECT_FALSE(lines.contains("health withheld"));
  EXPECT_TRUE(lines.contains("education withheld"));
}

// A batch of deliveries names its cases on its lines: the table's CASE
// column shows the case asked for, the one case of the batch, or "several".
TEST_F(AuditCliTest, QueryTableShowsTheCaseOfABatchFromItsLines) {
  auto police = Connect(*broker_, "police");
  for (const char* case_ref : {"CASE-BATCH-A", "CASE-BATCH-B"}) {
    auto outcome = Example("investigation_outcome", std::string("aud-batch-") + case_ref);
    outcome.set_case_ref(case_ref);
    // Another person, so the subject test still finds one notification.
    outcome.mutable_persons_of_concern(0)->mutable_identifiers(0)->set_value("2020/0999999Z");
    ASSERT_TRUE(police.Publish(outcome).ok());
  }
  auto cfs = Connect(*broker_, "cfs");
  Receive(cfs, "cfs-batch", 2, /*acknowledge=*/false);  // the backlog: one batch of two

  const auto both = Audit("query --action delivered --agency cfs");
  ASSERT_EQ(both.exit_code, 0) << both.output;
  EXPECT_THAT(both.output, ::testing::ContainsRegex(" delivered +cfs +several \\(2\\) "));
  const auto asked = Audit("query --action delivered --case CASE-BATCH-B");
  ASSERT_EQ(asked.exit_code, 0) << asked.output;
  EXPECT_THAT(asked.output, ::testing::ContainsRegex(" delivered +cfs +CASE-BATCH-B "));
  const auto ours = Audit(std::string("query --action delivered --case ") + kCase);
  ASSERT_EQ(ours.exit_code, 0) << ours.output;
  EXPECT_THAT(ours.output, ::testing::ContainsRegex(std::string(" delivered +police +") + kCase));
}

TEST_F(AuditCliTest, PagesThroughEveryEntryWithAll) {
  const auto page = Audit("query --json --limit 2");
  ASSERT_EQ(page.exit_code, 0) << page.output;
  EXPECT_THAT(page.output, HasSubstr("more entries: run again with --after 2"));
  const auto all = Audit("query --json --all --limit 2");
  ASSERT_EQ(all.exit_code, 0) << all.output;
  const auto entries = JsonLines(all.output);
  ASSERT_GE(entries.size(), 5u);
  for (size_t i = 0; i < entries.size(); ++i) EXPECT_EQ(entries[i].index(), i + 1);
}

TEST_F(AuditCliTest, AnotherAgencyIsRefusedAndTheAttemptAudited) {
  const auto refused = Audit("query", "police");
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_THAT(refused.output, HasSubstr("PERMISSION_DENIED"));
  const auto seen = Audit("query --json --action access_refused --agency police");
  ASSERT_EQ(seen.exit_code, 0) << seen.output;
  EXPECT_GE(JsonLines(seen.output).size(), 1u);
}

TEST_F(AuditCliTest, ExportsJsonLinesAndCsvToTheFile) {
  const std::string jsonl = Dir("case.jsonl"), csv = Dir("case.csv");
  const auto to_jsonl =
      Audit(std::string("export --case ") + kCase + " --format jsonl --out " + jsonl);
  ASSERT_EQ(to_jsonl.exit_code, 0) << to_jsonl.output;
  const auto entries = JsonLines(ReadFile(jsonl));
  ASSERT_GE(entries.size(), 4u);  // published, delivered x2, acknowledged
  for (const auto& e : entries) {
    bool of_case = e.case_ref() == kCase;
    for (const auto& line : e.lines()) of_case = of_case || line.case_ref() == kCase;
    EXPECT_TRUE(of_case) << e.index();
    EXPECT_EQ(e.leaf_hash().size(), 64u);
  }
  EXPECT_FALSE(std::filesystem::exists(jsonl + ".partial"));

  const auto to_csv = Audit(std::string("export --case ") + kCase + " --format csv --out " + csv);
  ASSERT_EQ(to_csv.exit_code, 0) << to_csv.output;
  const std::string text = ReadFile(csv);
  EXPECT_THAT(text, StartsWith("index,"));
  EXPECT_THAT(text, HasSubstr(",withheld,"));
  EXPECT_THAT(text, HasSubstr("education"));
  EXPECT_THAT(text, HasSubstr(*notification_));
}

TEST_F(AuditCliTest, ExportRefusesToReplaceAFileUnlessForced) {
  const std::string out = Dir("earlier.jsonl");
  std::ofstream(out) << "an earlier export\n";
  const auto refused = Audit("export --out " + out);
  EXPECT_EQ(refused.exit_code, 2) << refused.output;
  EXPECT_EQ(refused.output,
            "--out " + out + " exists; choose another file or pass --force to replace it\n");
  EXPECT_EQ(ReadFile(out), "an earlier export\n");

  const auto forced = Audit("export --force --out " + out);
  ASSERT_EQ(forced.exit_code, 0) << forced.output;
  EXPECT_GE(JsonLines(ReadFile(out)).size(), 4u);
}

// Where a file or directory cannot be written, the path and the reason.
TEST_F(AuditCliTest, ExportAndCheckpointNameThePathAndWhyTheyCannotWriteThere) {
  std::ofstream(Dir("a-file")) << "not a directory\n";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"export --out " + Dir("missing-dir/x.jsonl"), "--out " + Dir("missing-dir/x.jsonl") +
                                                         ": cannot write it: no such directory " +
                                                         Dir("missing-dir")},
      {"export --out " + Dir("a-file/x.jsonl"), "--out " + Dir("a-file/x.jsonl") +
                                                    ": cannot write it: " + Dir("a-file") +
                                                    " is not a directory"},
      {"export --out " + broker_->dir(),
       "--out " + broker_->dir() + ": cannot write it: it is a directory"},
      {"checkpoint --save " + Dir("a-file"),
       "--save " + Dir("a-file") + ": not a directory (it is a file)"},
      {"checkpoint --save " + Dir("a-file/kept"), "--save " + Dir("a-file/kept") +
                                                      ": cannot create it: " + Dir("a-file") +
                                                      " is not a directory"},
  };
  for (const auto& [command, message] : cases) {
    const auto refused = Audit(command);
    EXPECT_EQ(refused.exit_code, 2) << command << ": " << refused.output;
    EXPECT_EQ(refused.output, message + "\n") << command;
  }
  EXPECT_FALSE(std::filesystem::exists(Dir("missing-dir")));
}

TEST_F(AuditCliTest, ReportShowsRoutingWithholdingDeliveryAndWhoHasNotAcknowledged) {
  const auto report = Audit(std::string("report --case ") + kCase);
  ASSERT_EQ(report.exit_code, 0) << report.output;
  const std::string& out = report.output;
  EXPECT_THAT(out, StartsWith(std::string("Case ") + kCase + ": 1 notification(s)"));
  EXPECT_THAT(out, HasSubstr("Notification " + *notification_ + " (strategy_minutes"));
  EXPECT_THAT(out, HasSubstr(" by cfs (entry "));
  EXPECT_THAT(out, HasSubstr("agreement ISA-SM-01 v2; rule SM-R1"));
  EXPECT_THAT(out, HasSubstr("rule SM-R2"));
  EXPECT_THAT(out, HasSubstr("(police-aud, entry "));
  EXPECT_THAT(out, HasSubstr("(health-aud, entry "));
  EXPECT_THAT(out, HasSubstr("withheld from\n"));
  EXPECT_THAT(out, HasSubstr("    education"));
  EXPECT_THAT(out, HasSubstr("NOT ACKNOWLEDGED BY: health\n"));

  const auto json = Audit(std::string("report --json --case ") + kCase);
  ASSERT_EQ(json.exit_code, 0) << json.output;
  EXPECT_THAT(json.output, HasSubstr("\"notAcknowledged\":[\"health\"]"));
}

// A reference no entry names (here the case's in other capitals) is not
// reported as a case with nothing shared: exit 1, NOT_FOUND, saying
// references are exact.
TEST_F(AuditCliTest, ReportOfACaseNoEntryNamesSaysSoAndExitsOne) {
  for (const char* json : {"", " --json"}) {
    const auto report = Audit(std::string("report --case case-aud-1") + json);
    EXPECT_EQ(report.exit_code, 1) << report.output;
    EXPECT_EQ(report.output,
              "audit report: NOT_FOUND: no audit entry names case case-aud-1: case references "
              "match exactly and are case-sensitive, so check its spelling and capitals as the "
              "publishing agency wrote it (safeshare audit query lists the cases entries name)\n");
  }
}

TEST_F(AuditCliTest, SubjectFindsTheNotificationsNamingThePersonWithoutLoggingTheIdentifier) {
  const auto subject = Audit(std::string("subject --identifier pnc_number:") + kPnc);
  ASSERT_EQ(subject.exit_code, 0) << subject.output;
  EXPECT_THAT(subject.output, HasSubstr("1 notification(s) shared"));
  EXPECT_THAT(subject.output, HasSubstr("Notification " + *notification_));
  EXPECT_THAT(subject.output, HasSubstr("NOT ACKNOWLEDGED BY: health"));
  const auto nobody = Audit("subject --identifier pnc_number:NOBODY123");
  ASSERT_EQ(nobody.exit_code, 0) << nobody.output;
  EXPECT_THAT(nobody.output, HasSubstr("0 notification(s) shared"));
  // The search is audited with the keyed hash, never the identifier.
  EXPECT_EQ(QueryStore(*broker_,
                       "SELECT COUNT(*) FROM audit WHERE detail LIKE '%0123456%' OR "
                       "detail LIKE '%NOBODY123%'"),
            0);
  EXPECT_EQ(Audit("subject --identifier passport:123").exit_code, 2);
}

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
  EXPECT_THAT(whole.output, HasSubstr(" is missing"));
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
