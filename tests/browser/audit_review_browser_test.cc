// The IG lead's review page in a real browser: the real broker (test PKI,
// a small scenario), `safeshare audit checkpoint --save` and `safeshare
// audit serve`, then Debian's chromium, headless, opening the page filtered
// by case. Checks the rows, the case timeline, the refusals, the overdue
// delivery and open expectation (the agreements' deadline for ABE records
// to children's social care cut to 3s) and the verify result the browser
// shows, and the overdue endpoint's JSON and errors; keeps a screenshot at
// <build>/test-artifacts/audit-review.png. Everything it starts it stops by
// PID (chromium by its process group).
#include <filesystem>
#include <regex>

#include "tests/integration/admin_http.h"
#include "tests/integration/scenario.h"
#include "tests/support/child_process.h"

namespace safeshare::testing {
namespace {

using ::testing::ContainsRegex;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kCase[] = "CASE-BRW-1";

// The value of the first field "`name`":"..." in `json`; "" when absent.
std::string Field(const std::string& json, const std::string& name) {
  std::smatch value;
  if (!std::regex_search(json, value, std::regex("\"" + name + "\":\"([^\"]*)\""))) return "";
  return value[1].str();
}

// An RFC 3339 time as the page shows it: "2026-12-02 10:00:03".
std::string Shown(const std::string& rfc3339) {
  std::string shown = rfc3339.substr(0, rfc3339.find_first_of(".Z"));
  if (shown.size() > 10) shown[10] = ' ';
  return shown;
}

std::vector<std::string> Chromium(const std::string& profile, std::vector<std::string> args) {
  std::vector<std::string> all = {"chromium", "--headless", "--no-sandbox", "--disable-gpu",
                                  "--disable-quic", "--no-first-run",
                                  "--disable-background-networking", "--disable-component-update",
                                  "--disable-sync", "--user-data-dir=" + profile,
                                  // Virtual time stands still while the page's
                                  // fetches are pending: the DOM is dumped once
                                  // every section has loaded.
                                  "--virtual-time-budget=15000"};
  all.insert(all.end(), args.begin(), args.end());
  return all;
}

// The <tr ...>...</tr> elements of the table with id `table`.
std::vector<std::string> Rows(const std::string& dom, const std::string& table) {
  const size_t start = dom.find("<table id=\"" + table + "\"");
  const size_t end = dom.find("</table>", start);
  std::vector<std::string> rows;
  if (start == std::string::npos) return rows;
  const std::string body = dom.substr(start, end - start);
  static const std::regex kRow("<tr data-[^>]*>.*?</tr>");
  for (auto it = std::sregex_iterator(body.begin(), body.end(), kRow); it != std::sregex_iterator();
       ++it) {
    rows.push_back(it->str());
  }
  return rows;
}

class AuditReviewBrowserTest : public ::testing::Test {
 protected:
  AuditReviewBrowserTest()
      : broker_(BrokerOptions{
            .config_edits = {{"checkpoint_every_entries: 1000", "checkpoint_every_entries: 5"},
                             {"checkpoint_every_seconds: 5", "checkpoint_every_seconds: 1"},
                             {"agreements: {AGREEMENTS}",
                              "agreements: " + ShortDeadlineAgreements("3s", "1h")}}}) {}

  std::string Cli(const std::string& args) const {
    const TestPki& pki = TestPki::Get();
    return std::string(SAFESHARE_CLI_BINARY) +
           " --broker localhost:" + std::to_string(broker_.port()) + " --cert " +
           pki.Path("ig.crt") + " --key " + pki.Path("ig.key") + " --ca " + pki.Path("ca.crt") +
           " " + args;
  }

