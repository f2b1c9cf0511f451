#include "broker/audit/audit_report.h"

#include <cstdio>

#include <fmt/format.h>
#include <ctime>

namespace safeshare::audit {
namespace {

std::string Row(const std::string& time, std::string_view action, const std::string& actor,
                const std::string& recipient, const std::string& case_ref, const std::string& rule,
                const std::string& basis, const std::string& notification,
                const std::string& detail) {
  // Columns pad to a width but never truncate: a long value widens its row.
  return fmt::format("{:<24} {:<17} {:<10} {:<10} {:<15} {:<30} {:<25} {:<13} {}\n", time, action,
                     actor, recipient, case_ref, rule, basis, notification, detail);
}

// The entry's detail, with a note when the clock stepped back before it.
std::string Detail(const Entry& e) {
  if (e.clock_stepped_back_from == 0) return e.detail;
  return e.detail + " [clock stepped back: the entry before is stamped " +
         FormatTime(e.clock_stepped_back_from) + "]";
}

// A line's particulars beyond the columns: its sequence, agreement, purpose
// and detail (withheld fields, the reason it was withheld, ...).
std::string LineDetail(const Line& line) {
  std::string out = line.sequence != 0 ? "sequence " + std::to_string(line.sequence) : "";
  for (const std::string* part : {&line.agreement, &line.purpose, &line.detail}) {
    if (part->empty()) continue;
    if (!out.empty()) out += "; ";
    out += *part;
  }
  return out;
}

// One row per line, under its entry's row: "line 2/3" in the time column,
// the outcome in the action column and the line's agency as recipient.
std::string LineRows(const Entry& e) {
  std::string out;
  for (size_t i = 0; i < e.lines.size(); ++i) {
    const Line& line = e.lines[i];
    out += Row("  line " + std::to_string(i + 1) + "/" + std::to_string(e.lines.size()),
               ActionName(line.outcome), "", line.agency, line.case_ref, line.rule,
               line.lawful_basis, line.notification_id.substr(0, 13), LineDetail(line));
  }
  return out;
}

}  // namespace

std::string FormatTime(int64_t micros) {
  const std::time_t seconds = static_cast<std::time_t>(micros / 1'000'000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char text[64];
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>((micros / 1000) % 1000));
  return text;
}

std::string FormatTable(const std::vector<Entry>& entries) {
  std::string out = Row("time (UTC)", "action", "actor", "recipient", "case", "rule",
                        "lawful basis", "notification", "detail");
  for (const auto& e : entries) {
    // The first 13 characters of a UUIDv7 identify it within a trail.
    out += Row(FormatTime(e.at_micros), ActionName(e.action), e.actor, e.recipient, e.case_ref,
               e.rule, e.lawful_basis, e.notification_id.substr(0, 13), Detail(e));
    out += LineRows(e);
  }
  return out;
}

}  // namespace safeshare::audit
