#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include <grpcpp/server.h>

#include "absl/status/statusor.h"
#include "broker/rpc/broker_rpc.h"

namespace safeshare::rpc {

struct ServerOptions {
  std::string listen;           // host:port; port 0 picks a free port
  std::string certificate_pem;  // broker certificate chain
  std::string private_key_pem;
  std::string client_ca_pem;  // partnership CA; clients must present a cert it signed
  size_t max_message_bytes = 1 << 20;
};

struct RunningServer {
  std::unique_ptr<grpc::Server> server;
  int port = 0;
};

// Starts the gRPC server: mutual TLS only (TLS 1.2+, client certificate
// required and verified against the partnership CA), the Broker service,
// grpc.health.v1.Health and server reflection.
absl::StatusOr<RunningServer> StartServer(const ServerOptions& options, BrokerRpc& broker);

}  // namespace safeshare::rpc
