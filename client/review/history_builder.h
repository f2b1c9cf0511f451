#ifndef SAFESHARE_CLIENT_REVIEW_HISTORY_BUILDER_H_
#define SAFESHARE_CLIENT_REVIEW_HISTORY_BUILDER_H_

#include <map>
#include <set>
#include <string>
#include <vector>

#include "safeshare/review/review.pb.h"
#include "safeshare/v1/audit.pb.h"

namespace safeshare::review {

// The lines of `entry`: its own, or, for an entry written before lines
// existed (one routed, withheld, delivered or acknowledged entry per
// agency), one line made of the entry's fields. Entries of other actions
// without lines have none.
std::vector<v1::AuditLine> LinesOf(const v1::AuditEntry& entry);

// Builds notification histories from audit entries fed in log order (as
// Query pages return them). A decision (`published` with its routed,
// urgent_disclosure and withheld lines) makes the recipients; `delivered`
// and `acknowledged` lines mark them. Every other entry is an Event.
//
// Scope: with `case_ref` set, only lines (and entries) of that case count,
// since a batch of deliveries may span cases; with `notifications` set,
// only those notifications.
class HistoryBuilder {
 public:
  explicit HistoryBuilder(std::string case_ref = "", std::set<std::string> notifications = {});

  void Add(const v1::AuditEntry& entry);

  uint64_t entries_read() const { return entries_read_; }
  // The histories in the order their first entry was read, each with its
  // not_acknowledged list filled.
  std::vector<NotificationHistory> Histories() const;
  const std::vector<Event>& events() const { return events_; }

 private:
  bool InScope(const std::string& case_ref, const std::string& notification_id) const;
  NotificationHistory& History(const std::string& notification_id);
  void AddDecision(const v1::AuditEntry& entry, const std::vector<v1::AuditLine>& lines);
  void AddReceipt(const v1::AuditEntry& entry, const std::vector<v1::AuditLine>& lines);

  std::string case_ref_;
  std::set<std::string> notifications_;
  uint64_t entries_read_ = 0;
  std::map<std::string, NotificationHistory> by_id_;
  std::vector<std::string> order_;
  std::vector<Event> events_;
};

// The recipient `agency` of `history`, added (with no outcome) when the
// decision naming it was not read.
RecipientStatus& RecipientOf(NotificationHistory& history, const std::string& agency);

}  // namespace safeshare::review

#endif  // SAFESHARE_CLIENT_REVIEW_HISTORY_BUILDER_H_
