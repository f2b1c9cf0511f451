#include "tests/bench/bench_postgres.h"

#include <libpq-fe.h>
#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/status/status.h"
#include "tests/support/child_process.h"

namespace safeshare::bench {
namespace {

using PgConn = std::unique_ptr<PGconn, decltype(&PQfinish)>;
using PgResult = std::unique_ptr<PGresult, decltype(&PQclear)>;

constexpr char kServerScript[] = SAFESHARE_SOURCE_DIR "/tests/postgres/server.sh";

std::string FirstLine(const std::string& file) {
  std::ifstream in(file);
  std::string line;
  std::getline(in, line);
  return line;
}

// `dsn` (a key=value connection string) with the password and, unless
// empty, another database.
absl::StatusOr<PgConn> Connect(const std::string& dsn, const std::string& password,
                               const std::string& dbname) {
  std::vector<const char*> keys = {"dbname", "password"};
  std::vector<const char*> values = {dsn.c_str(), password.c_str()};
  if (!dbname.empty()) {
    keys.push_back("dbname");  // after the expanded string, so it wins
    values.push_back(dbname.c_str());
  }
  keys.push_back(nullptr);
  values.push_back(nullptr);
  PgConn conn(PQconnectdbParams(keys.data(), values.data(), /*expand_dbname=*/1), &PQfinish);
  if (conn == nullptr || PQstatus(conn.get()) != CONNECTION_OK) {
    return absl::UnavailableError("PostgreSQL (" + dsn +
                                  "): " + (conn ? PQerrorMessage(conn.get()) : "out of memory"));
  }
  return conn;
}

// Runs `sql`; the first column of its first row ("" when it returns none).
absl::StatusOr<std::string> Query(PGconn* conn, const std::string& sql) {
  PgResult result(PQexec(conn, sql.c_str()), &PQclear);
  const auto status = PQresultStatus(result.get());
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
    return absl::InternalError(sql + ": " + PQerrorMessage(conn));
  }
  if (status == PGRES_COMMAND_OK || PQntuples(result.get()) == 0) return std::string();
  return std::string(PQgetvalue(result.get(), 0, 0));
}

// Fields 3 on of /proc/<pid>/stat (the command name may hold spaces).
std::vector<std::string> StatFields(pid_t pid) {
  const std::string line = FirstLine("/proc/" + std::to_string(pid) + "/stat");
  const auto close = line.rfind(')');
  std::vector<std::string> fields;
  if (close == std::string::npos) return fields;
  std::istringstream in(line.substr(close + 2));
  for (std::string field; in >> field;) fields.push_back(field);
  return fields;
}

// Field `n` (1-based, as proc(5) counts) of `fields` as a number.
double Field(const std::vector<std::string>& fields, size_t n) {
  return n >= 3 && n - 3 < fields.size() ? std::stod(fields[n - 3]) : 0;
}

// utime + stime + cutime + cstime: the process and the children it reaped.
double TreeTicks(const std::vector<std::string>& fields) {
  return Field(fields, 14) + Field(fields, 15) + Field(fields, 16) + Field(fields, 17);
}

}  // namespace

const std::vector<std::string>& BenchPostgres::ReportedSettings() {
  static const std::vector<std::string> names = {"server_version",     "fsync",
                                                 "synchronous_commit", "wal_sync_method",
                                                 "shared_buffers",     "max_wal_size",
                                                 "full_page_writes",   "commit_delay",
                                                 "wal_buffers",        "checkpoint_timeout"};
  return names;
}

absl::StatusOr<std::unique_ptr<BenchPostgres>> BenchPostgres::Open(
    const std::string& dsn, const std::string& password_file) {
  std::unique_ptr<BenchPostgres> pg(new BenchPostgres());
  if (dsn.empty()) {
    if (auto started = pg->StartServer(); !started.ok()) return started;
  } else {
    pg->server_dsn_ = dsn;
    pg->password_file_ = password_file;
  }
  pg->password_ = FirstLine(pg->password_file_);
  if (auto made = pg->CreateDatabase(); !made.ok()) return made;
  if (auto read = pg->ReadSettings(); !read.ok()) return read;
  return pg;
}

