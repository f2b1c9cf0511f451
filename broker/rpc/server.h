#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include <grpcpp/server.h>

#include "absl/status/statusor.h"
#include "broker/identity/certificate_checks.h"
#include "broker/rpc/audit_rpc.h"
#include "broker/rpc/broker_rpc.h"
#include "broker/rpc/governance_rpc.h"

namespace safeshare::rpc {

// The HTTP/2 ping policy, as gRPC server channel arguments. Keepalive pings
// are accepted with or without calls in flight; see config::ConnectionsConfig.
struct PingPolicy {
  // Pings received closer together than this, with no data sent in between,
  // are strikes (GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS).
  std::chrono::milliseconds client_min_interval{5000};
  // Strikes tolerated before GOAWAY ENHANCE_YOUR_CALM; must be > 0, since 0
  // would let a client ping without limit.
  int client_strikes = 2;
  // The broker's own pings on a quiet connection, and how long it waits for
  // the acknowledgement before closing the connection.
  std::chrono::milliseconds keepalive_time{30000};
  std::chrono::milliseconds keepalive_timeout{10000};
};

// The TLS material gRPC serves, as files it rereads every `refresh` (the
// checked copy TlsWatch keeps), and the checks every handshake passes.
struct ServedTls {
  std::string private_key;
  std::string certificate;  // broker certificate chain
  std::string client_ca;    // partnership CA(s); clients must present a cert one signed
  std::chrono::seconds refresh{10};
  const identity::CertificateChecks* checks = nullptr;  // must outlive the server
};

struct ServerOptions {
  std::string listen;  // host:port; port 0 picks a free port
  ServedTls tls;
  size_t max_message_bytes = 1 << 20;
  PingPolicy ping_policy;
  // gRPC's ResourceQuota: memory for connections and calls; beyond it new
  // calls are refused RESOURCE_EXHAUSTED rather than the process growing.
  size_t memory_quota_bytes = size_t{512} << 20;
};

struct RunningServer {
  std::unique_ptr<grpc::Server> server;
  int port = 0;
};

// The name grpc.health.v1.Health answers for besides the server as a whole
// ("").
inline constexpr char kHealthServiceName[] = "safeshare.v1.Broker";

// Starts the gRPC server: mutual TLS only (TLS 1.2+, client certificate
// required, its chain verified against the partnership CA and then checked
// by HandshakeVerifier; the served files reread every tls.refresh, so a new
// server certificate or CA bundle needs no restart; a connection not through
// its handshake 10 s after it was accepted is closed), the ping policy, the
// Broker, Governance and Audit services, grpc.health.v1.Health (SERVING for "" and
// kHealthServiceName) and server reflection.
absl::StatusOr<RunningServer> StartServer(const ServerOptions& options, BrokerRpc& broker,
                                          GovernanceRpc& governance, AuditRpc& audit);

// Sets the health of "" and kHealthServiceName to SERVING or NOT_SERVING, so
// load balancers stop sending new calls before a shutdown drains, or while
// the broker cannot serve. REQUIRES: `server` was built with the default
// health check service enabled (as StartServer does).
void SetServing(grpc::Server& server, bool serving);

}  // namespace safeshare::rpc
