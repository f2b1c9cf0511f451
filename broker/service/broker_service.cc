#include "broker/service/broker_service.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include "broker/audit/audit_entry.h"
#include "broker/core/logging.h"
#include "broker/core/uuid.h"
#include "broker/schema/notification_validator.h"
#include "broker/service/wire_format.h"

namespace safeshare::service {
namespace {

const std::shared_ptr<spdlog::logger>& Log() {
  static const auto log = ModuleLogger("service");
  return log;
}

// The notification as the publisher sent it, in bytes that depend only on its
// content (deterministic serialization), so a retry hashes the same.
// Reserves `extra` bytes more for what is appended afterwards.
void SerializeDeterministic(const v1::Notification& n, size_t extra, std::string& serialized) {
  serialized.reserve(n.ByteSizeLong() + extra);  // also caches the sizes written below
  google::protobuf::io::StringOutputStream raw(&serialized);
  google::protobuf::io::CodedOutputStream out(&raw);
  out.SetSerializationDeterministic(true);
  n.SerializeWithCachedSizes(&out);
}

absl::Status CheckSubscriptionName(const std::string& name) {
  if (schema::IsReference(name)) return absl::OkStatus();
  return absl::InvalidArgumentError(
      "subscription: give a name of 1-64 letters, digits and - _ / . (for example 'case-alerts')");
}

}  // namespace

BrokerService::BrokerService(const routing::PolicyHolder& policy, store::Store& store,
                             size_t recent_log_bytes)
    : policy_(policy), store_(store), recent_(recent_log_bytes) {
  store_.SetCommitListener([this](const std::set<AgencyId>& agencies) { hub_.Wake(agencies); });
}

void BrokerService::Publish(const identity::Caller& caller, const v1::Notification& n,
                            Done<store::PublishResult> done) {
  if (!accepting_) return done(store::errors::ShuttingDown());
  const auto type = schema::TypeOf(n);
  if (auto valid = schema::ValidateForPublish(n); !valid.ok()) {
    return Refuse(caller, n, std::move(valid), std::move(done));
  }
  const auto policy = policy_.Current();
  if (auto allowed = policy->policy.MayPublish(caller.role, type); !allowed.ok()) {
    return Refuse(caller, n, std::move(allowed), std::move(done));
  }
  auto record = Prepare(caller, n, type, *policy);
  Log()->debug("publish {} {} case {} by {}", record.type, record.id.value(),
               record.case_ref.value(), caller.agency.value());
  auto logged = Logging(record, std::move(done));
  store_.Publish(std::move(record), std::move(logged));
}

BrokerService::Done<store::PublishResult> BrokerService::Logging(
    const store::NewNotification& record, Done<store::PublishResult> done) {
  auto committed = std::make_shared<CommittedNotification>(
      CommittedNotification{Sequence(), record.id, record.case_ref, record.purpose,
                            record.content_hash, record.body, record.recipients});
  // Runs on the completion thread in commit order, before the hub is woken.
  return [this, committed = std::move(committed), publisher = record.publisher,
          done = std::move(done)](absl::StatusOr<store::PublishResult> result) {
    if (absl::IsAlreadyExists(result.status())) {  // audited by the store
      Log()->warn("publish refused for {}: {}", publisher.value(), result.status().ToString());
    }
    if (result.ok() && !result->duplicate) {
      committed->sequence = result->sequence;
      recent_.Append(committed);
    }
    done(std::move(result));
  };
}

store::NewNotification BrokerService::Prepare(const identity::Caller& caller,
                                              const v1::Notification& n, std::string_view type,
                                              const routing::PolicySnapshot& policy) const {
  store::NewNotification record{NotificationId(NewUuidV7()), caller.agency,
                                n.idempotency_key(),         CaseRef(n.case_ref()),
                                std::string(type),           v1::Purpose_Name(n.purpose())};
  auto body = std::make_shared<std::string>();
  SerializeDeterministic(n, /*extra=*/96, *body);  // room for the stamps appended below
  record.request_hash = audit::ContentHash(*body);
  AppendStringField(v1::Notification::kNotificationIdFieldNumber, record.id.value(), *body);
  AppendStringField(v1::Notification::kPublisherFieldNumber, caller.agency.value(), *body);
  record.content_hash = audit::ContentHash(*body);
  record.body = std::move(body);
  const auto& decision = policy.router.Decide(caller.agency, type);
  for (const auto& route : decision.routes) {
    record.recipients.push_back(store::Recipient{route.recipient, route.rule, route.lawful_basis});
  }
  for (const auto& agency : decision.withheld) {
    record.denied.push_back(store::Denied{agency, "no sharing rule lets this agency receive " +
                                                      std::string(type) + " from " +
                                                      caller.agency.value()});
  }
  return record;
}

void BrokerService::Refuse(const identity::Caller& caller, const v1::Notification& n,
                           absl::Status why, Done<store::PublishResult> done) {
  const auto type = schema::TypeOf(n);
  AuditRefusal(store::Refusal{caller.agency, schema::IsReference(n.case_ref()) ? n.case_ref() : "",
                              type.empty() ? "(no payload)" : std::string(type)},
               std::move(why), std::move(done));
}

void BrokerService::RefuseUndecodable(const identity::Caller& caller,
                                      Done<store::PublishResult> done) {
  AuditRefusal(
      store::Refusal{caller.agency, "", "(undecodable request)"},
      absl::InvalidArgumentError(
          "request: not a PublishRequest (the bytes do not decode as "
          "safeshare.v1.PublishRequest, or carry fields it does not define); build it from "
          "proto/safeshare/v1/broker.proto with a protobuf library"),
      std::move(done));
}

// The reason is logged and audited as it is answered: field paths and rules,
// never a value the publisher sent (schema and policy messages guarantee it).
void BrokerService::AuditRefusal(store::Refusal refusal, absl::Status why,
                                 Done<store::PublishResult> done) {
  Log()->warn("publish refused for {}: {}", refusal.publisher.value(), why.ToString());
  refusal.reason = std::string(why.message());
  store_.RecordRefusal(std::move(refusal),
                       [why = std::move(why), done = std::move(done)](const absl::Status& audited) {
                         // The refusal is answered even if it could not be audited, but then as
                         // the store's error, so the publisher retries rather than gives up.
                         done(audited.ok() ? why : audited);
                       });
}

void BrokerService::Subscribe(const identity::Caller& caller, const std::string& subscription,
                              Done<std::unique_ptr<SubscriptionFeed>> done) {
  if (!accepting_) return done(store::errors::ShuttingDown());
  if (auto valid = CheckSubscriptionName(subscription); !valid.ok()) return done(valid);
  store_.OpenSubscription(caller.agency, SubscriptionName(subscription),
                          [this, agency = caller.agency, subscription,
                           done = std::move(done)](absl::StatusOr<Sequence> at) {
                            if (!at.ok()) return done(at.status());
                            Log()->info("{} opened subscription {} after sequence {}",
                                        agency.value(), subscription, at->value());
                            done(std::make_unique<SubscriptionFeed>(
                                store_, recent_, agency, SubscriptionName(subscription), *at));
                          });
}

void BrokerService::Acknowledge(const identity::Caller& caller, const std::string& subscription,
                                uint64_t sequence, Done<store::AckResult> done) {
  if (!accepting_) return done(store::errors::ShuttingDown());
  if (auto valid = CheckSubscriptionName(subscription); !valid.ok()) return done(valid);
  if (sequence == 0)
    return done(
        absl::InvalidArgumentError("sequence: give the sequence of a delivery you received"));
  store_.Acknowledge(caller.agency, SubscriptionName(subscription), Sequence(sequence),
                     std::move(done));
}

std::shared_ptr<DeliverySession> BrokerService::StartDelivery(
    std::unique_ptr<SubscriptionFeed> feed, Executor executor, std::weak_ptr<DeliverySink> sink) {
  return DeliverySession::Start(store_, hub_, std::move(feed), std::move(executor),
                                std::move(sink));
}

}  // namespace safeshare::service
