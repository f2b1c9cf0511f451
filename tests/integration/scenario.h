#pragma once

#include <sqlite3.h>
#include <sys/wait.h>

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/time/civil_time.h"
#include "absl/time/clock.h"

#include "safeshare/client/client.h"
#include "safeshare/client/notification_json.h"
#include "tests/support/broker_process.h"
#include "tests/support/test_pki.h"

namespace safeshare::testing {

// An example notification from config/examples/, with a fresh idempotency key.
// A closing outcome's follow-up discussion is due 90 days from today (the
// example's date has passed), so the expectation it opens (the agreements'
// PCI-EX1) does not fall due, and escalate, while a test runs.
inline v1::Notification Example(const std::string& name, const std::string& key) {
  auto n = client::ReadNotificationFile(SAFESHARE_SOURCE_DIR "/config/examples/" + name + ".json");
  EXPECT_TRUE(n.ok()) << n.status();
  n->set_idempotency_key(key);
  if (n->has_investigation_outcome()) {
    const absl::CivilDay due =
        absl::ToCivilDay(absl::Now() + absl::Hours(24 * 90), absl::UTCTimeZone());
    auto* date = n->mutable_investigation_outcome()->mutable_follow_up_discussion_due();
    date->set_year(static_cast<int32_t>(due.year()));
    date->set_month(due.month());
    date->set_day(due.day());
  }
  return *n;
}

// The text of a file of the test PKI (e.g. "ca.crt", "cfs.key").
inline std::string Pem(const std::string& file) {
  std::ifstream in(TestPki::Get().Path(file));
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// A channel over mutual TLS as `agency`, with `args` (e.g. keepalive).
inline std::shared_ptr<grpc::Channel> RawChannel(const BrokerProcess& broker,
                                                 const std::string& agency,
                                                 const grpc::ChannelArguments& args = {}) {
  grpc::SslCredentialsOptions tls{Pem("ca.crt"), Pem(agency + ".key"), Pem(agency + ".crt")};
  return grpc::CreateCustomChannel("localhost:" + std::to_string(broker.port()),
                                   grpc::SslCredentials(tls), args);
}

// A bare stub over mutual TLS as `agency`, for what the client library hides
// (e.g. how deliveries are packed into stream messages).
inline std::unique_ptr<v1::Broker::Stub> RawStub(const BrokerProcess& broker,
                                                 const std::string& agency,
                                                 const grpc::ChannelArguments& args = {}) {
  return v1::Broker::NewStub(RawChannel(broker, agency, args));
}

// The argv of `cli` (the safeshare binary) as `agency` on `broker`, running
// `command` (e.g. {"subscribe", "--name", "inbox"}).
inline std::vector<std::string> CliArgs(const BrokerProcess& broker, const std::string& cli,
                                        const std::string& agency,
                                        const std::vector<std::string>& command) {
  const TestPki& pki = TestPki::Get();
  std::vector<std::string> args = {cli,
                                   "--broker",
                                   "localhost:" + std::to_string(broker.port()),
                                   "--cert",
                                   pki.Path(agency + ".crt"),
                                   "--key",
                                   pki.Path(agency + ".key"),
                                   "--ca",
                                   pki.Path("ca.crt")};
  args.insert(args.end(), command.begin(), command.end());
  return args;
}

// A fresh directory holding the repository's agreements, each file's text
// with every match of `pattern` replaced by `replacement` (regex_replace).
inline std::string EditedAgreements(const std::string& pattern, const std::string& replacement) {
  std::string dir = MakeTempDir("safeshare-agreements");
  for (const auto& file :
       std::filesystem::directory_iterator(SAFESHARE_SOURCE_DIR "/config/agreements")) {
    std::ifstream in(file.path());
    std::stringstream text;
    text << in.rdbuf();
    std::ofstream(dir + "/" + file.path().filename().string())
        << std::regex_replace(text.str(), std::regex(pattern), replacement);
  }
  return dir;
}

// The repository's agreements with the deadline of ABE records and outcomes
// to children's social care (PCI-DL1) cut to periods such as "4s" and "3s".
inline std::string ShortDeadlineAgreements(const std::string& acknowledge,
                                           const std::string& escalate) {
  return EditedAgreements(
      "recipients: \\[childrens_social_care\\]\n    acknowledge_within: 1 working day\n"
      "    escalate_after: 1 working day",
      "recipients: [childrens_social_care]\n    acknowledge_within: " + acknowledge +
          "\n    escalate_after: " + escalate);
}

inline client::Client Connect(const BrokerProcess& broker, const std::string& agency) {
  auto c = client::Client::Connect(TestPki::Get().For(agency, broker.port()));
  EXPECT_TRUE(c.ok()) << c.status();
  return std::move(*c);
}

// Receives exactly `count` deliveries (acknowledging them unless told not
// to), failing the test if they do not arrive within 20 seconds.
inline std::vector<v1::Delivery> Receive(client::Client& c, const std::string& subscription,
                                         uint64_t count, bool acknowledge = true) {
  std::vector<v1::Delivery> got;
  client::SubscribeOptions options{
      .max_deliveries = count, .acknowledge = acknowledge, .deadline = std::chrono::seconds(20)};
  const auto status = c.Subscribe(
      subscription,
      [&](const v1::Delivery& d) {
        got.push_back(d);
        return absl::OkStatus();
      },
      options);
  EXPECT_TRUE(status.ok()) << status;
  EXPECT_EQ(got.size(), count);
  return got;
}

// One integer from an SQL query against the broker's store (read-only).
inline int64_t QueryStore(const BrokerProcess& broker, const std::string& sql) {
  sqlite3* db = nullptr;
  sqlite3_open_v2(broker.store_path().c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
  sqlite3_stmt* stmt = nullptr;
  int64_t value = -1;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK &&
      sqlite3_step(stmt) == SQLITE_ROW) {
    value = sqlite3_column_int64(stmt, 0);
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return value;
}

// Runs one SQL statement that writes to the store at `path`, as an
// operator or a failing disk would behind the broker's back.
inline void WriteStore(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
  char* error = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
  EXPECT_EQ(rc, SQLITE_OK) << (error ? error : "");
  sqlite3_free(error);
  sqlite3_close(db);
}

// What a one-off command (such as a subcommand of the broker binary)
// printed and how it exited.
struct CommandResult {
  int exit_code = -1;  // -1 when it did not exit normally
  std::string output;  // stdout and stderr
};

// Runs `command` (a shell command line) to completion, its output captured
// through a file in the broker's directory.
inline CommandResult RunCommand(const BrokerProcess& broker, const std::string& command) {
  const std::string out = broker.dir() + "/command.out";
  const int status = std::system((command + " >" + out + " 2>&1").c_str());
  std::ifstream in(out);
  std::stringstream text;
  text << in.rdbuf();
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, text.str()};
}

// Runs `safeshare-broker --config <broker's config> <args>` to completion.
inline CommandResult RunBrokerCommand(const BrokerProcess& broker, const std::string& args) {
  return RunCommand(broker, std::string(SAFESHARE_BROKER_BINARY) + " --config " + broker.dir() +
                                "/broker.yaml " + args);
}

#ifdef SAFESHARE_CLI_BINARY
// Runs `safeshare ARGS` as `agency` (its development certificate) against
// `broker`, to completion.
inline CommandResult RunCli(const BrokerProcess& broker, const std::string& agency,
                            const std::string& args) {
  const TestPki& pki = TestPki::Get();
  return RunCommand(broker, std::string(SAFESHARE_CLI_BINARY) + " --broker localhost:" +
                                std::to_string(broker.port()) + " --cert " +
                                pki.Path(agency + ".crt") + " --key " + pki.Path(agency + ".key") +
                                " --ca " + pki.Path("ca.crt") + " " + args);
}
#endif

}  // namespace safeshare::testing
