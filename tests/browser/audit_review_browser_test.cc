// The IG lead's review page in a real browser: the real broker (test PKI,
// a small scenario), `safeshare audit checkpoint --save` and `safeshare
// audit serve`, then Debian's chromium, headless, opening the page filtered
// by case. Checks the rows, the case timeline, the refusals and the verify
// result the browser shows, and keeps a screenshot at
// <build>/test-artifacts/audit-review.png. Everything it starts it stops by
// PID (chromium by its process group).
#include <filesystem>
#include <regex>

#include "tests/integration/scenario.h"
#include "tests/support/child_process.h"

namespace safeshare::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kCase[] = "CASE-BRW-1";

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
                             {"checkpoint_every_seconds: 5", "checkpoint_every_seconds: 1"}}}) {}

  std::string Cli(const std::string& args) const {
    const TestPki& pki = TestPki::Get();
    return std::string(SAFESHARE_CLI_BINARY) +
           " --broker localhost:" + std::to_string(broker_.port()) + " --cert " +
           pki.Path("ig.crt") + " --key " + pki.Path("ig.key") + " --ca " + pki.Path("ca.crt") +
           " " + args;
  }

  // Minutes routed to police and health (withheld from education), both
  // delivered, police acknowledges; an urgent disclosure to education; a
  // refused audit query by police; a checkpoint saved outside the broker.
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
    ASSERT_TRUE(police.Publish(interview, urgent).ok());
    EXPECT_EQ(police.QueryAudit({}).status().code(), absl::StatusCode::kPermissionDenied);
    auto ig = Connect(broker_, "ig");
    for (int i = 0; i < 100 && !(ig.GetCheckpoint().ok()); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    const auto saved = RunCommand(broker_, Cli("audit checkpoint --save " + kept_));
    ASSERT_EQ(saved.exit_code, 0) << saved.output;
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
  std::string notification_;
};

TEST_F(AuditReviewBrowserTest, FilteredByCaseThePageShowsItsRowsTimelineRefusalsAndVerifyResult) {
  ASSERT_EQ(std::system("command -v chromium >/dev/null"), 0)
      << "Debian's chromium is needed (tests/install-deps.sh installs it)";
  PublishScenario();
  const std::string url = Serve() + "?case=" + kCase;
  ASSERT_NE(url, std::string("?case=") + kCase);
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
  // The verify result: the latest checkpoint against the one saved.
  EXPECT_THAT(dom, HasSubstr("class=\"verify ok\""));
  EXPECT_THAT(dom, HasSubstr("Log verified: the broker's checkpoint of "));
  EXPECT_THAT(dom, HasSubstr("extends all 1 saved checkpoint(s)"));
  EXPECT_THAT(dom, Not(HasSubstr("Could not load")));
  // Every filter has its label (keyboard and screen-reader use).
  for (const char* id : {"f-case", "f-agency", "f-notification", "f-action", "f-from", "f-to"}) {
    EXPECT_THAT(dom, HasSubstr(std::string("<label for=\"") + id + "\""));
  }

  std::filesystem::create_directories(SAFESHARE_BUILD_DIR "/test-artifacts");
  const std::string shot = SAFESHARE_BUILD_DIR "/test-artifacts/audit-review.png";
  std::filesystem::remove(shot);
  {
    ChildProcess chromium(
        Chromium(profile, {"--window-size=1280,3000", "--screenshot=" + shot, url}),
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
