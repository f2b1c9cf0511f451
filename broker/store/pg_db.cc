#include "broker/store/pg_db.h"

#include <libpq-fe.h>
#include <poll.h>

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <utility>

#include "absl/strings/escaping.h"
#include "broker/core/logging.h"
#include "broker/core/status_macros.h"

namespace safeshare::store {
namespace {

// PostgreSQL type oids (pg_type.h) of the columns read specially.
constexpr Oid kBoolOid = 16;
constexpr Oid kByteaOid = 17;

// Prepared statements kept per connection before the cache starts over.
constexpr size_t kMaxPrepared = 512;

// bytea in the hex output format ("\\x0a1b...") as bytes.
std::string DecodeBytea(std::string_view text) {
  if (text.substr(0, 2) != "\\x") return std::string(text);
  return absl::HexStringToBytes(std::string(text.substr(2)));
}

void IgnoreNotice(void* /*arg*/, const char* /*message*/) {}

class PgStatement final : public Statement::Impl {
 public:
  PgStatement(PgConnection& conn, std::string_view sql) : conn_(conn) {
    int count = 0;
    sql_ = PgPlaceholders(sql, &count);
    params_ = static_cast<size_t>(count);
  }
  PgStatement(const PgStatement&) = delete;
  PgStatement& operator=(const PgStatement&) = delete;
  ~PgStatement() override { Clear(); }

  void Bind(int index, int64_t value) override { At(index) = {std::to_string(value), {}, 0, true}; }
  // Not copied: the caller keeps the bytes alive until the statement ran
  // (Statement::Impl), so a body is sent from where it is.
  void Bind(int index, std::string_view text) override { At(index) = {{}, text, 1, true}; }
  void BindBlob(int index, std::string_view bytes) override { At(index) = {{}, bytes, 1, true}; }

  absl::StatusOr<bool> Step() override {
    if (result_ == nullptr) {
      // Every parameter the SQL names; one not bound is NULL.
      bound_.resize(std::max(bound_.size(), params_));
      std::vector<const char*> values(bound_.size(), nullptr);
      std::vector<int> lengths(bound_.size(), 0), formats(bound_.size(), 0);
      for (size_t i = 0; i < bound_.size(); ++i) {
        const Param& p = bound_[i];
        if (!p.bound) continue;
        const std::string_view bytes = p.format == 0 ? std::string_view(p.text) : p.bytes;
        values[i] = bytes.data();
        lengths[i] = static_cast<int>(bytes.size());
        formats[i] = p.format;
      }
      auto result = conn_.Execute(sql_, values, lengths, formats);
      if (!result.ok()) return result.status();
      result_ = *result;
      row_ = 0;
      decoded_.assign(static_cast<size_t>(PQnfields(result_)), std::string());
    } else {
      ++row_;
    }
    return row_ < PQntuples(result_);
  }

  void Reset() override {
    Clear();
    bound_.clear();
  }

  int64_t Int(int column) const override {
    if (PQgetisnull(result_, row_, column)) return 0;
    const char* value = PQgetvalue(result_, row_, column);
    if (PQftype(result_, column) == kBoolOid) return value[0] == 't' ? 1 : 0;
    return std::strtoll(value, nullptr, 10);
  }

  std::string_view View(int column) const override {
    if (PQgetisnull(result_, row_, column)) return {};
    const std::string_view text(PQgetvalue(result_, row_, column),
                                static_cast<size_t>(PQgetlength(result_, row_, column)));
    if (PQftype(result_, column) != kByteaOid) return text;
    auto& decoded = decoded_[static_cast<size_t>(column)];
    decoded = DecodeBytea(text);
    return decoded;
  }

 private:
  // A bound parameter: an integer as text (format 0), or bytes (format 1).
  struct Param {
    std::string text;
    std::string_view bytes;
    int format = 0;
    bool bound = false;
  };
  Param& At(int index) {
    const auto i = static_cast<size_t>(index - 1);
    if (bound_.size() <= i) bound_.resize(i + 1);
    return bound_[i];
  }
  void Clear() {
    if (result_ != nullptr) PQclear(result_);
    result_ = nullptr;
    row_ = -1;
  }

