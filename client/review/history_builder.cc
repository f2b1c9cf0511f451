#include "history_builder.h"

#include <utility>

namespace safeshare::review {
namespace {

bool IsDecisionLine(const std::string& outcome) {
  return outcome == "routed" || outcome == "urgent_disclosure" || outcome == "withheld";
}

bool IsReceiptLine(const std::string& outcome) {
  return outcome == "delivered" || outcome == "acknowledged";
}

// A line's case and notification, falling back on the entry's.
std::string CaseOf(const v1::AuditLine& line, const v1::AuditEntry& entry) {
  return line.case_ref().empty() ? entry.case_ref() : line.case_ref();
}
std::string NotificationOf(const v1::AuditLine& line, const v1::AuditEntry& entry) {
  return line.notification_id().empty() ? entry.notification_id() : line.notification_id();
}
// The recipient a receipt line is about: the line's agency, else the entry's.
std::string RecipientAgency(const v1::AuditLine& line, const v1::AuditEntry& entry) {
  if (!line.agency().empty()) return line.agency();
  return entry.recipient().empty() ? entry.actor() : entry.recipient();
}

Event EventOf(const v1::AuditEntry& entry) {
  Event event;
  event.set_index(entry.index());
  *event.mutable_at() = entry.at();
  event.set_actor(entry.actor());
  event.set_action(entry.action());
  event.set_detail(entry.detail());
  event.set_notification_id(entry.notification_id());
  return event;
}

}  // namespace

std::vector<v1::AuditLine> LinesOf(const v1::AuditEntry& entry) {
  if (entry.lines_size() > 0) return {entry.lines().begin(), entry.lines().end()};
  if (!IsDecisionLine(entry.action()) && !IsReceiptLine(entry.action())) return {};
  v1::AuditLine line;  // an entry of encoding version 1: one agency per entry
  line.set_outcome(entry.action());
  line.set_agency(entry.recipient());
  line.set_notification_id(entry.notification_id());
  line.set_case_ref(entry.case_ref());
  line.set_rule(entry.rule());
  line.set_purpose(entry.purpose());
  line.set_lawful_basis(entry.lawful_basis());
  line.set_content_hash(entry.content_hash());
  line.set_detail(entry.detail());
  return {line};
}

RecipientStatus& RecipientOf(NotificationHistory& history, const std::string& agency) {
  for (auto& recipient : *history.mutable_recipients()) {
    if (recipient.agency() == agency) return recipient;
  }
  RecipientStatus* added = history.add_recipients();
  added->set_agency(agency);
  return *added;
}

HistoryBuilder::HistoryBuilder(std::string case_ref, std::set<std::string> notifications)
    : case_ref_(std::move(case_ref)), notifications_(std::move(notifications)) {}

bool HistoryBuilder::InScope(const std::string& case_ref,
                             const std::string& notification_id) const {
  if (!case_ref_.empty() && case_ref != case_ref_) return false;
  return notifications_.empty() || notifications_.count(notification_id) > 0;
}

NotificationHistory& HistoryBuilder::History(const std::string& notification_id) {
  auto [it, added] = by_id_.try_emplace(notification_id);
  if (added) {
    it->second.set_notification_id(notification_id);
    order_.push_back(notification_id);
  }
  return it->second;
}

void HistoryBuilder::Add(const v1::AuditEntry& entry) {
  ++entries_read_;
  const std::vector<v1::AuditLine> lines = LinesOf(entry);
  if (entry.action() == "published" || IsDecisionLine(entry.action())) {
    AddDecision(entry, lines);
  } else if (IsReceiptLine(entry.action())) {
    AddReceipt(entry, lines);
  } else if (InScope(entry.case_ref(), entry.notification_id())) {
    events_.push_back(EventOf(entry));
  }
}

void HistoryBuilder::AddDecision(const v1::AuditEntry& entry,
                                 const std::vector<v1::AuditLine>& lines) {
  if (!InScope(entry.case_ref(), entry.notification_id())) return;
  NotificationHistory& history = History(entry.notification_id());
  history.set_case_ref(entry.case_ref());
  if (entry.action() == "published") {
    history.set_publisher(entry.actor());
    *history.mutable_published_at() = entry.at();
    history.set_published_index(entry.index());
    history.set_detail(entry.detail());
    history.set_content_hash(entry.content_hash());
  }
  for (const v1::AuditLine& line : lines) {
    if (line.sequence() != 0) history.set_sequence(line.sequence());
    if (line.outcome() == "withheld") {
      WithheldFrom* withheld = history.add_withheld();
      withheld->set_agency(line.agency());
      withheld->set_reason(line.detail());
      withheld->set_index(entry.index());
      continue;
    }
    if (!IsDecisionLine(line.outcome())) continue;
    RecipientStatus& recipient = RecipientOf(history, line.agency());
    recipient.set_outcome(line.outcome());
    recipient.set_agreement(line.agreement());
    recipient.set_rule(line.rule());
    recipient.set_purpose(line.purpose());
    recipient.set_lawful_basis(line.lawful_basis());
    recipient.set_content_hash(line.content_hash());
    recipient.set_detail(line.detail());
    recipient.set_routed_index(entry.index());
  }
}

void HistoryBuilder::AddReceipt(const v1::AuditEntry& entry,
                                const std::vector<v1::AuditLine>& lines) {
  for (const v1::AuditLine& line : lines) {
    const std::string notification_id = NotificationOf(line, entry);
    if (notification_id.empty() || !InScope(CaseOf(line, entry), notification_id)) continue;
    NotificationHistory& history = History(notification_id);
    if (history.case_ref().empty()) history.set_case_ref(CaseOf(line, entry));
    if (history.sequence() == 0) history.set_sequence(line.sequence());
    RecipientStatus& recipient = RecipientOf(history, RecipientAgency(line, entry));
    if (line.outcome() == "delivered" && recipient.delivered_index() == 0) {
      *recipient.mutable_delivered_at() = entry.at();
      recipient.set_subscription(entry.subscription());
      recipient.set_delivered_index(entry.index());
    }
    if (line.outcome() == "acknowledged" && !recipient.acknowledged()) {
      *recipient.mutable_acknowledged_at() = entry.at();
      recipient.set_acknowledged_index(entry.index());
      recipient.set_acknowledged(true);
    }
  }
}

std::vector<NotificationHistory> HistoryBuilder::Histories() const {
  std::vector<NotificationHistory> out;
  out.reserve(order_.size());
  for (const std::string& id : order_) {
    NotificationHistory history = by_id_.at(id);
    for (const RecipientStatus& recipient : history.recipients()) {
      if (!recipient.acknowledged()) history.add_not_acknowledged(recipient.agency());
    }
    out.push_back(std::move(history));
  }
  return out;
}

}  // namespace safeshare::review
