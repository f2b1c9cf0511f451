#include "broker/rpc/server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/resource_quota.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/security/tls_certificate_provider.h>
#include <grpcpp/server_builder.h>

#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "broker/rpc/handshake_verifier.h"
#include "broker/rpc/parse_refusal.h"

namespace safeshare::rpc {
namespace {

std::shared_ptr<grpc::ServerCredentials> MutualTls(const ServedTls& served) {
  namespace ex = grpc::experimental;
  auto files = std::make_shared<ex::FileWatcherCertificateProvider>(
      served.private_key, served.certificate, served.client_ca,
      static_cast<unsigned int>(served.refresh.count()));
  ex::TlsServerCredentialsOptions tls(files);
  tls.watch_identity_key_cert_pairs();
  tls.watch_root_certs();
  tls.set_cert_request_type(GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  tls.set_certificate_verifier(
      ex::ExternalCertificateVerifier::Create<HandshakeVerifier>(*served.checks));
  return grpc::experimental::TlsServerCredentials(tls);
}

void ApplyPingPolicy(const PingPolicy& policy, grpc::ServerBuilder& builder) {
  const auto ms = [](std::chrono::milliseconds d) { return static_cast<int>(d.count()); };
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS,
                             ms(policy.client_min_interval));
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MAX_PING_STRIKES, policy.client_strikes);
  // Without calls in flight too: a client between calls may keep its
  // connection warm, and the broker's own pings also probe quiet connections.
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, ms(policy.keepalive_time));
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, ms(policy.keepalive_timeout));
}

// A connection that has not finished its TLS handshake this long after it
// was accepted is closed. gRPC's default is 120 s, so a peer that opens TCP
// connections and sends nothing (or half a ClientHello) holds each one's
// socket and handshake state for two minutes; a client on loopback or a LAN
// finishes in milliseconds, one across the internet in well under a second.
constexpr int kHandshakeTimeoutMs = 10'000;

}  // namespace

void SetServing(grpc::Server& server, bool serving) {
  auto* health = server.GetHealthCheckService();
  if (health == nullptr) return;  // not built with the default service
  for (const char* name : {"", kHealthServiceName}) health->SetServingStatus(name, serving);
}

absl::StatusOr<RunningServer> StartServer(const ServerOptions& options, BrokerRpc& broker,
                                          GovernanceRpc& governance, AuditRpc& audit) {
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  RunningServer running;
  grpc::ServerBuilder builder;
  builder.AddListeningPort(options.listen, MutualTls(options.tls), &running.port);
  builder.SetMaxReceiveMessageSize(static_cast<int>(options.max_message_bytes));
  ApplyPingPolicy(options.ping_policy, builder);
  builder.AddChannelArgument(GRPC_ARG_SERVER_HANDSHAKE_TIMEOUT_MS, kHandshakeTimeoutMs);
  grpc::ResourceQuota quota("safeshare-broker");
  quota.Resize(options.memory_quota_bytes);
  builder.SetResourceQuota(quota);
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> interceptors;
  interceptors.push_back(std::make_unique<ParseRefusalFactory>());
  builder.experimental().SetInterceptorCreators(std::move(interceptors));
  builder.RegisterService(&broker);
  builder.RegisterService(&governance);
  builder.RegisterService(&audit);
  running.server = builder.BuildAndStart();
  if (running.server == nullptr || running.port == 0) {
    return absl::UnavailableError("cannot listen on " + options.listen +
                                  " (address in use, or certificate/key invalid?)");
  }
  SetServing(*running.server, true);
  return running;
}

}  // namespace safeshare::rpc
