#pragma once

#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace safeshare::bench {

// The PostgreSQL database of a run on `--store postgres`: a throwaway server
// that tests/postgres/server.sh starts in a directory of the bench's own
// (under TMPDIR, so a test server of the same TMPDIR is left alone), or the
// server of `--postgres-dsn`. Either way the run gets a database of its own,
// created empty; its settings are read for the report. Finish() (or the
// destructor) drops that database and stops a server the bench started.
class BenchPostgres {
 public:
  // PostgreSQL settings that matter for the broker's commits, as SHOW names
  // them (server_version first).
  static const std::vector<std::string>& ReportedSettings();

  // dsn empty: start a throwaway server. Otherwise a libpq key=value
  // connection string (without the password) of a running server on which
  // the user may create databases, and a file holding its password.
  static absl::StatusOr<std::unique_ptr<BenchPostgres>> Open(const std::string& dsn,
                                                             const std::string& password_file);
  ~BenchPostgres();
  BenchPostgres(const BenchPostgres&) = delete;
  BenchPostgres& operator=(const BenchPostgres&) = delete;

  // The run's database, for the broker's store section.
  std::string broker_dsn() const { return server_dsn_ + " dbname=" + database_; }
  const std::string& password_file() const { return password_file_; }
  const std::string& database() const { return database_; }
  bool own_server() const { return !state_dir_.empty(); }
  // ReportedSettings() and their values.
  const std::vector<std::pair<std::string, std::string>>& settings() const { return settings_; }

  // CPU seconds of the server's processes so far (the postmaster, the
  // children it has reaped and those still running: the broker's backends,
  // WAL writer, checkpointer), or nullopt when the server is not a local
  // process this one can read.
  std::optional<double> ServerCpuSeconds() const;

  // Drops the database (kept when `keep` on a server the bench did not
  // start, for inspection) and stops the bench's own server. Idempotent.
  void Finish(bool keep);

 private:
  BenchPostgres() = default;
  absl::Status StartServer();
  absl::Status CreateDatabase();
  absl::Status ReadSettings();
  void StopServer();

  std::string state_dir_;  // own server: TMPDIR given to server.sh
  std::string server_dsn_;
  std::string password_file_;
  std::string password_;
  std::string database_;
  pid_t postmaster_pid_ = 0;
  bool finished_ = false;
  std::vector<std::pair<std::string, std::string>> settings_;
};

}  // namespace safeshare::bench
