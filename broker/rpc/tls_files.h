#pragma once

#include <ctime>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace safeshare::rpc {

// Where the broker's TLS material is, as the config names it.
struct TlsFiles {
  std::filesystem::path certificate;  // tls.certificate: the broker's chain, leaf first
  std::filesystem::path private_key;  // tls.private_key
  std::filesystem::path client_ca;    // tls.client_ca: the CA bundle agencies are checked against
};

// The files' contents, checked, for ServerOptions.
struct TlsMaterial {
  std::string certificate_pem;
  std::string private_key_pem;
  std::string client_ca_pem;
  // Not a reason to refuse, but an operator should act on it: a certificate
  // that expires within kExpiryWarning of `now`.
  std::vector<std::string> warnings;
};

inline constexpr std::time_t kExpiryWarning = std::time_t{30} * 24 * 3600;

// Reads the broker's TLS material and refuses to serve with any of it unsafe
// or unusable, each with what to fix (FAILED_PRECONDITION, or NOT_FOUND for a
// file that cannot be read):
//   - the private key readable or writable by group or others;
//   - the certificate, or any certificate of the CA bundle, not valid at
//     `now` (expired, or not valid yet);
//   - the private key not the certificate's;
//   - a file that is not PEM of the kind its key names.
// The broker has no plaintext listener and no setting that turns this off.
absl::StatusOr<TlsMaterial> LoadTlsMaterial(const TlsFiles& files, std::time_t now);

}  // namespace safeshare::rpc
