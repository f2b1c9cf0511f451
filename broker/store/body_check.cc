#include "broker/store/body_check.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "broker/audit/audit_entry.h"
#include "broker/core/status_macros.h"
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

namespace {

// Adds the rows of `sql` (seq, body, content_hash) to `report`, keeping the
// lowest kMaxNamed failing sequences of this pass.
absl::Status CheckRows(Connection& db, std::string_view sql, BodyCheckReport& report) {
  auto rows = db.Prepare(sql);
  if (!rows.ok()) return rows.status();
  std::vector<int64_t> named;
  // Bounded by the rows of the table, which a read transaction keeps fixed.
  while (true) {
    auto row = rows->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    ++report.checked;
    if (audit::ContentHash(rows->View(1)) == rows->View(2)) continue;
    ++report.failed;
    if (named.size() < BodyCheckReport::kMaxNamed) named.push_back(rows->Int(0));
  }
  report.first_failed.insert(report.first_failed.end(), named.begin(), named.end());
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<BodyCheckReport> CheckBodies(Connection& db) {
  BodyCheckReport report;
  // Full bodies, then redacted views, each pass in sequence order. The lowest
  // failing sequences overall are among the lowest of each pass.
  SAFESHARE_RETURN_IF_ERROR(
      CheckRows(db, "SELECT seq, body, content_hash FROM notifications ORDER BY seq", report));
  // A version 2 file (an older backup under audit) has no views.
  auto has_views = db.QueryInt("SELECT count(*) FROM sqlite_master WHERE name='views'");
  if (!has_views.ok()) return has_views.status();
  if (*has_views > 0) {
    SAFESHARE_RETURN_IF_ERROR(
        CheckRows(db, "SELECT seq, body, content_hash FROM views ORDER BY seq, view", report));
  }
  auto& named = report.first_failed;
  std::sort(named.begin(), named.end());
  named.erase(std::unique(named.begin(), named.end()), named.end());
  if (named.size() > BodyCheckReport::kMaxNamed) named.resize(BodyCheckReport::kMaxNamed);
  return report;
}

absl::StatusOr<BodyCheckReport> CheckStoreBodies(const std::filesystem::path& path) {
  if (!std::filesystem::exists(path)) return absl::NotFoundError("no store at " + path.string());
  auto db = Connection::Open(path, /*read_only=*/true);
  if (!db.ok()) return db.status();
  return CheckBodies(**db);
}

}  // namespace safeshare::store
