#include <grpcpp/support/proto_buffer_reader.h>
#include <grpcpp/support/proto_buffer_writer.h>

#include "absl/status/status.h"
#include "broker/core/broker_metrics.h"
#include "broker/rpc/broker_rpc.h"
#include "broker/rpc/peer_identity.h"
#include "broker/rpc/status_mapping.h"
#include "broker/rpc/unary_call.h"

namespace safeshare::rpc {
namespace {

// Parses without copying the request's slices. False when the bytes are not
// a PublishRequest: malformed, or with fields it does not define (random
// bytes often parse as nothing but unknown fields).
bool Parse(const grpc::ByteBuffer& request, v1::PublishRequest& parsed) {
  grpc::ByteBuffer shared(request);  // shares the slices; the reader needs a mutable buffer
  grpc::ProtoBufferReader reader(&shared);
  return reader.status().ok() && parsed.ParseFromZeroCopyStream(&reader) &&
         parsed.GetReflection()->GetUnknownFields(parsed).empty();
}

// Answers `result` on `reactor`, the response serialized into `response`.
void Answer(grpc::ServerUnaryReactor* reactor, grpc::ByteBuffer* response,
            const absl::StatusOr<service::PublishAnswer>& result) {
  if (!result.ok()) return reactor->Finish(ToGrpcStatus(result.status()));
  v1::PublishResponse message;
  message.set_notification_id(result->id.value());
  message.set_sequence(result->sequence.value());
  for (const auto& agency : result->routed_to) message.add_routed_to(agency.value());
  message.set_duplicate(result->duplicate);
  for (const auto& d : result->outcomes) {
    auto* outcome = message.add_outcomes();
    outcome->set_agency(d.agency.value());
    outcome->set_allowed(d.allowed);
    if (d.deciding_rule != nullptr) {
      outcome->set_agreement(d.agreement + " v" + d.agreement_version);
      outcome->set_rule(d.rule);
    }
    for (const auto& field : d.withheld) outcome->add_withheld_fields(field);
    outcome->set_reason(d.reason);
    outcome->set_urgent_disclosure(d.urgent);
  }
  message.set_policy_version(result->policy_version);
  bool own_buffer = false;
  reactor->Finish(
      grpc::SerializationTraits<v1::PublishResponse>::Serialize(message, response, &own_buffer));
}

// The notification's type as metrics label it: the `payload` field's name
// (so one of kNotificationTypes), "(none)" without one, "(undecodable)".
std::string_view TypeLabel(const v1::Notification* notification) {
  if (notification == nullptr) return "(undecodable)";
  const auto* field = notification->GetReflection()->GetOneofFieldDescriptor(
      *notification, notification->GetDescriptor()->FindOneofByName("payload"));
  return field == nullptr ? std::string_view("(none)") : std::string_view(field->name());
}

// Counts a publish answered `status` (before it is mapped for the wire).
void Count(const std::string& agency, std::string_view type, const absl::Status& status) {
  auto& metrics = Metrics();
  if (status.ok()) return metrics.publishes.With({agency, type}).Add();
  const auto code = static_cast<absl::StatusCode>(ToGrpcStatus(status).error_code());
  metrics.publish_refusals.With({agency, type, absl::StatusCodeToString(code)}).Add();
}

}  // namespace

BrokerRpc::BrokerRpc(service::BrokerService& service, const identity::AgencyDirectory& directory,
                     const identity::CertificateChecks& checks)
    : service_(service), peers_(directory, checks, service.refusals()) {}

BrokerRpc::~BrokerRpc() { Drain(); }

void BrokerRpc::Drain() {
  ticker_.Stop();  // its pending timer would keep feeds_ busy
  feeds_.join();
  reads_.join();
}

grpc::ServerUnaryReactor* BrokerRpc::Publish(grpc::CallbackServerContext* context,
                                             const grpc::ByteBuffer* request,
                                             grpc::ByteBuffer* response) {
  auto* reactor = context->DefaultReactor();
  if (DeadlinePassed(*context)) {
    reactor->Finish(DeadlinePassedStatus());
    return reactor;
  }
  auto caller = peers_.Identify(*context, "Broker.Publish", [reactor](const absl::Status& refused) {
    reactor->Finish(ToGrpcStatus(refused));
  });
  if (!caller) return reactor;
  // The service reads the notification before it returns; nothing keeps it.
  v1::PublishRequest parsed;
  const bool parses = Parse(*request, parsed);
  auto done = [reactor, response, agency = caller->agency.value(),
               type = TypeLabel(parses ? &parsed.notification() : nullptr)](
                  const absl::StatusOr<service::PublishAnswer>& result) {
    Count(agency, type, result.status());
    Answer(reactor, response, result);
  };
  if (!parses) {
    service_.RefuseUndecodable(*caller, std::move(done));
  } else {
    std::optional<policy::UrgentDisclosure> urgent;
    if (parsed.has_urgent_disclosure()) {
      urgent = policy::UrgentDisclosure{AgencyId(parsed.urgent_disclosure().recipient()),
                                        parsed.urgent_disclosure().reason()};
    }
    service_.Publish(*caller, parsed.notification(), urgent, std::move(done));
  }
  return reactor;
}

}  // namespace safeshare::rpc
