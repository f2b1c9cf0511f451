#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace safeshare::store {

// The SQL the store runs is written once, for both databases: `?N`
// parameters (PostgreSQL's connection rewrites them to `$N`), INTEGER
// columns read as int64, TEXT and BLOB columns as bytes. What differs
// between them (how a write transaction starts, how hard a commit syncs,
// the schema) is in Database (database.h).

// A prepared statement. Bind*() indexes start at 1. Reset() after each use;
// the owning connection must outlive it. Not thread-safe.
class Statement {
 public:
  // What each database implements (SqliteConnection, PgConnection).
  class Impl {
   public:
    virtual ~Impl() = default;
    virtual void Bind(int index, int64_t value) = 0;
    // The bytes must stay alive until the statement has run (SQLite binds
    // without copying).
    virtual void Bind(int index, std::string_view text) = 0;
    virtual void BindBlob(int index, std::string_view bytes) = 0;
    virtual absl::StatusOr<bool> Step() = 0;
    virtual void Reset() = 0;
    virtual int64_t Int(int column) const = 0;
    virtual std::string_view View(int column) const = 0;
  };

  explicit Statement(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

  Statement& Bind(int index, int64_t value) {
    impl_->Bind(index, value);
    return *this;
  }
  Statement& Bind(int index, std::string_view text) {
    impl_->Bind(index, text);
    return *this;
  }
  Statement& BindBlob(int index, std::string_view bytes) {
    impl_->BindBlob(index, bytes);
    return *this;
  }

  // Steps once: true when a row is available, false when done.
  absl::StatusOr<bool> Step() { return impl_->Step(); }
  // Steps to completion (for statements returning no rows) and resets.
  absl::Status Run();
  void Reset() { impl_->Reset(); }

  int64_t Int(int column) const { return impl_->Int(column); }
  std::string Text(int column) const { return std::string(View(column)); }
  // Valid until the next Step/Reset.
  std::string_view View(int column) const { return impl_->View(column); }

 private:
  std::unique_ptr<Impl> impl_;
};

// Steps a bound statement to the end, converting each row with `convert`
// (Statement -> T, or -> absl::StatusOr<T> for a row that may not convert:
// its error is then the result); resets it after.
template <typename T, typename F>
absl::StatusOr<std::vector<T>> CollectRows(Statement& s, F convert) {
  std::vector<T> out;
  while (true) {
    auto row = s.Step();
    if (!row.ok() || !*row) {
      s.Reset();
      if (!row.ok()) return row.status();
      return out;
    }
    if constexpr (std::is_same_v<std::invoke_result_t<F, const Statement&>, absl::StatusOr<T>>) {
      auto value = convert(s);
      if (!value.ok()) {
        s.Reset();
        return value.status();
      }
      out.push_back(std::move(*value));
    } else {
      out.push_back(convert(s));
    }
  }
}

// One connection to the database. Not thread-safe: each thread uses its own.
// Errors are Statuses GroupCommit's Classify understands: a full disk
// RESOURCE_EXHAUSTED, busy or unreachable UNAVAILABLE (transient), a
// constraint ABORTED (that operation only), corruption DATA_LOSS, anything
// else INTERNAL (fatal).
class Connection {
 public:
  virtual ~Connection() = default;

  // Runs one or more statements that take no parameters.
  virtual absl::Status Exec(const std::string& sql) = 0;
  virtual absl::StatusOr<Statement> Prepare(std::string_view sql) = 0;
  // Rows the last INSERT, UPDATE or DELETE changed (0 for an ignored one).
  virtual int64_t Changes() const = 0;
  // The integer in the first column of the first row of `sql` (0 if none).
  absl::StatusOr<int64_t> QueryInt(std::string_view sql);
};

}  // namespace safeshare::store
