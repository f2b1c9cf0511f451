#pragma once

// The broker the `safeshare audit` command tests run against: the real
// broker over mutual TLS, checkpointing often, with a demo-like case:
// minutes routed to police and health, withheld from education, delivered
// to both, acknowledged by police only; and how they run the command.
#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <filesystem>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/audit_checks.h"

namespace safeshare::testing {

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

  inline static BrokerProcess* broker_ = nullptr;
  inline static std::string* notification_ = nullptr;
};

// A well-formed verifier key that is not the broker's: the broker's public
// key under another log's name.
inline std::string AnotherLogsKey() {
  const std::string pub = ReadFile(TestPki::Get().Path("audit-log.pub"));
  // After the name and the key id: the base64 may hold '+' too.
  std::string key = pub.substr(pub.find('+', pub.find('+') + 1) + 1);
  while (!key.empty() && key.back() == '\n') key.pop_back();
  const std::string name = "other.test/audit";
  return name + "+" + KeyId(name, Base64Decode(key)) + "+" + key + "\n";
}

// One AuditEntry per line of `text` (proto JSON), failing the test on a
// line that is none.
inline std::vector<v1::AuditEntry> JsonLines(const std::string& text) {
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

}  // namespace safeshare::testing
