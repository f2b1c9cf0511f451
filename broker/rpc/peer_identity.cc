#include "broker/rpc/peer_identity.h"

#include <grpc/grpc_security_constants.h>

#include <ctime>
#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "broker/core/broker_metrics.h"

namespace safeshare::rpc {

std::optional<identity::Caller> PeerIdentity::Identify(
    const grpc::CallbackServerContext& context, std::string_view call,
    std::function<void(absl::Status)> refuse) const {
  const auto auth = context.auth_context();
  if (auth == nullptr || !auth->IsPeerAuthenticated()) {
    // Not reachable while the server requires and verifies client
    // certificates; nobody to put on the record if it were.
    refuse(absl::UnauthenticatedError("a verified client certificate is required"));
    return std::nullopt;
  }
  const auto pems = auth->FindPropertyValues(GRPC_X509_PEM_CERT_PROPERTY_NAME);
  auto cert = pems.empty()
                  ? absl::UnauthenticatedError("no client certificate on the connection")
                  : checks_.Parse(std::string_view(pems.front().data(), pems.front().size()));
  if (!cert.ok()) {
    Metrics().certificate_refusals.With({"call"}).Add();
    refuse(absl::UnauthenticatedError(cert.status().message()));
    return std::nullopt;
  }
  const absl::Status usable = checks_.Check(**cert, std::time(nullptr));
  auto caller = directory_.Identify((*cert)->uris);
  if (usable.ok() && caller.ok()) {
    caller->certificate = *std::move(cert);
    return *std::move(caller);
  }
  // Signed by the partnership's CA, yet no agency's, or no longer usable:
  // on the record under what the certificate says it is.
  Metrics().certificate_refusals.With({"call"}).Add();
  const auto& uris = (*cert)->uris;
  std::string actor = caller.ok()    ? caller->agency.value()
                      : uris.empty() ? std::string("(certificate without a URI)")
                                     : absl::StrJoin(uris, " ");
  refusals_.Refuse(std::move(actor), call, usable.ok() ? caller.status() : usable,
                   std::move(refuse));
  return std::nullopt;
}

}  // namespace safeshare::rpc
