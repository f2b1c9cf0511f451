// BrokerService's answers to a publisher about its own notifications: each
// recipient's progress with one, and the deliveries still unacknowledged.
#include "broker/service/actions.h"
#include "broker/service/broker_service.h"
#include "broker/service/deadline.h"
#include "broker/service/subscription_filter.h"

namespace safeshare::service {
namespace {

// Bounds one fold: a notification's entries are a few per recipient and
// delivery, so this many pages of the audit log is far beyond any real one.
constexpr size_t kAuditPage = 1000;
constexpr size_t kMaxAuditPages = 100;

}  // namespace

absl::StatusOr<DeliveryState> BrokerService::GetDeliveryState(const identity::Caller& caller,
                                                              const std::string& notification_id,
                                                              int64_t deadline_micros) const {
  if (auto valid = CheckNotificationId(notification_id, "the id a publish was answered with");
      !valid.ok()) {
    return valid;
  }
  store::AuditQuery query{.notification_id = notification_id, .limit = kAuditPage};
  std::vector<audit::Entry> entries;
  for (size_t page = 0; page < kMaxAuditPages; ++page) {
    if (auto in_time = CheckDeadline(clock_, deadline_micros, "the delivery state");
        !in_time.ok()) {
      return in_time;
    }
    auto found = store_.QueryAudit(query);
    if (!found.ok()) return found.status();
    const bool last = found->size() < kAuditPage;
    if (!found->empty()) query.after_id = found->back().id;
    entries.insert(entries.end(), std::make_move_iterator(found->begin()),
                   std::make_move_iterator(found->end()));
    if (last) break;
  }
  auto state = FoldDeliveryState(NotificationId(notification_id), caller.agency, entries);
  if (!state.ok()) return state;  // not the caller's: nothing more is read
  auto actions = store_.ReadActions(state->id);
  if (!actions.ok()) return actions.status();
  AttachActions(*state, *std::move(actions));
  return state;
}

absl::StatusOr<UnacknowledgedPage> BrokerService::ListPendingDeliveries(
    const identity::Caller& caller, store::UnacknowledgedQuery query,
    int64_t deadline_micros) const {
  if (!query.case_ref.empty()) {
    if (auto valid = CheckFilter({}, {query.case_ref}); !valid.ok()) {
      return absl::InvalidArgumentError(
          "case_ref: give a case reference (1-64 letters, digits and - _ / .), or none for "
          "every case");
    }
  }
  auto limit = PageLimit(query.limit, "deliveries", "after_sequence");
  if (!limit.ok()) return limit.status();
  query.limit = *limit;
  query.publisher = caller.agency.value();
  return ReadUnacknowledgedPage(store_, std::move(query), clock_, deadline_micros);
}

}  // namespace safeshare::service