BenchPostgres::~BenchPostgres() { Finish(/*keep=*/false); }

absl::Status BenchPostgres::StartServer() {
  const char* tmp = std::getenv("TMPDIR");
  std::string dir =
      std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/safeshare-bench-pg.XXXXXX";
  if (::mkdtemp(dir.data()) == nullptr) {
    return absl::UnavailableError("cannot make a directory like " + dir);
  }
  state_dir_ = dir;
  testing::ChildProcess script({"env", "TMPDIR=" + state_dir_, "bash", kServerScript, "start"},
                               state_dir_ + "/server.log");
  if (const int code = script.Wait(std::chrono::seconds(180)); code != 0) {
    return absl::UnavailableError("tests/postgres/server.sh start failed (exit " +
                                  std::to_string(code) + "); see " + state_dir_ + "/server.log");
  }
  const std::string state = state_dir_ + "/safeshare-postgres";
  server_dsn_ = FirstLine(state + "/dsn");
  password_file_ = state + "/password";
  if (server_dsn_.empty()) return absl::UnavailableError("server.sh wrote no dsn in " + state);
  return absl::OkStatus();
}

absl::Status BenchPostgres::CreateDatabase() {
  auto admin = Connect(server_dsn_, password_, "");
  if (!admin.ok()) return admin.status();
  database_ =
      "safeshare_bench_" + std::to_string(::getpid()) + "_" + std::to_string(std::time(nullptr));
  if (auto made = Query(admin->get(), "CREATE DATABASE " + database_); !made.ok()) {
    database_.clear();
    return made.status();
  }
  return absl::OkStatus();
}

absl::Status BenchPostgres::ReadSettings() {
  auto conn = Connect(server_dsn_, password_, database_);
  if (!conn.ok()) return conn.status();
  for (const auto& name : ReportedSettings()) {
    auto value = Query(conn->get(), "SHOW " + name);
    if (!value.ok()) return value.status();
    settings_.emplace_back(name, *value);
  }
  // The postmaster is the parent of this session's backend, when the
  // server runs on this machine.
  auto backend = Query(conn->get(), "SELECT pg_backend_pid()");
  if (backend.ok() && !backend->empty()) {
    const auto parent = static_cast<pid_t>(Field(StatFields(std::stoi(*backend)), 4));
    if (parent > 0 && FirstLine("/proc/" + std::to_string(parent) + "/comm") == "postgres") {
      postmaster_pid_ = parent;
    }
  }
  return absl::OkStatus();
}

std::optional<double> BenchPostgres::ServerCpuSeconds() const {
  if (postmaster_pid_ <= 0) return std::nullopt;
  const auto own = StatFields(postmaster_pid_);
  if (own.empty()) return std::nullopt;
  double ticks = TreeTicks(own);
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", error)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    const auto fields = StatFields(std::stoi(name));
    if (static_cast<pid_t>(Field(fields, 4)) == postmaster_pid_) ticks += TreeTicks(fields);
  }
  return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

void BenchPostgres::Finish(bool keep) {
  if (finished_) return;
  finished_ = true;
  if (!database_.empty() && !own_server() && !keep) {
    if (auto admin = Connect(server_dsn_, password_, ""); admin.ok()) {
      (void)Query(admin->get(), "DROP DATABASE IF EXISTS " + database_ + " WITH (FORCE)");
    }
  }
  StopServer();
}

void BenchPostgres::StopServer() {
  if (state_dir_.empty()) return;
  // server.sh stops the server by its postmaster.pid (pg_ctl stop) and
  // removes its directory.
  testing::ChildProcess script({"env", "TMPDIR=" + state_dir_, "bash", kServerScript, "stop"},
                               state_dir_ + "/server.log");
  script.Wait(std::chrono::seconds(120));
  std::error_code ignored;
  std::filesystem::remove_all(state_dir_, ignored);
  state_dir_.clear();
}

}  // namespace safeshare::bench
