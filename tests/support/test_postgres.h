#pragma once

// The PostgreSQL server of the tests labelled `postgres`, which
// tests/postgres/server.sh starts before them (a ctest fixture): each test
// gets a database of its own, created empty and dropped after.
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "absl/status/statusor.h"
#include "broker/store/pg_db.h"

namespace safeshare::testing {

class TestPostgres {
 public:
  // The fixture's server, or FAILED_PRECONDITION saying how to start one.
  static absl::StatusOr<TestPostgres> Find() {
    const char* tmp = std::getenv("TMPDIR");
    return At(std::filesystem::path(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") /
              "safeshare-postgres");
  }
  // The server whose state directory (server.sh's STATE) is `state`.
  static absl::StatusOr<TestPostgres> At(const std::filesystem::path& state) {
    TestPostgres server;
    server.dsn_ = FirstLine(state / "dsn");
    server.password_ = FirstLine(state / "password");
    server.password_file_ = state / "password";
    if (server.dsn_.empty() || server.password_.empty()) {
      return absl::FailedPreconditionError(
          "no test PostgreSQL server in " + state.string() +
          ": run the test through ctest (its fixture starts one), or start one with "
          "`bash tests/postgres/server.sh start` (same TMPDIR)");
    }
    return server;
  }

  // A new empty database; returns its name.
  absl::StatusOr<std::string> CreateDatabase() const {
    static std::atomic<int> next{0};
    const std::string name =
        "safeshare_test_" + std::to_string(::getpid()) + "_" + std::to_string(++next);
    auto admin = store::PgConnection::Open(Params("postgres"), /*read_only=*/false);
    if (!admin.ok()) return admin.status();
    if (auto made = (*admin)->Exec("CREATE DATABASE " + name); !made.ok()) return made;
    return name;
  }
  // Drops `name`, ending any session still on it.
  absl::Status DropDatabase(const std::string& name) const {
    auto admin = store::PgConnection::Open(Params("postgres"), /*read_only=*/false);
    if (!admin.ok()) return admin.status();
    return (*admin)->Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
  }

  // The server's port (from its connection string).
  int port() const {
    const auto at = dsn_.find("port=");
    return at == std::string::npos ? 5432 : std::atoi(dsn_.c_str() + at + 5);
  }
  // Database `name` through 127.0.0.1:`port` (e.g. a TcpProxy) instead.
  std::string DsnVia(const std::string& name, int port) const {
    return "host=127.0.0.1 port=" + std::to_string(port) + " user=postgres dbname=" + name;
  }

  // How to reach database `name`.
  store::PgParams Params(const std::string& name) const { return {Dsn(name), password_}; }
  // Its connection string, without the password.
  std::string Dsn(const std::string& name) const { return dsn_ + " dbname=" + name; }
  // The password in a file of mode 600 (for a broker's store.password_file).
  const std::filesystem::path& password_file() const { return password_file_; }

 private:
  static std::string FirstLine(const std::filesystem::path& file) {
    std::ifstream in(file);
    std::string line;
    std::getline(in, line);
    return line;
  }

  std::string dsn_, password_;
  std::filesystem::path password_file_;
};

}  // namespace safeshare::testing
