#include "broker/store/sql.h"

namespace safeshare::store {

absl::Status Statement::Run() {
  auto stepped = Step();
  Reset();
  return stepped.status();
}

absl::StatusOr<int64_t> Connection::QueryInt(std::string_view sql) {
  auto stmt = Prepare(sql);
  if (!stmt.ok()) return stmt.status();
  auto row = stmt->Step();
  if (!row.ok()) return row.status();
  const int64_t value = *row ? stmt->Int(0) : 0;
  stmt->Reset();
  return value;
}

}  // namespace safeshare::store
