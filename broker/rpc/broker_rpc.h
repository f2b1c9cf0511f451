#pragma once

#include <boost/asio/thread_pool.hpp>

#include "broker/identity/agency_directory.h"
#include "broker/rpc/peer_identity.h"
#include "broker/rpc/stream_registry.h"
#include "broker/rpc/stream_ticker.h"
#include "broker/service/broker_service.h"
#include "safeshare/v1/broker.grpc.pb.h"

namespace safeshare::rpc {

// The gRPC adapter of the Broker service: each handler (one file per RPC)
// identifies the caller, converts proto to a service call and back, and maps
// errors once. Callback API: no thread per call or stream. Subscribe is a raw
// method so deliveries are written as pre-built frames sharing the stored
// notification bytes; Publish is raw so bytes that are not a PublishRequest
// get a refusal that says so (and is audited) rather than gRPC's bare
// UNIMPLEMENTED. Subscription streams poll on `feeds_` and subscription
// listings are read on `reads_`, never on the store's completion thread;
// `ticker_` lets quiet streams heartbeat.
class BrokerRpc final
    : public v1::Broker::WithRawCallbackMethod_Publish<
          v1::Broker::WithRawCallbackMethod_Subscribe<v1::Broker::CallbackService>> {
 public:
  BrokerRpc(service::BrokerService& service, const identity::AgencyDirectory& directory,
            const identity::CertificateChecks& checks);
  ~BrokerRpc() override;

  grpc::ServerUnaryReactor* Publish(grpc::CallbackServerContext* context,
                                    const grpc::ByteBuffer* request,
                                    grpc::ByteBuffer* response) override;
  grpc::ServerWriteReactor<grpc::ByteBuffer>* Subscribe(grpc::CallbackServerContext* context,
                                                        const grpc::ByteBuffer* request) override;
  grpc::ServerUnaryReactor* Acknowledge(grpc::CallbackServerContext* context,
                                        const v1::AcknowledgeRequest* request,
                                        v1::AcknowledgeResponse* response) override;
  grpc::ServerUnaryReactor* RecordAction(grpc::CallbackServerContext* context,
                                         const v1::RecordActionRequest* request,
                                         v1::RecordActionResponse* response) override;
  grpc::ServerUnaryReactor* CreateSubscription(grpc::CallbackServerContext* context,
                                               const v1::CreateSubscriptionRequest* request,
                                               v1::SubscriptionInfo* response) override;
  grpc::ServerUnaryReactor* ListSubscriptions(grpc::CallbackServerContext* context,
                                              const v1::ListSubscriptionsRequest* request,
                                              v1::ListSubscriptionsResponse* response) override;
  grpc::ServerUnaryReactor* ResetSubscription(grpc::CallbackServerContext* context,
                                              const v1::ResetSubscriptionRequest* request,
                                              v1::SubscriptionInfo* response) override;
  grpc::ServerUnaryReactor* DeleteSubscription(grpc::CallbackServerContext* context,
                                               const v1::DeleteSubscriptionRequest* request,
                                               v1::DeleteSubscriptionResponse* response) override;
  grpc::ServerUnaryReactor* GetDeliveryState(grpc::CallbackServerContext* context,
                                             const v1::DeliveryStateRequest* request,
                                             v1::DeliveryState* response) override;
  grpc::ServerUnaryReactor* ListPendingDeliveries(
      grpc::CallbackServerContext* context, const v1::ListPendingDeliveriesRequest* request,
      v1::ListPendingDeliveriesResponse* response) override;
  grpc::ServerUnaryReactor* ListParked(grpc::CallbackServerContext* context,
                                       const v1::ListParkedRequest* request,
                                       v1::ListParkedResponse* response) override;
  grpc::ServerUnaryReactor* ReleaseParked(grpc::CallbackServerContext* context,
                                          const v1::ReleaseParkedRequest* request,
                                          v1::ReleaseParkedResponse* response) override;
  grpc::ServerUnaryReactor* UpdateCase(grpc::CallbackServerContext* context,
                                       const v1::UpdateCaseRequest* request,
                                       v1::CaseState* response) override;
  grpc::ServerUnaryReactor* GetCase(grpc::CallbackServerContext* context,
                                    const v1::GetCaseRequest* request,
                                    v1::CaseState* response) override;
  grpc::ServerUnaryReactor* RegisterInterest(grpc::CallbackServerContext* context,
                                             const v1::InterestRequest* request,
                                             v1::InterestResponse* response) override;

  // Ends every open Subscribe stream (subscribers reconnect and resume) and
  // stops their heartbeats; call before shutting the gRPC server down so it
  // need not wait for them.
  void StopStreams() {
    ticker_.Stop();
    streams_.StopAll(absl::UnavailableError(
        "the broker is shutting down; reconnect to resume after your last acknowledged delivery"));
  }
  // Ends every open Subscribe stream whose certificate no longer passes
  // `checks` at `now` (revoked, or expired while open): UNAUTHENTICATED with
  // why, once the refusal is audited (`access_refused`, Broker.Subscribe).
  void EndStreamsOfRefusedCertificates(const identity::CertificateChecks& checks, std::time_t now);
  // Waits for queued stream work; call after the gRPC server has shut down.
  void Drain();

 private:
  std::function<void(absl::StatusOr<store::SubscriptionRecord>)> AnswerWithListing(
      grpc::ServerUnaryReactor* reactor, const identity::Caller& caller,
      v1::SubscriptionInfo* response);

  service::BrokerService& service_;
  const PeerIdentity peers_;
  StreamRegistry streams_;
  boost::asio::thread_pool feeds_{2};
  // Lets streams heartbeat (DeliverySession::Tick), on feeds_.
  StreamTicker ticker_{feeds_, std::chrono::milliseconds(200), [this] { service_.TickStreams(); }};
  // Reads of subscription listings and delivery states (they may block on
  // the store).
  boost::asio::thread_pool reads_{1};
};

}  // namespace safeshare::rpc
