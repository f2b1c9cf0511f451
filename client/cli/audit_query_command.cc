// `safeshare audit query` and `safeshare audit export`.
#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <set>

#include "absl/strings/str_cat.h"
#include "audit_pages.h"
#include "audit_review_commands.h"
#include "broker/audit/entry_proto.h"
#include "exit_code.h"
#include "output_files.h"
#include "report_text.h"

namespace safeshare::cli {
namespace {

void PrintHeader() {
  std::cout << std::left << std::setw(8) << "ENTRY" << std::setw(22) << "TIME (UTC)"
            << std::setw(18) << "ACTION" << std::setw(12) << "ACTOR" << std::setw(18) << "CASE"
            << std::setw(38) << "NOTIFICATION"
            << "DETAIL\n";
}

// The CASE cell: the entry's case; for a batch (deliveries or
// acknowledgements, the case on each line) the one its lines name, the
// case the query asked for when a line names it, or "several".
std::string CaseCell(const v1::AuditEntry& e, const std::string& asked) {
  if (!e.case_ref().empty()) return e.case_ref();
  std::set<std::string> cases;
  for (const v1::AuditLine& line : e.lines()) {
    if (!line.case_ref().empty()) cases.insert(line.case_ref());
  }
  if (!asked.empty() && cases.contains(asked)) return asked;
  if (cases.empty()) return "-";
  return cases.size() == 1 ? *cases.begin() : absl::StrCat("several (", cases.size(), ")");
}

void PrintRow(const v1::AuditEntry& e, const std::string& asked_case) {
  // Columns keep their width; a longer value pushes the row, never hides text.
  auto cell = [](const std::string& text, int width) {
    std::cout << std::setw(width) << text << (static_cast<int>(text.size()) >= width ? " " : "");
  };
  std::cout << std::left;
  cell(std::to_string(e.index()), 8);
  cell(review::FormatTime(e.at()), 22);
  cell(e.action(), 18);
  cell(e.actor(), 12);
  cell(CaseCell(e, asked_case), 18);
  cell(e.notification_id().empty() ? "-" : e.notification_id(), 38);
  std::cout << review::EntrySummary(e) << "\n";
}

}  // namespace

int RunAuditQuery(client::Client& client, const AuditReviewFlags& flags) {
  absl::StatusOr<v1::AuditFilter> filter = FilterFromFlags(flags);
  if (!filter.ok()) return Fail(kExitUsage, filter.status().message());
  v1::QueryAuditRequest request;
  *request.mutable_filter() = *filter;
  request.set_after_index(flags.after);
  request.set_limit(flags.limit != 0 ? flags.limit : flags.all ? review::kMaxPage : 100);
  uint64_t shown = 0;
  for (bool first = true;; first = false) {
    absl::StatusOr<v1::QueryAuditResponse> page = client.QueryAudit(request);
    if (!page.ok()) return FailBroker("audit query", page.status());
    if (first && !flags.json) PrintHeader();  // not above a refusal
    for (const v1::AuditEntry& entry : page->entries()) {
      if (flags.json) {
        std::cout << audit::ToJsonLine(entry) << "\n";
      } else {
        PrintRow(entry, flags.case_ref);
      }
    }
    shown += page->entries_size();
    if (page->next_after_index() == 0) break;
    if (!flags.all) {
      std::cerr << "more entries: run again with --after " << page->next_after_index()
                << " (or --all)\n";
      break;
    }
    request.set_after_index(page->next_after_index());
  }
  if (!flags.json) std::cerr << shown << " entries\n";
  std::cout.flush();
  return kExitOk;
}

// Streams into OUT.partial and renames it to OUT at the end, so a failed or
// interrupted export never leaves a file that looks complete.
int RunAuditExport(client::Client& client, const AuditReviewFlags& flags) {
  absl::StatusOr<v1::AuditFilter> filter = FilterFromFlags(flags);
  if (!filter.ok()) return Fail(kExitUsage, filter.status().message());
  v1::ExportAuditRequest request;
  *request.mutable_filter() = *filter;
  request.set_format(flags.format == "csv" ? v1::EXPORT_FORMAT_CSV : v1::EXPORT_FORMAT_JSONL);
  if (absl::Status writable = review::CheckFileDestination(flags.out); !writable.ok()) {
    return Fail(kExitUsage, absl::StrCat("--out ", writable.message()));
  }
  // As `safeshare-broker backup --to` does: an export is evidence, and a
  // mistyped name must not replace an earlier one.
  if (!flags.force && std::filesystem::exists(flags.out)) {
    return Fail(kExitUsage, absl::StrCat("--out ", flags.out,
                                         " exists; choose another file or pass --force to "
                                         "replace it"));
  }
  const std::string partial = flags.out + ".partial";
  std::ofstream out(partial, std::ios::binary | std::ios::trunc);
  if (!out) {
    const std::error_code why(errno, std::generic_category());
    return Fail(kExitUsage, absl::StrCat("--out ", flags.out, ": cannot write ", partial, ": ",
                                         review::Reason(why)));
  }
  uint64_t entries = 0;
  absl::Status exported = client.ExportAudit(request, [&](const v1::ExportChunk& chunk) {
    out.write(chunk.data().data(), static_cast<std::streamsize>(chunk.data().size()));
    entries += chunk.entries();
    return out ? absl::OkStatus() : absl::InternalError(absl::StrCat("cannot write ", partial));
  });
  out.close();
  if (exported.ok() && !out) exported = absl::InternalError(absl::StrCat("cannot write ", partial));
  std::error_code error;
  if (!exported.ok()) {
    std::filesystem::remove(partial, error);
    return FailBroker("audit export (nothing written)", exported);
  }
  std::filesystem::rename(partial, flags.out, error);
  if (error) {
    return Fail(kExitUsage, absl::StrCat("--out ", flags.out, ": cannot rename ", partial,
                                         " to it: ", review::Reason(error)));
  }
  std::cerr << "exported " << entries << " entries to " << flags.out << "\n";
  return kExitOk;
}

}  // namespace safeshare::cli
