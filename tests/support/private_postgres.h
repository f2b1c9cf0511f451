#pragma once

// A PostgreSQL server of a test's own (tests/postgres/server.sh with a state
// directory of its own), for faults the fixture's shared server must not
// suffer: its postmaster killed, its disk filled. Stopped, by its PID, when
// the object goes.
#include <signal.h>

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>

#include "tests/support/broker_process.h"
#include "tests/support/test_pki.h"
#include "tests/support/test_postgres.h"

namespace safeshare::testing {

class PrivatePostgres {
 public:
  // Starts one; with `tmpfs_size` (e.g. "64m") its data directory is a tmpfs
  // of that size (server.sh start --tmpfs).
  explicit PrivatePostgres(const std::string& tmpfs_size = "")
      : state_(MakeTempDir("safeshare-private-pg") + "/state") {
    if (Run("start", tmpfs_size.empty() ? "" : " --tmpfs " + tmpfs_size) != 0) {
      Run("stop");
      throw std::runtime_error("server.sh start " + state_ + " failed");
    }
    auto found = TestPostgres::At(state_);
    if (!found.ok()) throw std::runtime_error(std::string(found.status().message()));
    server_ = *found;
  }
  ~PrivatePostgres() { Run("stop"); }
  PrivatePostgres(const PrivatePostgres&) = delete;
  PrivatePostgres& operator=(const PrivatePostgres&) = delete;

  const TestPostgres& server() const { return server_; }
  // The postmaster's PID (from its postmaster.pid, as server.sh recorded it).
  pid_t pid() const { return std::stoi(ReadFile(state_ + "/pid")); }
  // The server's directory (its data directory is data/ in it).
  std::string dir() const {
    auto dir = ReadFile(state_ + "/dir");
    return dir.substr(0, dir.find('\n'));
  }
  // The data directory as this process reaches it: through the postmaster's
  // mount namespace, where a --tmpfs server's data directory is mounted.
  std::string data_dir() const {
    return "/proc/" + std::to_string(pid()) + "/root" + dir() + "/data";
  }

  // kill -9 of the postmaster, as a crash would.
  void Kill() const { ::kill(pid(), SIGKILL); }
  // Starts it again on the same port (not a --tmpfs server); true when it runs.
  bool Restart() { return Run("restart") == 0; }

 private:
  int Run(const std::string& command, const std::string& args = "") const {
    return std::system(("bash " SAFESHARE_SOURCE_DIR "/tests/postgres/server.sh " + command + " " +
                        state_ + args + " >>" + state_ + ".log 2>&1")
                           .c_str());
  }

  std::string state_;
  TestPostgres server_;
};

}  // namespace safeshare::testing
