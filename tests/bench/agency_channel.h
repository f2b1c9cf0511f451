#pragma once

#include <memory>
#include <string>

#include <grpcpp/channel.h>
#include <grpcpp/support/status.h>

#include "absl/status/statusor.h"

namespace safeshare::bench {

// "PERMISSION_DENIED: message", for error reports.
std::string StatusText(const grpc::Status& status);

// Reads a whole file; NOT_FOUND naming `path` when it cannot be read.
absl::StatusOr<std::string> ReadPemFile(const std::string& path);

// A mutual-TLS channel to `target` ("localhost:<port>") presenting the
// certificate of `agency`: `<pki_dir>/<agency>.crt|key`, trusting
// `<pki_dir>/ca.crt`. Each channel has its own connection (no subchannel
// sharing between agencies). Waits up to `connect_seconds` for the TLS
// handshake so connection set-up is not measured; UNAVAILABLE if it fails.
absl::StatusOr<std::shared_ptr<grpc::Channel>> ConnectAgency(const std::string& target,
                                                             const std::string& pki_dir,
                                                             const std::string& agency,
                                                             double connect_seconds = 10);

}  // namespace safeshare::bench
