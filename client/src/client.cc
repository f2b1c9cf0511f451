#include "safeshare/client/client.h"

#include <array>
#include <thread>
#include <utility>

#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include "absl/strings/str_cat.h"
#include "grpc_status.h"
#include "safeshare/client/idempotency_key.h"
#include "tls_credentials.h"

namespace safeshare::client {
namespace {

// Pause before each retry of an idempotent call that failed with UNAVAILABLE
// or was cancelled by the broker (see Retryable).
constexpr std::array<std::chrono::milliseconds, 3> kRetryBackoff = {
    std::chrono::milliseconds(100), std::chrono::milliseconds(200), std::chrono::milliseconds(400)};

// UNAVAILABLE, or CANCELLED that this client did not ask for: a call that
// reaches a broker at the moment it shuts down is cancelled by the server,
// and nothing of it was stored.
bool Retryable(const grpc::Status& status) {
  return status.error_code() == grpc::StatusCode::UNAVAILABLE ||
         status.error_code() == grpc::StatusCode::CANCELLED;
}

// Runs `call` with a fresh context and deadline per attempt, retrying what
// is Retryable. REQUIRES: the call is idempotent and never cancelled by us.
template <typename Call>
grpc::Status CallWithRetry(std::chrono::milliseconds deadline, const Call& call,
                           bool retried = true) {
  for (size_t attempt = 0;; ++attempt) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + deadline);
    grpc::Status status = call(&context);
    if (!retried || !Retryable(status) || attempt == kRetryBackoff.size()) return status;
    std::this_thread::sleep_for(kRetryBackoff[attempt]);
  }
}

}  // namespace

ClientOptions DevPkiOptions(absl::string_view agency, absl::string_view pki_dir) {
  ClientOptions options;
  options.cert = absl::StrCat(pki_dir, "/", agency, ".crt");
  options.key = absl::StrCat(pki_dir, "/", agency, ".key");
  options.ca = absl::StrCat(pki_dir, "/ca.crt");
  return options;
}

absl::StatusOr<Client> Client::Connect(const ClientOptions& options) {
  if (options.broker.empty()) {
    return absl::InvalidArgumentError("no broker address given");
  }
  if (options.deadline <= std::chrono::milliseconds::zero()) {
    return absl::InvalidArgumentError("the call deadline must be positive");
  }
  absl::StatusOr<grpc::SslCredentialsOptions> ssl = ReadTlsCredentials(options);
  if (!ssl.ok()) {
    return ssl.status();
  }
  // No target-name override: the broker certificate carries DNS:localhost,
  // IP:127.0.0.1 and IP:::1, and gRPC checks the host of `broker` against them.
  // gRPC's own reconnect backoff (1 s doubling to 120 s by default) would
  // add to Subscribe's and leave a restarted broker unreached for many
  // seconds; the client's retries pace themselves, so keep the channel's
  // short.
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 250);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 250);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 2000);
  std::shared_ptr<grpc::Channel> channel =
      grpc::CreateCustomChannel(options.broker, grpc::SslCredentials(*ssl), args);
  return Client(options, std::move(channel));
}

Client::Client(ClientOptions options, std::shared_ptr<grpc::Channel> channel)
    : options_(std::move(options)),
      channel_(std::move(channel)),
      stub_(v1::Broker::NewStub(channel_)),
      governance_(v1::Governance::NewStub(channel_)),
      audit_(v1::Audit::NewStub(channel_)) {}

template <typename Response, typename Call>
absl::StatusOr<Response> Client::Unary(std::chrono::milliseconds deadline, const Call& call,
                                       bool retried) {
  Response response;
  grpc::Status status = CallWithRetry(
      deadline, [&](grpc::ClientContext* context) { return call(context, &response); }, retried);
  if (!status.ok()) {
    return FromGrpcStatus(status, options_.broker);
  }
  return response;
}

absl::StatusOr<v1::PublishResponse> Client::PublishRequest(v1::PublishRequest request) {
  v1::Notification& notification = *request.mutable_notification();
  if (notification.idempotency_key().empty()) {
    absl::StatusOr<std::string> key = NewIdempotencyKey();
    if (!key.ok()) {
      return key.status();
    }
    notification.set_idempotency_key(*std::move(key));
  }
  return Unary<v1::PublishResponse>(options_.deadline, [&](auto* context, auto* response) {
    return stub_->Publish(context, request, response);
  });
}

absl::StatusOr<v1::PublishResponse> Client::Publish(v1::Notification notification) {
  v1::PublishRequest request;
  *request.mutable_notification() = std::move(notification);
  return PublishRequest(std::move(request));
}

