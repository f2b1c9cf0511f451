#pragma once

// Broker processes on a PostgreSQL test database (test_postgres.h), and what
// the tests read back from that database: the audit chain, the ids stored.
#include <chrono>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "broker/audit/chain.h"
#include "broker/store/audit_rows.h"
#include "broker/store/pg_db.h"
#include "tests/integration/scenario.h"
#include "tests/support/health_check.h"
#include "tests/support/test_postgres.h"

namespace safeshare::testing {

// A broker on database `name` of `server` (its own directory, TLS state and
// port), through `dsn` when given (e.g. a TcpProxy's); `options` for the rest.
inline std::unique_ptr<BrokerProcess> StartOnPostgres(const TestPostgres& server,
                                                      const std::string& name,
                                                      const std::string& dsn = "",
                                                      BrokerOptions options = {}) {
  options.config_edits.emplace_back("store:\n  path: {STORE}\n",
                                    "store:\n  kind: postgres\n  dsn: \"" +
                                        (dsn.empty() ? server.Dsn(name) : dsn) +
                                        "\"\n  password_file: " + server.password_file().string() +
                                        "\n  state_directory: state\n");
  return std::make_unique<BrokerProcess>(std::move(options));
}

// The first column of every row `sql` returns from database `name`.
inline std::vector<std::string> PostgresColumn(const TestPostgres& server, const std::string& name,
                                               const std::string& sql) {
  auto db = store::PgConnection::Open(server.Params(name), /*read_only=*/true);
  EXPECT_TRUE(db.ok()) << db.status();
  if (!db.ok()) return {};
  auto rows = (*db)->Prepare(sql);
  EXPECT_TRUE(rows.ok()) << rows.status();
  if (!rows.ok()) return {};
  auto values = store::CollectRows<std::string>(
      *rows, [](const store::Statement& row) { return row.Text(0); });
  EXPECT_TRUE(values.ok()) << values.status();
  return values.ok() ? *values : std::vector<std::string>{};
}

// The ids of every notification stored in database `name`.
inline std::set<std::string> StoredIds(const TestPostgres& server, const std::string& name) {
  const auto ids = PostgresColumn(server, name, "SELECT id FROM notifications");
  return {ids.begin(), ids.end()};
}

// How many deliveries database `name` holds for `agency`.
inline int64_t DeliveriesFor(const TestPostgres& server, const std::string& name,
                             const std::string& agency) {
  const auto count = PostgresColumn(
      server, name, "SELECT count(*) FROM deliveries WHERE recipient='" + agency + "'");
  return count.empty() ? -1 : std::stoll(count[0]);
}

// Every audit entry in database `name`, in id order.
inline std::vector<audit::Entry> PostgresAuditLog(const TestPostgres& server,
                                                  const std::string& name) {
  auto db = store::PgConnection::Open(server.Params(name), /*read_only=*/true);
  EXPECT_TRUE(db.ok()) << db.status();
  if (!db.ok()) return {};
  auto rows =
      (*db)->Prepare(std::string("SELECT ") + store::kAuditColumns + " FROM audit a ORDER BY a.id");
  EXPECT_TRUE(rows.ok());
  if (!rows.ok()) return {};
  auto entries = store::CollectRows<audit::Entry>(*rows, store::AuditEntryFromRow);
  EXPECT_TRUE(entries.ok()) << entries.status();
  return entries.ok() ? *entries : std::vector<audit::Entry>{};
}

// The audit chain of database `name` is whole: ids 1, 2, ... without a gap,
// each entry linked to the one before (no fork) and matching its hash.
inline ::testing::AssertionResult PostgresAuditVerifies(const TestPostgres& server,
                                                        const std::string& name) {
  const auto log = PostgresAuditLog(server, name);
  if (log.empty()) return ::testing::AssertionFailure() << "no audit entries";
  for (size_t i = 0; i < log.size(); ++i) {
    if (log[i].id != static_cast<int64_t>(i + 1)) {
      return ::testing::AssertionFailure()
             << "audit id " << log[i].id << " at position " << i + 1 << ": a gap";
    }
  }
  if (const auto chain = audit::VerifyChain(log); !chain.ok()) {
    return ::testing::AssertionFailure() << chain;
  }
  return ::testing::AssertionSuccess() << log.size() << " entries";
}

// A test on a database of its own on the fixture's server, dropped after.
class PostgresDatabaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = TestPostgres::Find();
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *server;
    auto name = server_->CreateDatabase();
    ASSERT_TRUE(name.ok()) << name.status();
    name_ = *name;
  }
  void TearDown() override {
    if (server_ && !name_.empty()) {
      EXPECT_TRUE(server_->DropDatabase(name_).ok());
    }
  }

  // A broker on this test's database, through `dsn` when given.
  std::unique_ptr<BrokerProcess> Start(const std::string& dsn = "", BrokerOptions options = {}) {
    return StartOnPostgres(*server_, name_, dsn, std::move(options));
  }

  std::optional<TestPostgres> server_;
  std::string name_;
};

// Polls the broker's gRPC health until it reports `want`, for at most `limit`.
inline bool HealthBecomes(const BrokerProcess& broker, int want,
                          std::chrono::seconds limit = std::chrono::seconds(20)) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    if (CheckHealth(RawChannel(broker, "police"), "").serving_status == want) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

}  // namespace safeshare::testing
