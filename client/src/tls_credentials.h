#ifndef SAFESHARE_CLIENT_SRC_TLS_CREDENTIALS_H_
#define SAFESHARE_CLIENT_SRC_TLS_CREDENTIALS_H_

#include <grpcpp/security/credentials.h>

#include "absl/status/statusor.h"
#include "safeshare/client/client.h"

namespace safeshare::client {

// Reads options.ca, options.cert and options.key and checks what gRPC would
// otherwise only report as an opaque channel failure: each file is readable
// PEM, ca and cert parse as X.509 certificates, and key is the private key of
// cert. Errors name the file ("client key certs/out/cfs.key does not match
// client certificate certs/out/police.crt"). Validity dates are deliberately
// not checked: whether an expired certificate is refused is the broker's
// decision, and tests rely on presenting one.
absl::StatusOr<grpc::SslCredentialsOptions> ReadTlsCredentials(const ClientOptions& options);

}  // namespace safeshare::client

#endif  // SAFESHARE_CLIENT_SRC_TLS_CREDENTIALS_H_
