#include "broker/store/body_check.h"

#include "absl/strings/str_cat.h"
#include "broker/audit/audit_entry.h"
#include "broker/store/sqlite_db.h"

namespace safeshare::store {

std::string BodyCheckReport::Describe() const {
  std::string text = absl::StrCat(failed, " of ", checked,
                                  " notification bodies do not match their content hash (first: "
                                  "sequence ");
  for (size_t i = 0; i < first_failed.size(); ++i) {
    absl::StrAppend(&text, i == 0 ? "" : ", ", first_failed[i]);
  }
  return text + ")";
}

absl::StatusOr<BodyCheckReport> CheckBodies(Connection& db) {
  auto rows = db.Prepare("SELECT seq, body, content_hash FROM notifications ORDER BY seq");
  if (!rows.ok()) return rows.status();
  BodyCheckReport report;
  // Bounded by the rows of the table, which a read transaction keeps fixed.
  while (true) {
    auto row = rows->Step();
    if (!row.ok()) return row.status();
    if (!*row) return report;
    ++report.checked;
    if (audit::ContentHash(rows->View(1)) == rows->View(2)) continue;
    ++report.failed;
    if (report.first_failed.size() < BodyCheckReport::kMaxNamed) {
      report.first_failed.push_back(rows->Int(0));
    }
  }
}

absl::StatusOr<BodyCheckReport> CheckStoreBodies(const std::filesystem::path& path) {
  if (!std::filesystem::exists(path)) return absl::NotFoundError("no store at " + path.string());
  auto db = Connection::Open(path, /*read_only=*/true);
  if (!db.ok()) return db.status();
  return CheckBodies(**db);
}

}  // namespace safeshare::store
