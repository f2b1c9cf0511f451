#include "broker/service/audit_export.h"

#include <google/protobuf/util/time_util.h>

#include <initializer_list>
#include <utility>

#include "absl/strings/str_join.h"
#include "broker/audit/entry_proto.h"

namespace safeshare::service {
namespace {

using google::protobuf::util::TimeUtil;

// RFC 4180: a field with a comma, quote or line break is quoted, its quotes
// doubled.
void AppendField(std::string& row, std::string_view field) {
  if (!row.empty()) row += ',';
  if (field.find_first_of(",\"\r\n") == std::string_view::npos) {
    row += field;
    return;
  }
  row += '"';
  for (const char c : field) {
    if (c == '"') row += '"';
    row += c;
  }
  row += '"';
}

std::string Row(std::initializer_list<std::string_view> fields) {
  std::string row;
  for (const auto field : fields) AppendField(row, field);
  return row + "\r\n";
}

std::string Time(const google::protobuf::Timestamp& t) {
  return t.seconds() == 0 && t.nanos() == 0 ? "" : TimeUtil::ToString(t);
}

}  // namespace

AuditExport::AuditExport(const store::Store& store, store::AuditQuery query, ExportFormat format,
                         int64_t last_id, ReadDeadline deadline)
    : store_(store),
      query_(std::move(query)),
      format_(format),
      last_id_(last_id),
      deadline_(deadline) {
  query_.limit = kPage;
}

std::string AuditExport::CsvHeader() {
  return Row({"index",
              "version",
              "at",
              "clock_stepped_back_from",
              "actor",
              "action",
              "notification_id",
              "case_ref",
              "recipient",
              "subscription",
              "rule",
              "lawful_basis",
              "purpose",
              "detail",
              "content_hash",
              "person_hashes",
              "prev_hash",
              "entry_hash",
              "leaf_hash",
              "line_outcome",
              "line_agency",
              "line_notification_id",
              "line_case_ref",
              "line_sequence",
              "line_agreement",
              "line_rule",
              "line_purpose",
              "line_lawful_basis",
              "line_content_hash",
              "line_detail"});
}

std::string AuditExport::CsvRows(const audit::Entry& entry) {
  const v1::AuditEntry e = audit::ToProto(entry);
  const std::string index = std::to_string(e.index()), version = std::to_string(e.version());
  const std::string at = Time(e.at()), stepped = Time(e.clock_stepped_back_from());
  const std::string persons = absl::StrJoin(e.person_hashes(), " ");
  // The entry's columns, repeated on each of its rows.
  const auto row = [&](const v1::AuditLine& l) {
    const std::string sequence = l.sequence() == 0 ? "" : std::to_string(l.sequence());
    return Row({index,
                version,
                at,
                stepped,
                e.actor(),
                e.action(),
                e.notification_id(),
                e.case_ref(),
                e.recipient(),
                e.subscription(),
                e.rule(),
                e.lawful_basis(),
                e.purpose(),
                e.detail(),
                e.content_hash(),
                persons,
                e.prev_hash(),
                e.entry_hash(),
                e.leaf_hash(),
                l.outcome(),
                l.agency(),
                l.notification_id(),
                l.case_ref(),
                sequence,
                l.agreement(),
                l.rule(),
                l.purpose(),
                l.lawful_basis(),
                l.content_hash(),
                l.detail()});
  };
  if (e.lines().empty()) return row(v1::AuditLine());
  std::string rows;
  for (const auto& line : e.lines()) rows += row(line);
  return rows;
}

std::string AuditExport::JsonLine(const audit::Entry& entry) {
  return audit::ToJsonLine(audit::ToProto(entry)) + "\n";
}

absl::StatusOr<bool> AuditExport::Fill() {
  if (!page_.empty()) return true;
  if (exhausted_) return false;
  if (auto in_time = CheckDeadline(*deadline_.clock, deadline_.micros, "the audit log");
      !in_time.ok()) {
    return in_time;
  }
  auto page = store_.QueryAudit(query_);
  if (!page.ok()) return page.status();
  exhausted_ = page->size() < kPage;
  for (auto& entry : *page) {
    if (entry.id > last_id_) {  // appended after the export began
      exhausted_ = true;
      break;
    }
    page_.push_back(std::move(entry));
  }
  if (!page_.empty()) query_.after_id = page_.back().id;
  return !page_.empty();
}

absl::StatusOr<ExportChunk> AuditExport::Next() {
  ExportChunk chunk;
  if (format_ == ExportFormat::kCsv && !header_written_) {
    chunk.data = CsvHeader();
    header_written_ = true;
  }
  while (chunk.data.size() < kChunkBytes) {
    auto more = Fill();
    if (!more.ok()) return more.status();
    if (!*more) break;
    const audit::Entry& entry = page_.front();
    chunk.data += format_ == ExportFormat::kCsv ? CsvRows(entry) : JsonLine(entry);
    ++chunk.entries;
    page_.pop_front();
  }
  // A CSV export of nothing is its header; the piece after it is empty.
  return chunk;
}

}  // namespace safeshare::service