absl::StatusOr<v1::PublishResponse> Client::Publish(v1::Notification notification,
                                                    const v1::UrgentDisclosure& urgent) {
  v1::PublishRequest request;
  *request.mutable_notification() = std::move(notification);
  *request.mutable_urgent_disclosure() = urgent;
  return PublishRequest(std::move(request));
}

absl::StatusOr<v1::AcknowledgeResponse> Client::Acknowledge(
    const std::string& subscription, uint64_t sequence, const std::vector<uint64_t>& sequences) {
  v1::AcknowledgeRequest request;
  request.set_subscription(subscription);
  request.set_sequence(sequence);
  for (const uint64_t s : sequences) request.add_sequences(s);
  return Unary<v1::AcknowledgeResponse>(options_.deadline, [&](auto* context, auto* response) {
    return stub_->Acknowledge(context, request, response);
  });
}

absl::StatusOr<v1::RecordActionResponse> Client::RecordAction(v1::RecordActionRequest request) {
  if (request.idempotency_key().empty()) {
    absl::StatusOr<std::string> key = NewIdempotencyKey();
    if (!key.ok()) return key.status();
    request.set_idempotency_key(*std::move(key));
  }
  return Unary<v1::RecordActionResponse>(options_.deadline, [&](auto* context, auto* response) {
    return stub_->RecordAction(context, request, response);
  });
}

absl::StatusOr<v1::SubscriptionInfo> Client::CreateSubscription(
    const v1::CreateSubscriptionRequest& request) {
  return Unary<v1::SubscriptionInfo>(options_.deadline, [&](auto* context, auto* response) {
    return stub_->CreateSubscription(context, request, response);
  });
}

absl::StatusOr<v1::ListSubscriptionsResponse> Client::ListSubscriptions(
    const std::string& subscription) {
  v1::ListSubscriptionsRequest request;
  request.set_subscription(subscription);
  return Unary<v1::ListSubscriptionsResponse>(
      options_.deadline, [&](auto* context, auto* response) {
        return stub_->ListSubscriptions(context, request, response);
      });
}

absl::StatusOr<v1::DeliveryState> Client::GetDeliveryState(const std::string& notification_id) {
  v1::DeliveryStateRequest request;
  request.set_notification_id(notification_id);
  return Unary<v1::DeliveryState>(options_.deadline, [&](auto* context, auto* response) {
    return stub_->GetDeliveryState(context, request, response);
  });
}

absl::StatusOr<v1::ListPendingDeliveriesResponse> Client::ListPendingDeliveries(
    const v1::ListPendingDeliveriesRequest& request) {
  return Unary<v1::ListPendingDeliveriesResponse>(
      options_.deadline, [&](auto* context, auto* response) {
        return stub_->ListPendingDeliveries(context, request, response);
      });
}

absl::StatusOr<v1::ListParkedResponse> Client::ListParked(const v1::ListParkedRequest& request) {
  return Unary<v1::ListParkedResponse>(options_.deadline, [&](auto* context, auto* response) {
    return stub_->ListParked(context, request, response);
  });
}

absl::StatusOr<v1::ReleaseParkedResponse> Client::ReleaseParked(
    const v1::ReleaseParkedRequest& request) {
  return Unary<v1::ReleaseParkedResponse>(
      options_.deadline,
      [&](auto* context, auto* response) {
        return stub_->ReleaseParked(context, request, response);
      },
      /*retried=*/false);
}

absl::StatusOr<v1::SubscriptionInfo> Client::ResetSubscription(
    const v1::ResetSubscriptionRequest& request) {
  return Unary<v1::SubscriptionInfo>(
      options_.deadline,
      [&](auto* context, auto* response) {
        return stub_->ResetSubscription(context, request, response);
      },
      /*retried=*/false);
}

absl::StatusOr<v1::DeleteSubscriptionResponse> Client::DeleteSubscription(
    const std::string& subscription) {
  v1::DeleteSubscriptionRequest request;
  request.set_subscription(subscription);
  return Unary<v1::DeleteSubscriptionResponse>(
      options_.deadline,
      [&](auto* context, auto* response) {
        return stub_->DeleteSubscription(context, request, response);
      },
      /*retried=*/false);
}

absl::StatusOr<v1::CaseState> Client::UpdateCase(const v1::UpdateCaseRequest& request) {
  return Unary<v1::CaseState>(options_.deadline, [&](auto* context, auto* response) {
    return stub_->UpdateCase(context, request, response);
  });
}