  PgConnection& conn_;
  std::string sql_;
  size_t params_ = 0;
  std::vector<Param> bound_;
  PGresult* result_ = nullptr;
  int row_ = -1;
  mutable std::vector<std::string> decoded_;  // per column, for View() of bytea
};

}  // namespace

std::string PgPlaceholders(std::string_view sql, int* count) {
  // SQLite's planner hint "INDEXED BY name": PostgreSQL has none (its
  // planner finds the same partial indexes by itself).
  std::string unhinted;
  for (size_t at = 0;;) {
    const size_t hint = sql.find(" INDEXED BY ", at);
    if (hint == std::string_view::npos) {
      unhinted.append(sql.substr(at));
      break;
    }
    unhinted.append(sql.substr(at, hint - at));
    at = sql.find_first_of(" \n", hint + 12);
    if (at == std::string_view::npos) at = sql.size();
  }
  sql = unhinted;
  std::string out;
  out.reserve(sql.size() + 8);
  int highest = 0;
  bool quoted = false;
  for (size_t i = 0; i < sql.size(); ++i) {
    const char c = sql[i];
    if (c == '\'') quoted = !quoted;
    if (quoted || c != '?') {
      out.push_back(c);
      continue;
    }
    size_t digits = i + 1;
    while (digits < sql.size() && sql[digits] >= '0' && sql[digits] <= '9') ++digits;
    int index = highest + 1;
    if (digits > i + 1) index = std::atoi(std::string(sql.substr(i + 1, digits - i - 1)).c_str());
    highest = std::max(highest, index);
    out += "$" + std::to_string(index);
    i = digits - 1;
  }
  if (count != nullptr) *count = highest;
  return out;
}

absl::Status PgError(std::string_view sqlstate, std::string_view message, std::string_view what) {
  std::string text = std::string(what) + ": " + std::string(message);
  const auto starts = [sqlstate](std::string_view prefix) {
    return sqlstate.substr(0, prefix.size()) == prefix;
  };
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  if (sqlstate.empty() || starts("08")) {
    return absl::UnavailableError(text + " (the database is unreachable)");
  }
  if (starts("23")) return absl::AbortedError(text);
  if (sqlstate == "53100") {
    return absl::ResourceExhaustedError(text + " (the database's disk is full)");
  }
  if (starts("53") || starts("57") || sqlstate == "40001" || sqlstate == "40P01" ||
      sqlstate == "55P03" || sqlstate == "25P02") {
    return absl::UnavailableError(text + " (the database is busy or restarting)");
  }
  if (sqlstate == "XX001" || sqlstate == "XX002") {
    ModuleLogger("store")->critical("store corruption detected: {}", text);
    return absl::DataLossError("store corruption detected: " + text);
  }
  return absl::InternalError(text + " (SQLSTATE " + std::string(sqlstate) + ")");
}

absl::StatusOr<std::unique_ptr<PgConnection>> PgConnection::Open(const PgParams& params,
                                                                 bool read_only) {
  std::unique_ptr<PgConnection> conn(new PgConnection(params, read_only));
  SAFESHARE_RETURN_IF_ERROR(conn->Connect());
  return conn;
}

PgConnection::~PgConnection() {
  if (conn_ != nullptr) PQfinish(conn_);
}

absl::Status PgConnection::Connect() {
  if (conn_ != nullptr) PQfinish(conn_);
  prepared_.clear();
  in_transaction_ = false;
  // Earlier keywords are defaults the connection string may override; the
  // password, given apart, overrides it.
  std::vector<const char*> keys = {"application_name", "connect_timeout", "dbname"};
  std::vector<const char*> values = {"safeshare-broker", "5", params_.dsn.c_str()};
  if (!params_.password.empty()) {
    keys.push_back("password");
    values.push_back(params_.password.c_str());
  }
  keys.push_back(nullptr);
  values.push_back(nullptr);
  conn_ = PQconnectdbParams(keys.data(), values.data(), /*expand_dbname=*/1);
  if (PQstatus(conn_) != CONNECTION_OK) {
    return PgError("", PQerrorMessage(conn_), "cannot connect to PostgreSQL");
  }
  PQsetNoticeProcessor(conn_, IgnoreNotice, nullptr);
  std::string setup = "SET client_min_messages=warning; SET TIME ZONE 'UTC';";
  if (read_only_) setup += " SET default_transaction_read_only=on;";
  return Exec(setup);
}

absl::Status PgConnection::Usable() {
  if (PQstatus(conn_) == CONNECTION_OK) return absl::OkStatus();
  if (in_transaction_) {
    in_transaction_ = false;  // the server rolled it back; the next one reconnects
    return PgError("", "the connection was lost during a transaction", "PostgreSQL");
  }
  ModuleLogger("store")->warn("reconnecting to PostgreSQL");
  return Connect();
}

absl::StatusOr<PGresult*> PgConnection::Checked(PGresult* result, std::string_view what) {
  const auto status = PQresultStatus(result);
  // Unknown (the connection is gone): as it was before this command.
  if (const auto t = PQtransactionStatus(conn_); t != PQTRANS_UNKNOWN) {
    in_transaction_ = t != PQTRANS_IDLE;
  }
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
    const char* tuples = PQcmdTuples(result);
    changes_ = tuples != nullptr && tuples[0] != '\0' ? std::strtoll(tuples, nullptr, 10) : 0;
    return result;
  }
  const char* state = result != nullptr ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  const std::string sqlstate = state != nullptr ? state : "";
  const std::string message =
      result != nullptr ? PQresultErrorMessage(result) : PQerrorMessage(conn_);
  if (result != nullptr) PQclear(result);
  if (PQstatus(conn_) != CONNECTION_OK) return PgError("", message, what);
  return PgError(sqlstate, message, what);
}

