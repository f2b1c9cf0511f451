#pragma once

#include <functional>
#include <optional>
#include <string_view>

#include <grpcpp/server_context.h>

#include "absl/status/status.h"
#include "broker/identity/agency_directory.h"
#include "broker/identity/certificate_checks.h"
#include "broker/service/access_refusals.h"

namespace safeshare::rpc {

// Who is calling: the agency behind a call, taken only from the client
// certificate that TLS verified (its SAN URI), never from message fields or
// metadata; checked again on every call (CertificateChecks), so a connection
// opened before its certificate was revoked or expired can make no more.
// The referenced objects must outlive it. Thread-safe.
class PeerIdentity {
 public:
  PeerIdentity(const identity::AgencyDirectory& directory,
               const identity::CertificateChecks& checks, const service::AccessRefusals& refusals)
      : directory_(directory), checks_(checks), refusals_(refusals) {}

  // The caller, or nullopt once `refuse` has been arranged: it is called
  // (now, or later on the store's completion thread) with the status to
  // answer. A certificate the partnership CA verified but that names no
  // agency (or more than one), or that no longer passes the checks
  // (revoked, expired), is audited first, as an `access_refused` entry whose
  // actor is the agency (or the certificate's URIs) and whose detail names
  // `call` and why. The caller carries its certificate.
  std::optional<identity::Caller> Identify(const grpc::CallbackServerContext& context,
                                           std::string_view call,
                                           std::function<void(absl::Status)> refuse) const;

 private:
  const identity::AgencyDirectory& directory_;
  const identity::CertificateChecks& checks_;
  const service::AccessRefusals& refusals_;
};

}  // namespace safeshare::rpc