  // Minutes routed to police and health (withheld from education), both
  // delivered, police acknowledges; the minutes decide a section 47 enquiry,
  // so they open an expectation of an investigation outcome from police; an
  // ABE record to children's social care, never acknowledged, with an urgent
  // disclosure to education; a refused audit query by police; a checkpoint
  // saved outside the broker.
  void PublishScenario() {
    auto cfs = Connect(broker_, "cfs");
    auto minutes = Example("strategy_minutes", "brw-1");
    minutes.set_case_ref(kCase);
    auto published = cfs.Publish(minutes);
    ASSERT_TRUE(published.ok()) << published.status();
    notification_ = published->notification_id();
    auto police = Connect(broker_, "police");
    Receive(police, "police-brw", 1);
    auto health = Connect(broker_, "health");
    Receive(health, "health-brw", 1, /*acknowledge=*/false);
    v1::UrgentDisclosure urgent;
    urgent.set_recipient("education");
    // Markup in a reason must reach the page as text.
    urgent.set_reason("Child at risk of collection from school today <b>by the suspect</b>");
    auto interview = Example("abe_interview_record", "brw-2");
    interview.set_case_ref(kCase);
    auto recorded = police.Publish(interview, urgent);
    ASSERT_TRUE(recorded.ok()) << recorded.status();
    interview_ = recorded->notification_id();
    EXPECT_EQ(police.QueryAudit({}).status().code(), absl::StatusCode::kPermissionDenied);
    auto ig = Connect(broker_, "ig");
    for (int i = 0; i < 100 && !(ig.GetCheckpoint().ok()); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    const auto saved = RunCommand(broker_, Cli("audit checkpoint --save " + kept_));
    ASSERT_EQ(saved.exit_code, 0) << saved.output;
  }

  // `safeshare overdue --case kCase --json` as IG (the broker's answer, not
  // the page's), once the ABE record is past its deadline.
  std::string OverdueOnceDue() {
    std::string json;
    for (int i = 0; i < 300 && json.find("\"deliveries\":[{") == std::string::npos; ++i) {
      if (i > 0) std::this_thread::sleep_for(std::chrono::milliseconds(100));
      json = RunCommand(broker_, Cli(std::string("overdue --json --case ") + kCase)).output;
    }
    EXPECT_THAT(json, HasSubstr("\"deliveries\":[{")) << json;
    return json;
  }

  // Overdue on the page: the ABE record, past its 3s deadline, at level 1,
  // with the times the broker gave `safeshare overdue` (`json`); health's
  // minutes (due in 2 working days) are not overdue.
  void CheckOverdueOnPage(const std::string& dom, const std::string& json) const {
    const auto overdue = Rows(dom, "overdue");
    ASSERT_EQ(overdue.size(), 1u) << dom;
    EXPECT_THAT(overdue[0], HasSubstr("<tr data-notification=\"" + interview_ +
                                      "\" data-recipient=\"cfs\"><td class=\"num\">"));
    EXPECT_THAT(overdue[0], ContainsRegex("<td class=\"num\">[0-9]+ (s|min)</td>"));
    EXPECT_THAT(overdue[0], HasSubstr("<span class=\"tag warn\">level 1: recipient and publisher "
                                      "told</span><div>lead told from " +
                                      Shown(Field(json, "lead_due_at")) + "</div>"));
    EXPECT_THAT(overdue[0],
                HasSubstr("<td>cfs</td><td>" + std::string(kCase) + "</td><td class=\"mono\">" +
                          interview_ + "</td><td>abe_interview_record</td><td class=\"time\">" +
                          Shown(Field(json, "routed_at")) + "</td>"));
    EXPECT_THAT(overdue[0], HasSubstr("<td><div>" + Shown(Field(json, "acknowledge_due_at")) +
                                      "</div><div>ISA-PCI-01 v3 PCI-DL1: acknowledge within 3s, "
                                      "then 1h to the safeguarding lead</div></td>"));
    EXPECT_THAT(dom,
                HasSubstr("<span>by case CASE-BRW-1 1</span>; <span>by recipient cfs 1</span>."));
    // The expectation the minutes opened, not yet due.
    const auto expectations = Rows(dom, "expectations");
    ASSERT_EQ(expectations.size(), 1u) << dom;
    EXPECT_THAT(expectations[0],
                HasSubstr("<tr data-expectation=\"SM-EX1\" data-opened-by=\"" + notification_ +
                          "\"><td class=\"time\">" + Shown(Field(json, "due_at")) + "</td>"));
    EXPECT_THAT(
        expectations[0],
        ContainsRegex("<span class=\"tag ok\">not yet due</span> due in [0-9]+ d [0-9]+ h"));
    EXPECT_THAT(expectations[0], HasSubstr("<td>CASE-BRW-1</td><td>investigation_outcome</td>"
                                           "<td>police</td><td>strategy_minutes by cfs at "));
    EXPECT_THAT(expectations[0], HasSubstr("<td>ISA-SM-01 v2 SM-EX1: a section 47 enquiry decided: "
                                           "investigation_outcome from police within 20 working "
                                           "days</td>"));
  }

  // The endpoint itself (serve's `base` URL): the proto JSON, its filters, a
  // bad parameter.
  void CheckOverdueEndpoint(const std::string& base) const {
    const int port = std::stoi(base.substr(std::string("http://127.0.0.1:").size()));
    const auto get = [&](const std::string& target) {
      return SendRaw(port, "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1:" +
                               std::to_string(port) + "\r\nConnection: close\r\n\r\n");
    };
    const HttpReply all = get(std::string("/api/overdue?case=") + kCase);
    EXPECT_EQ(all.status, 200) << all.body;
    EXPECT_THAT(all.body, HasSubstr("\"notificationId\":\"" + interview_ + "\""));
    EXPECT_THAT(all.body, HasSubstr("\"escalationLevel\":1,"));
    EXPECT_THAT(all.body, HasSubstr("\"expectation\":\"SM-EX1\""));
    // Health: nothing overdue, nothing expected of its role; police: the
    // expectation of an outcome from police, no delivery.
    const HttpReply health = get(std::string("/api/overdue?agency=health&case=") + kCase);
    EXPECT_EQ(health.status, 200) << health.body;
    EXPECT_THAT(health.body, HasSubstr("\"deliveries\":[]"));
    EXPECT_THAT(health.body, HasSubstr("\"expectations\":[]"));
    const HttpReply police = get(std::string("/api/overdue?agency=police&case=") + kCase);
    EXPECT_THAT(police.body, HasSubstr("\"deliveries\":[]"));
    EXPECT_THAT(police.body, HasSubstr("\"expectation\":\"SM-EX1\""));
    const HttpReply bad = get("/api/overdue?after=soon");
    EXPECT_EQ(bad.status, 400);
    EXPECT_EQ(bad.body, "{\"error\":\"after: give a whole number\"}");
  }

  // Starts `safeshare audit serve` and returns the URL it prints.
  std::string Serve() {
    serve_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{"/bin/sh", "-c",
                                 "exec " + Cli("audit serve --checkpoints " + kept_)},
        serve_log_);
    static const std::regex kUrl("http://127\\.0\\.0\\.1:[0-9]+/");
    for (int i = 0; i < 100; ++i) {
      std::smatch url;
      const std::string log = ReadFile(serve_log_);
      if (std::regex_search(log, url, kUrl)) return url.str();
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ADD_FAILURE() << "serve printed no URL: " << ReadFile(serve_log_);
    return "";
  }

  BrokerProcess broker_;
  const std::string kept_ = broker_.dir() + "/kept";
  const std::string serve_log_ = broker_.dir() + "/serve.log";
  std::unique_ptr<ChildProcess> serve_;
  std::string notification_;  // the minutes
  std::string interview_;     // the ABE record
};

TEST_F(AuditReviewBrowserTest,
       FilteredByCaseThePageShowsItsRowsTimelineRefusalsOverdueAndVerifyResult) {
  ASSERT_EQ(std::system("command -v chromium >/dev/null"), 0)
      << "Debian's chromium is needed (tests/install-deps.sh installs it)";
  PublishScenario();
  const std::string overdue_json = OverdueOnceDue();
  for (const char* field : {"routed_at", "acknowledge_due_at", "lead_due_at", "due_at"}) {
    ASSERT_FALSE(Field(overdue_json, field).empty()) << field << " in " << overdue_json;
  }
  const std::string base = Serve();
  ASSERT_FALSE(base.empty());
  const std::string url = base + "?case=" + kCase;
  const std::string profile = MakeTempDir("chromium-profile");

  const std::string dom_file = broker_.dir() + "/dom.html";
  {
    ChildProcess chromium(Chromium(profile, {"--dump-dom", url}), dom_file);
    ASSERT_EQ(chromium.Wait(std::chrono::seconds(90)), 0) << ReadFile(dom_file);
  }
  const std::string dom = ReadFile(dom_file);

  // The entries table: the case's entries only, the decision among them.
  const auto entries = Rows(dom, "entries");
  ASSERT_GE(entries.size(), 5u) << dom;  // 2 decisions, 2 deliveries, 1 acknowledgement at least
  for (const auto& row : entries) EXPECT_THAT(row, HasSubstr(kCase));
  EXPECT_THAT(dom, HasSubstr("routed: police, health"));
  // The timeline: health has not acknowledged; the withheld and urgent lines.
  EXPECT_THAT(dom, HasSubstr("data-notification=\"" + notification_ + "\""));
  EXPECT_THAT(dom, HasSubstr("not acknowledged by</span> health"));
  EXPECT_THAT(dom, HasSubstr("cfs published it (entry "));
  EXPECT_THAT(dom, HasSubstr("police acknowledged it"));
  const auto refusals = Rows(dom, "refusals");
  bool withheld_from_education = false, urgent_to_education = false;
  for (const auto& row : refusals) {
    withheld_from_education |=
        row.find("Withheld") != std::string::npos && row.find("education") != std::string::npos;
    urgent_to_education |= row.find("Urgent disclosure") != std::string::npos &&
                           row.find("Child at risk") != std::string::npos;
  }
  EXPECT_TRUE(withheld_from_education) << dom;
  EXPECT_TRUE(urgent_to_education) << dom;
  EXPECT_THAT(dom, HasSubstr("today &lt;b&gt;by the suspect&lt;/b&gt;"));
  EXPECT_THAT(dom, Not(HasSubstr("<b>by the suspect</b>")));
  // Unacknowledged by age: health's delivery of the minutes.
  bool health_unacked = false;
  for (const auto& row : Rows(dom, "unacked")) {
    health_unacked |=
        row.find(notification_) != std::string::npos && row.find("health") != std::string::npos;
  }
  EXPECT_TRUE(health_unacked) << dom;
  CheckOverdueOnPage(dom, overdue_json);
  // The verify result: the latest checkpoint against the one saved.
  EXPECT_THAT(dom, HasSubstr("class=\"verify ok\""));
  EXPECT_THAT(dom, HasSubstr("Log verified: the broker's checkpoint of "));
  EXPECT_THAT(dom, HasSubstr("extends all 1 saved checkpoint(s)"));
  EXPECT_THAT(dom, Not(HasSubstr("Could not load")));
  // Every filter has its label (keyboard and screen-reader use).
  for (const char* id : {"f-case", "f-agency", "f-notification", "f-action", "f-from", "f-to"}) {
    EXPECT_THAT(dom, HasSubstr(std::string("<label for=\"") + id + "\""));
  }

  CheckOverdueEndpoint(base);

  std::filesystem::create_directories(SAFESHARE_BUILD_DIR "/test-artifacts");
  const std::string shot = SAFESHARE_BUILD_DIR "/test-artifacts/audit-review.png";
  std::filesystem::remove(shot);
  {
    ChildProcess chromium(
        Chromium(profile, {"--window-size=1280,4400", "--screenshot=" + shot, url}),
        broker_.dir() + "/screenshot.log");
    EXPECT_EQ(chromium.Wait(std::chrono::seconds(90)), 0)
        << ReadFile(broker_.dir() + "/screenshot.log");
  }
  EXPECT_GT(std::filesystem::file_size(shot), 10'000u);

  serve_->Stop();
  std::filesystem::remove_all(profile);
}

}  // namespace
}  // namespace safeshare::testing
