// `safeshare audit query|export|report|subject`, the real command against
// the real broker over mutual TLS with the IG certificate
// (audit_cli_fixture.h).
#include <filesystem>
#include <set>

#include "tests/integration/audit_cli_fixture.h"

namespace safeshare::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

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

}  // namespace
}  // namespace safeshare::testing