absl::StatusOr<v1::CaseState> Client::GetCase(const std::string& case_ref) {
  v1::GetCaseRequest request;
  request.set_case_ref(case_ref);
  return Unary<v1::CaseState>(options_.deadline, [&](auto* context, auto* response) {
    return stub_->GetCase(context, request, response);
  });
}

absl::StatusOr<v1::InterestResponse> Client::RegisterInterest(const v1::InterestRequest& request) {
  return Unary<v1::InterestResponse>(options_.deadline, [&](auto* context, auto* response) {
    return stub_->RegisterInterest(context, request, response);
  });
}

absl::StatusOr<v1::ReloadPolicyResponse> Client::ReloadPolicy() {
  const v1::ReloadPolicyRequest request;
  return Unary<v1::ReloadPolicyResponse>(options_.deadline, [&](auto* context, auto* response) {
    return governance_->ReloadPolicy(context, request, response);
  });
}

absl::StatusOr<v1::PolicyImpactResponse> Client::PolicyImpact(
    const v1::PolicyImpactRequest& request) {
  return Unary<v1::PolicyImpactResponse>(6 * options_.deadline, [&](auto* context, auto* response) {
    return governance_->PolicyImpact(context, request, response);
  });
}

absl::StatusOr<v1::ListUrgentDisclosuresResponse> Client::ListUrgentDisclosures(
    const v1::ListUrgentDisclosuresRequest& request) {
  return Unary<v1::ListUrgentDisclosuresResponse>(
      options_.deadline, [&](auto* context, auto* response) {
        return governance_->ListUrgentDisclosures(context, request, response);
      });
}

absl::StatusOr<v1::QueryAuditResponse> Client::QueryAudit(const v1::QueryAuditRequest& request) {
  return Unary<v1::QueryAuditResponse>(6 * options_.deadline, [&](auto* context, auto* response) {
    return audit_->Query(context, request, response);
  });
}

absl::Status Client::ExportAudit(const v1::ExportAuditRequest& request, const ExportSink& sink) {
  grpc::ClientContext context;
  std::unique_ptr<grpc::ClientReader<v1::ExportChunk>> reader = audit_->Export(&context, request);
  v1::ExportChunk chunk;
  while (reader->Read(&chunk)) {
    absl::Status taken = sink(chunk);
    if (!taken.ok()) {
      context.TryCancel();
      (void)reader->Finish();  // CANCELLED, by us
      return taken;
    }
  }
  return FromGrpcStatus(reader->Finish(), options_.broker);
}

absl::StatusOr<v1::GetCheckpointResponse> Client::GetCheckpoint(uint64_t tree_size) {
  v1::GetCheckpointRequest request;
  request.set_tree_size(tree_size);
  return Unary<v1::GetCheckpointResponse>(options_.deadline, [&](auto* context, auto* response) {
    return audit_->GetCheckpoint(context, request, response);
  });
}

absl::StatusOr<v1::InclusionProofResponse> Client::GetInclusionProof(uint64_t index,
                                                                     uint64_t tree_size) {
  v1::InclusionProofRequest request;
  request.set_index(index);
  request.set_tree_size(tree_size);
  return Unary<v1::InclusionProofResponse>(options_.deadline, [&](auto* context, auto* response) {
    return audit_->GetInclusionProof(context, request, response);
  });
}

absl::StatusOr<v1::ConsistencyProofResponse> Client::GetConsistencyProof(uint64_t from_size,
                                                                         uint64_t to_size) {
  v1::ConsistencyProofRequest request;
  request.set_from_size(from_size);
  request.set_to_size(to_size);
  return Unary<v1::ConsistencyProofResponse>(options_.deadline, [&](auto* context, auto* response) {
    return audit_->GetConsistencyProof(context, request, response);
  });
}

absl::StatusOr<v1::ListUnacknowledgedResponse> Client::ListUnacknowledged(
    const v1::ListUnacknowledgedRequest& request) {
  return Unary<v1::ListUnacknowledgedResponse>(
      6 * options_.deadline, [&](auto* context, auto* response) {
        return audit_->ListUnacknowledged(context, request, response);
      });
}

absl::StatusOr<v1::ListOverdueResponse> Client::ListOverdue(const v1::ListOverdueRequest& request) {
  return Unary<v1::ListOverdueResponse>(6 * options_.deadline, [&](auto* context, auto* response) {
    return audit_->ListOverdue(context, request, response);
  });
}

absl::StatusOr<ServingStatus> Client::Health(absl::string_view service) {
  const HealthAnswer answer = CheckHealth(channel_, service, options_.deadline);
  if (!answer.status.ok()) {
    return FromGrpcStatus(answer.status, options_.broker);
  }
  return answer.serving;
}

}  // namespace safeshare::client
