#include "broker/rpc/handshake_verifier.h"

#include <ctime>

#include "broker/core/broker_metrics.h"
#include "broker/core/logging.h"

namespace safeshare::rpc {

bool HandshakeVerifier::Verify(grpc::experimental::TlsCustomVerificationCheckRequest* request,
                               std::function<void(grpc::Status)> /*callback*/,
                               grpc::Status* sync_status) {
  const grpc::string_ref pem = request->peer_cert();
  auto cert = checks_.Parse(std::string_view(pem.data(), pem.size()));
  absl::Status status = cert.ok() ? checks_.Check(**cert, std::time(nullptr)) : cert.status();
  if (status.ok()) {
    *sync_status = grpc::Status::OK;
  } else {
    ModuleLogger("tls")->warn("TLS handshake refused: {}", std::string(status.message()));
    Metrics().certificate_refusals.With({"handshake"}).Add();
    *sync_status = grpc::Status(grpc::StatusCode::UNAUTHENTICATED, std::string(status.message()));
  }
  return true;  // decided now, on gRPC's thread
}

}  // namespace safeshare::rpc
