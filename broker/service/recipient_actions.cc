// BrokerService::RecordAction: a recipient records what it did about a
// notification delivered to it.
#include "broker/service/actions.h"
#include "broker/service/broker_service.h"

namespace safeshare::service {

void BrokerService::RecordAction(const identity::Caller& caller,
                                 const v1::RecordActionRequest& request,
                                 Done<store::ActionResult> done) {
  if (!accepting_) return done(store::errors::ShuttingDown());
  if (auto valid = CheckActionRequest(request); !valid.ok()) return done(valid);
  store_.RecordAction(store::NewAction{.recipient = caller.agency,
                                       .notification = NotificationId(request.notification_id()),
                                       .action = ActionName(request.action()),
                                       .note = request.note(),
                                       .idempotency_key = request.idempotency_key()},
                      std::move(done));
}

}  // namespace safeshare::service
