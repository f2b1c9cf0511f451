#pragma once

#include <boost/asio/thread_pool.hpp>

#include "broker/identity/agency_directory.h"
#include "broker/rpc/peer_identity.h"
#include "broker/service/governance_service.h"
#include "safeshare/v1/broker.grpc.pb.h"

namespace safeshare::rpc {

// The gRPC adapter of the Governance service (IG role only; the service
// refuses every other role). PolicyImpact reads the store at length and
// ListUrgentDisclosures reads it too, so they run on a small pool of their
// own, never on gRPC's threads.
class GovernanceRpc final : public v1::Governance::CallbackService {
 public:
  GovernanceRpc(service::GovernanceService& service, const identity::AgencyDirectory& directory,
                const identity::CertificateChecks& checks)
      : service_(service), peers_(directory, checks, service.refusals()) {}
  ~GovernanceRpc() override { Drain(); }

  grpc::ServerUnaryReactor* ReloadPolicy(grpc::CallbackServerContext* context,
                                         const v1::ReloadPolicyRequest* request,
                                         v1::ReloadPolicyResponse* response) override;
  grpc::ServerUnaryReactor* PolicyImpact(grpc::CallbackServerContext* context,
                                         const v1::PolicyImpactRequest* request,
                                         v1::PolicyImpactResponse* response) override;
  grpc::ServerUnaryReactor* ListUrgentDisclosures(
      grpc::CallbackServerContext* context, const v1::ListUrgentDisclosuresRequest* request,
      v1::ListUrgentDisclosuresResponse* response) override;

  // Waits for queued impact replays; call after the gRPC server has shut down.
  void Drain() { work_.join(); }

 private:
  service::GovernanceService& service_;
  const PeerIdentity peers_;
  boost::asio::thread_pool work_{1};
};

}  // namespace safeshare::rpc
