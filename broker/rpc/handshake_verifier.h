#pragma once

#include <grpcpp/security/tls_certificate_verifier.h>

#include "broker/identity/certificate_checks.h"

namespace safeshare::rpc {

// Runs at every TLS handshake, after OpenSSL has verified the client's chain
// against the CA bundle: refuses a certificate that CheckAgencyCertificate
// refuses (revoked, without clientAuth, with no or several SAN URIs, outside
// its validity), so such a client never gets a connection. The refusal is
// logged (certificate serial and subject, which name an agency, not a
// person); it is not audited, since anyone reaching the port can cause one.
// `checks` must outlive the server.
class HandshakeVerifier final : public grpc::experimental::ExternalCertificateVerifier {
 public:
  explicit HandshakeVerifier(const identity::CertificateChecks& checks) : checks_(checks) {}

  bool Verify(grpc::experimental::TlsCustomVerificationCheckRequest* request,
              std::function<void(grpc::Status)> callback, grpc::Status* sync_status) override;
  void Cancel(grpc::experimental::TlsCustomVerificationCheckRequest* /*request*/) override {}

 private:
  const identity::CertificateChecks& checks_;
};

}  // namespace safeshare::rpc
