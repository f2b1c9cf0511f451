#include "report_queries.h"

#include <set>
#include <vector>

#include "audit_pages.h"
#include "history_builder.h"

namespace safeshare::review {

absl::StatusOr<CaseReport> BuildCaseReport(client::Client& client, const std::string& case_ref) {
  v1::AuditFilter filter;
  filter.set_case_ref(case_ref);
  HistoryBuilder builder(case_ref);
  absl::StatusOr<uint64_t> tree_size =
      ForEachEntry(client, filter, 0, 0, [&](const v1::AuditEntry& e) { builder.Add(e); });
  if (!tree_size.ok()) return tree_size.status();
  CaseReport report;
  report.set_case_ref(case_ref);
  report.set_entries_read(builder.entries_read());
  report.set_tree_size(*tree_size);
  for (auto& history : builder.Histories()) *report.add_notifications() = std::move(history);
  for (const Event& event : builder.events()) *report.add_events() = event;
  return report;
}

absl::StatusOr<SubjectReport> BuildSubjectReport(client::Client& client,
                                                 const v1::PersonIdentifier& person) {
  v1::AuditFilter filter;
  *filter.mutable_person() = person;
  SubjectReport report;
  std::set<std::string> notifications;
  std::vector<std::string> in_order;
  absl::StatusOr<uint64_t> tree_size = ForEachEntry(client, filter, 0, 0, [&](const auto& e) {
    report.set_entries_matched(report.entries_matched() + 1);
    for (const v1::AuditLine& line : LinesOf(e)) {
      if (!line.notification_id().empty() && notifications.insert(line.notification_id()).second)
        in_order.push_back(line.notification_id());
    }
    if (!e.notification_id().empty() && notifications.insert(e.notification_id()).second) {
      in_order.push_back(e.notification_id());
    }
    if (e.notification_id().empty() && e.lines_size() == 0) {
      HistoryBuilder one;  // not about a notification: an interest change, for instance
      one.Add(e);
      for (const Event& event : one.events()) *report.add_other_entries() = event;
    }
  });
  if (!tree_size.ok()) return tree_size.status();
  report.set_tree_size(*tree_size);
  for (const std::string& id : in_order) {
    v1::AuditFilter by_notification;
    by_notification.set_notification_id(id);
    HistoryBuilder builder("", {id});
    auto read = ForEachEntry(client, by_notification, 0, 0, [&](const auto& e) { builder.Add(e); });
    if (!read.ok()) return read.status();
    for (auto& history : builder.Histories()) *report.add_notifications() = std::move(history);
  }
  return report;
}

}  // namespace safeshare::review