absl::Status PgConnection::Exec(const std::string& sql) {
  auto result = Retrying([&] {
    return Checked(PQexec(conn_, sql.c_str()), "cannot run '" + sql.substr(0, 40) + "'");
  });
  if (!result.ok()) return result.status();
  PQclear(*result);
  return absl::OkStatus();
}

absl::StatusOr<PGresult*> PgConnection::Retrying(
    const std::function<absl::StatusOr<PGresult*>()>& run) {
  for (int attempt = 1;; ++attempt) {
    const bool was_in_transaction = in_transaction_;
    SAFESHARE_RETURN_IF_ERROR(Usable());
    auto result = run();
    if (result.ok() || attempt > 1 || was_in_transaction || PQstatus(conn_) == CONNECTION_OK) {
      return result;
    }
  }
}

absl::Status PgConnection::Listen(const std::string& channel) { return Exec("LISTEN " + channel); }

absl::StatusOr<std::vector<PgConnection::Notification>> PgConnection::Wait(
    std::chrono::milliseconds timeout) {
  std::vector<Notification> out;
  const auto drain = [&] {
    while (PGnotify* n = PQnotifies(conn_)) {
      out.push_back({n->relname, n->extra});
      PQfreemem(n);
    }
  };
  drain();
  if (!out.empty()) return out;
  pollfd fd{PQsocket(conn_), POLLIN, 0};
  if (fd.fd < 0) return PgError("", "the connection was lost", "PostgreSQL");
  if (::poll(&fd, 1, static_cast<int>(timeout.count())) > 0 && PQconsumeInput(conn_) == 0) {
    return PgError("", PQerrorMessage(conn_), "PostgreSQL");
  }
  if (PQstatus(conn_) != CONNECTION_OK) {
    return PgError("", "the connection was lost", "PostgreSQL");
  }
  drain();
  return out;
}

absl::StatusOr<Statement> PgConnection::Prepare(std::string_view sql) {
  // Prepared on the server when first run (PreparedName).
  return Statement(std::make_unique<PgStatement>(*this, sql));
}

absl::StatusOr<std::string> PgConnection::PreparedName(const std::string& sql) {
  if (auto found = prepared_.find(sql); found != prepared_.end()) return found->second;
  if (prepared_.size() >= kMaxPrepared) {
    auto cleared = Checked(PQexec(conn_, "DEALLOCATE ALL"), "cannot deallocate statements");
    if (!cleared.ok()) return cleared.status();
    PQclear(*cleared);
    prepared_.clear();
  }
  std::string name = "s" + std::to_string(++next_name_);
  auto result =
      Checked(PQprepare(conn_, name.c_str(), sql.c_str(), 0, nullptr), "cannot prepare statement");
  if (!result.ok()) return result.status();
  PQclear(*result);
  prepared_.emplace(sql, name);
  return name;
}

absl::StatusOr<PGresult*> PgConnection::Execute(const std::string& sql,
                                                const std::vector<const char*>& values,
                                                const std::vector<int>& lengths,
                                                const std::vector<int>& formats) {
  return Retrying([&]() -> absl::StatusOr<PGresult*> {
    auto name = PreparedName(sql);
    if (!name.ok()) return name.status();
    return Checked(PQexecPrepared(conn_, name->c_str(), static_cast<int>(values.size()),
                                  values.data(), lengths.data(), formats.data(),
                                  /*resultFormat=*/0),
                   "statement failed");
  });
}

}  // namespace safeshare::store
