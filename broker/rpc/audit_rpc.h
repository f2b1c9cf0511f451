#pragma once

#include <atomic>

#include <boost/asio/thread_pool.hpp>

#include "broker/identity/agency_directory.h"
#include "broker/rpc/peer_identity.h"
#include "broker/service/audit_service.h"
#include "safeshare/v1/audit.grpc.pb.h"

namespace safeshare::rpc {

// The gRPC adapter of the Audit service (IG role only; the service refuses
// and audits every other role). Every call reads the store, so its work
// runs on a pool of its own, never on gRPC's threads or the store's
// completion thread. Export is a write reactor (audit_export_handler.cc)
// that asks the service for the next piece only once the last is written:
// one piece in flight per stream, whatever the client's pace.
class AuditRpc final : public v1::Audit::CallbackService {
 public:
  AuditRpc(service::AuditService& service, const identity::AgencyDirectory& directory,
           const identity::CertificateChecks& checks)
      : service_(service), peers_(directory, checks, service.refusals()) {}
  ~AuditRpc() override { Drain(); }

  grpc::ServerUnaryReactor* Query(grpc::CallbackServerContext* context,
                                  const v1::QueryAuditRequest* request,
                                  v1::QueryAuditResponse* response) override;
  grpc::ServerWriteReactor<v1::ExportChunk>* Export(grpc::CallbackServerContext* context,
                                                    const v1::ExportAuditRequest* request) override;
  grpc::ServerUnaryReactor* GetCheckpoint(grpc::CallbackServerContext* context,
                                          const v1::GetCheckpointRequest* request,
                                          v1::GetCheckpointResponse* response) override;
  grpc::ServerUnaryReactor* GetInclusionProof(grpc::CallbackServerContext* context,
                                              const v1::InclusionProofRequest* request,
                                              v1::InclusionProofResponse* response) override;
  grpc::ServerUnaryReactor* GetConsistencyProof(grpc::CallbackServerContext* context,
                                                const v1::ConsistencyProofRequest* request,
                                                v1::ConsistencyProofResponse* response) override;
  grpc::ServerUnaryReactor* ListUnacknowledged(grpc::CallbackServerContext* context,
                                               const v1::ListUnacknowledgedRequest* request,
                                               v1::ListUnacknowledgedResponse* response) override;
  grpc::ServerUnaryReactor* ListOverdue(grpc::CallbackServerContext* context,
                                        const v1::ListOverdueRequest* request,
                                        v1::ListOverdueResponse* response) override;

  // Ends open exports at their next piece (UNAVAILABLE: the broker is
  // shutting down); call before shutting the gRPC server down.
  void StopStreams() { stopping_ = true; }
  bool stopping() const { return stopping_; }
  // Waits for queued work; call after the gRPC server has shut down.
  void Drain() { work_.join(); }

  service::AuditService& service() { return service_; }
  boost::asio::thread_pool& work() { return work_; }

 private:
  service::AuditService& service_;
  const PeerIdentity peers_;
  std::atomic<bool> stopping_{false};
  boost::asio::thread_pool work_{2};
};

// The domain filter of a request's filter (a person as scheme name and value).
service::AuditFilter FilterFrom(const v1::AuditFilter& filter);

}  // namespace safeshare::rpc
