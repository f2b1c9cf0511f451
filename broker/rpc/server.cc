#include "broker/rpc/server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_builder.h>

#include "absl/status/status.h"

namespace safeshare::rpc {
namespace {

std::shared_ptr<grpc::ServerCredentials> MutualTls(const ServerOptions& options) {
  grpc::SslServerCredentialsOptions ssl(GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  ssl.pem_root_certs = options.client_ca_pem;
  ssl.pem_key_cert_pairs.push_back({options.private_key_pem, options.certificate_pem});
  return grpc::SslServerCredentials(ssl);
}

}  // namespace

absl::StatusOr<RunningServer> StartServer(const ServerOptions& options, BrokerRpc& broker) {
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  RunningServer running;
  grpc::ServerBuilder builder;
  builder.AddListeningPort(options.listen, MutualTls(options), &running.port);
  builder.SetMaxReceiveMessageSize(static_cast<int>(options.max_message_bytes));
  builder.RegisterService(&broker);
  running.server = builder.BuildAndStart();
  if (running.server == nullptr || running.port == 0) {
    return absl::UnavailableError("cannot listen on " + options.listen +
                                  " (address in use, or certificate/key invalid?)");
  }
  return running;
}

}  // namespace safeshare::rpc
