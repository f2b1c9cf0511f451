#include "report_text.h"

#include <algorithm>

#include <google/protobuf/util/json_util.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"

namespace safeshare::review {
namespace {

// Agency names padded to one column.
std::string Pad(const std::string& text, size_t width) {
  return text.size() >= width ? text : text + std::string(width - text.size(), ' ');
}

std::string Decision(const RecipientStatus& r) {
  if (r.outcome().empty()) return "(no routing decision among the entries read)";
  std::vector<std::string> parts;
  if (r.outcome() == "urgent_disclosure") parts.push_back("URGENT DISCLOSURE outside agreements");
  if (!r.agreement().empty()) parts.push_back("agreement " + r.agreement());
  if (!r.rule().empty()) parts.push_back("rule " + r.rule());
  if (!r.purpose().empty()) parts.push_back("purpose " + r.purpose());
  if (!r.lawful_basis().empty()) parts.push_back("lawful basis " + r.lawful_basis());
  if (!r.detail().empty()) parts.push_back(r.detail());
  return absl::StrJoin(parts, "; ");
}

std::string Receipt(const RecipientStatus& r) {
  std::string text = r.delivered_index() == 0
                         ? "NOT DELIVERED"
                         : absl::StrCat("delivered ", FormatTime(r.delivered_at()), " (",
                                        r.subscription(), ", entry ", r.delivered_index(), ")");
  if (r.acknowledged()) {
    absl::StrAppend(&text, "; acknowledged ", FormatTime(r.acknowledged_at()), " (entry ",
                    r.acknowledged_index(), ")");
  } else {
    absl::StrAppend(&text, "; NOT ACKNOWLEDGED");
  }
  return text;
}

void PrintHistory(const NotificationHistory& h, std::ostream& out) {
  out << "\nNotification " << h.notification_id();
  if (!h.detail().empty()) out << " (" << h.detail() << ")";
  out << "\n  case " << h.case_ref() << "\n";
  if (h.published_index() != 0) {
    out << "  published " << FormatTime(h.published_at()) << " by " << h.publisher() << " (entry "
        << h.published_index() << "; content sha256 " << h.content_hash() << ")\n";
  } else {
    out << "  published: not among the entries read\n";
  }
  size_t width = 0;
  for (const auto& r : h.recipients()) width = std::max(width, r.agency().size());
  for (const auto& w : h.withheld()) width = std::max(width, w.agency().size());
  width += 2;
  out << "  routed to" << (h.recipients().empty() ? ": nobody" : "") << "\n";
  for (const auto& r : h.recipients()) {
    out << "    " << Pad(r.agency(), width) << Decision(r) << "\n"
        << "    " << std::string(width, ' ') << Receipt(r) << "\n";
  }
  if (!h.withheld().empty()) out << "  withheld from\n";
  for (const auto& w : h.withheld()) out << "    " << Pad(w.agency(), width) << w.reason() << "\n";
  if (h.not_acknowledged().empty()) {
    out << "  acknowledged by every recipient\n";
  } else {
    out << "  NOT ACKNOWLEDGED BY: " << absl::StrJoin(h.not_acknowledged(), ", ") << "\n";
  }
}

void PrintEvents(const std::string& title, const google::protobuf::RepeatedPtrField<Event>& events,
                 std::ostream& out) {
  if (events.empty()) return;
  out << "\n" << title << "\n";
  for (const Event& e : events) {
    out << "  " << FormatTime(e.at()) << "  entry " << e.index() << "  " << e.action() << " by "
        << e.actor() << (e.detail().empty() ? "" : ": ") << e.detail() << "\n";
  }
}

}  // namespace

std::string EntrySummary(const v1::AuditEntry& entry) {
  std::vector<std::string> parts;
  if (!entry.detail().empty()) parts.push_back(entry.detail());
  if (!entry.recipient().empty()) parts.push_back("recipient " + entry.recipient());
  if (!entry.subscription().empty()) parts.push_back("subscription " + entry.subscription());
  std::vector<std::pair<std::string, std::vector<std::string>>> by_outcome;
  for (const v1::AuditLine& line : entry.lines()) {
    auto it = std::find_if(by_outcome.begin(), by_outcome.end(),
                           [&](const auto& group) { return group.first == line.outcome(); });
    if (it == by_outcome.end()) it = by_outcome.insert(by_outcome.end(), {line.outcome(), {}});
    std::string name = line.agency().empty() ? line.notification_id() : line.agency();
    // A retention deletion's line says why; the reason is the point of it.
    if (line.outcome() == "content_deleted") name += " (" + line.detail() + ")";
    if (std::find(it->second.begin(), it->second.end(), name) == it->second.end())
      it->second.push_back(name);
  }
  for (const auto& [outcome, names] : by_outcome) {
    parts.push_back(absl::StrCat(outcome, ": ", absl::StrJoin(names, ", ")));
  }
  return absl::StrJoin(parts, "; ");
}

std::string FormatTime(const google::protobuf::Timestamp& at) {
  if (at.seconds() == 0 && at.nanos() == 0) return "-";
  return absl::FormatTime("%Y-%m-%d %H:%M:%SZ", absl::FromUnixSeconds(at.seconds()),
                          absl::UTCTimeZone());
}

void PrintCaseReport(const CaseReport& report, std::ostream& out) {
  out << "Case " << report.case_ref() << ": " << report.notifications_size() << " notification(s), "
      << report.entries_read() << " audit entries read (log of " << report.tree_size()
      << " entries)\n";
  for (const auto& history : report.notifications()) PrintHistory(history, out);
  PrintEvents("Other entries of the case", report.events(), out);
}

void PrintSubjectReport(const SubjectReport& report, std::ostream& out) {
  out << "Person: " << report.entries_matched() << " audit entries carry their keyed hash; "
      << report.notifications_size() << " notification(s) shared (log of " << report.tree_size()
      << " entries)\n";
  for (const auto& history : report.notifications()) PrintHistory(history, out);
  PrintEvents("Other entries naming the person", report.other_entries(), out);
}

std::string ToJson(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;
  std::string json;
  (void)google::protobuf::util::MessageToJsonString(message, &json, options);
  return json;
}

}  // namespace safeshare::review
