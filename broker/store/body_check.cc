#include "broker/store/body_check.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "broker/audit/audit_entry.h"
#include "broker/core/status_macros.h"
#include "broker/store/body_seal.h"
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

// Adds the rows of `sql` (seq, body, content_hash, id, body_key, view,
// content_deleted_at) to
// `report`, keeping the lowest kMaxNamed failing sequences of this pass. A
// body that does not authenticate counts as failed; one whose key is not
// loaded stops the check (it cannot say either way).
absl::Status CheckRows(Connection& db, const DataKeys& keys, std::string_view sql,
                       BodyCheckReport& report) {
  auto rows = db.Prepare(sql);
  if (!rows.ok()) return rows.status();
  std::vector<int64_t> named;
  // Bounded by the rows of the table, which a read transaction keeps fixed.
  while (true) {
    auto row = rows->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    const int64_t seq = rows->Int(0);
    if (rows->Int(6) != 0 && rows->View(1).empty()) {  // deleted under retention
      ++report.deleted;
      continue;
    }
    ++report.checked;
    auto body = OpenBody(keys, rows->View(4), rows->View(1), rows->View(3), rows->Int(5),
                         static_cast<uint64_t>(seq));
    if (!body.ok() && !absl::IsDataLoss(body.status())) return body.status();
    if (body.ok() && audit::ContentHash(*body) == rows->View(2)) continue;
    ++report.failed;
    if (named.size() < BodyCheckReport::kMaxNamed) named.push_back(seq);
  }
  report.first_failed.insert(report.first_failed.end(), named.begin(), named.end());
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<BodyCheckReport> CheckBodies(Connection& db, const DataKeys& keys) {
  BodyCheckReport report;
  // A file older than version 11 (an older backup under audit) is plaintext.
  auto sealed =
      db.QueryInt("SELECT count(*) FROM pragma_table_info('notifications') WHERE name='body_key'");
  if (!sealed.ok()) return sealed.status();
  const std::string key = *sealed > 0 ? "body_key" : "''";
  // And older than version 12 has deleted nothing under retention.
  auto retained = db.QueryInt(
      "SELECT count(*) FROM pragma_table_info('notifications') WHERE name='content_deleted_at'");
  if (!retained.ok()) return retained.status();
  const std::string deleted = *retained > 0 ? "content_deleted_at" : "0";
  // Full bodies, then redacted views, each pass in sequence order. The lowest
  // failing sequences overall are among the lowest of each pass.
  SAFESHARE_RETURN_IF_ERROR(CheckRows(db, keys,
                                      "SELECT seq, body, content_hash, id, " + key + ", 0, " +
                                          deleted + " FROM notifications ORDER BY seq",
                                      report));
  // A version 2 file (an older backup under audit) has no views.
  auto has_views = db.QueryInt("SELECT count(*) FROM sqlite_master WHERE name='views'");
  if (!has_views.ok()) return has_views.status();
  if (*has_views > 0) {
    SAFESHARE_RETURN_IF_ERROR(CheckRows(db, keys,
                                        "SELECT v.seq, v.body, v.content_hash, n.id, v." + key +
                                            ", v.view, 0 FROM views v JOIN notifications n ON "
                                            "n.seq=v.seq ORDER BY v.seq, v.view",
                                        report));
  }
  auto& named = report.first_failed;
  std::sort(named.begin(), named.end());
  named.erase(std::unique(named.begin(), named.end()), named.end());
  if (named.size() > BodyCheckReport::kMaxNamed) named.resize(BodyCheckReport::kMaxNamed);
  return report;
}

absl::StatusOr<BodyCheckReport> CheckStoreBodies(const std::filesystem::path& path,
                                                 const DataKeys& keys) {
  if (!std::filesystem::exists(path)) return absl::NotFoundError("no store at " + path.string());
  auto db = SqliteConnection::Open(path, /*read_only=*/true);
  if (!db.ok()) return db.status();
  return CheckBodies(**db, keys);
}

}  // namespace safeshare::store
