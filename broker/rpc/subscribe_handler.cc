#include <grpcpp/support/proto_buffer_reader.h>

#include <chrono>
#include <deque>
#include <memory>
#include <optional>

#include <boost/asio/post.hpp>

#include "absl/synchronization/mutex.h"
#include "broker/core/broker_metrics.h"
#include "broker/core/logging.h"
#include "broker/rpc/broker_rpc.h"
#include "broker/rpc/delivery_frame.h"
#include "broker/rpc/peer_identity.h"
#include "broker/rpc/status_mapping.h"
#include "broker/rpc/unary_call.h"

namespace safeshare::rpc {
namespace {

// One Subscribe stream: the gRPC end of a service::DeliverySession, which
// decides what is sent and when. This adapter only turns batches into
// frames, writes them one at a time, and finishes the call, never while a
// write is outstanding. gRPC is never called with mu_ held (a reaction may
// run inline). The reactor owns itself (self_) from Start/Reject until
// gRPC's OnDone.
class SubscribeReactor final : public grpc::ServerWriteReactor<grpc::ByteBuffer>,
                               public service::DeliverySink,
                               public std::enable_shared_from_this<SubscribeReactor> {
 public:
  SubscribeReactor(service::BrokerService& service, StreamRegistry& streams,
                   boost::asio::thread_pool& pool)
      : service_(service), streams_(streams), pool_(pool) {}

  // `permit`: one of the agency's open streams, held until OnDone.
  void Start(const identity::Caller& caller, const std::string& subscription,
             std::chrono::seconds heartbeat, service::AgencyLimits::Permit permit) {
    agency_ = caller.agency.value();
    subscription_ = subscription;
    heartbeat_ = heartbeat;
    permit_ = std::move(permit);
    delivered_ = &Metrics().deliveries.With({agency_});
    open_streams_ = &Metrics().open_streams.With({agency_});
    open_streams_->Add(1);
    OwnSelf();
    std::weak_ptr<SubscribeReactor> weak = weak_from_this();
    stream_token_ = streams_.Add({agency_, caller.certificate, [weak](absl::Status why) {
                                    if (auto self = weak.lock()) self->End(std::move(why));
                                  }});
    service_.Subscribe(caller, subscription,
                       [weak](absl::StatusOr<std::unique_ptr<service::SubscriptionFeed>> feed) {
                         if (auto self = weak.lock()) self->Opened(std::move(feed));
                       });
  }

  // Ends the call at once, e.g. for a request that does not parse.
  void Reject(grpc::Status status) {
    OwnSelf();
    RequestFinish(std::move(status));
  }
  // Keeps the reactor until a refusal decided later (once it is audited)
  // ends it through End.
  void Hold() { OwnSelf(); }

  // service::DeliverySink
  void Send(std::vector<service::FeedItem> items) override {
    {
      absl::MutexLock lock(&mu_);
      if (finished_) return;
      for (auto& frame : DeliveryFrames(items)) pending_.push_back(std::move(frame));
      batch_open_ = true;
    }
    delivered_->Add(items.size());
    Continue();
  }
  void Heartbeat(const service::HeartbeatInfo& info) override {
    {
      absl::MutexLock lock(&mu_);
      if (finished_) return;
      pending_.push_back(HeartbeatFrame(info));
    }
    Continue();
  }
  void End(absl::Status status) override { RequestFinish(ToGrpcStatus(status)); }

  void OnWriteDone(bool ok) override {
    bool batch_written = false;
    {
      absl::MutexLock lock(&mu_);
      writing_ = false;
      if (!ok && !finished_) FinishLocked({grpc::StatusCode::UNAVAILABLE, "stream broken"});
      // The session sends one batch at a time: its last frame is written
      // when nothing is pending.
      batch_written = ok && batch_open_ && pending_.empty();
      if (batch_written) batch_open_ = false;
    }
    if (batch_written) {
      if (auto session = Session()) session->Sent();
    }
    Continue();
  }
  void OnCancel() override { RequestFinish(grpc::Status::CANCELLED); }
  void OnDone() override {
    streams_.Remove(stream_token_);
    std::shared_ptr<SubscribeReactor> last;
    std::shared_ptr<service::DeliverySession> session;
    grpc::StatusCode code = grpc::StatusCode::OK;
    {
      absl::MutexLock lock(&mu_);
      session = std::move(session_);
      last = std::move(self_);
      if (finish_status_) code = finish_status_->error_code();
    }
    if (session) session->Stop();
    permit_ = service::AgencyLimits::Permit();  // the stream has ended
    if (open_streams_ != nullptr) open_streams_->Add(-1);
    if (!agency_.empty()) {  // a stream that was opened (not rejected)
      ModuleLogger("rpc")->info("{} subscription {}: stream ended (gRPC code {})", agency_,
                                subscription_, static_cast<int>(code));
    }
    // `last` (or the session's last job) frees the reactor after the lock is released.
  }

 private:
  void OwnSelf() {
    absl::MutexLock lock(&mu_);
    self_ = shared_from_this();
  }

  void Opened(absl::StatusOr<std::unique_ptr<service::SubscriptionFeed>> feed) {
    if (!feed.ok()) return RequestFinish(ToGrpcStatus(feed.status()));
    // Joining the hub may wait on the subscription claim's database round
    // trip: on the pool, not on the store's completion thread. Shared, as a
    // posted job is copied.
    auto opened = std::make_shared<std::unique_ptr<service::SubscriptionFeed>>(std::move(*feed));
    boost::asio::post(pool_, [weak = weak_from_this(), opened] {
      if (auto self = weak.lock()) self->Deliver(std::move(*opened));
    });
  }

  void Deliver(std::unique_ptr<service::SubscriptionFeed> feed) {
    auto executor = [&pool = pool_](std::function<void()> job) {
      boost::asio::post(pool, std::move(job));
    };
    auto session = service_.StartDelivery(std::move(feed), heartbeat_, executor, weak_from_this());
    if (!session.ok()) return RequestFinish(ToGrpcStatus(session.status()));
    absl::MutexLock lock(&mu_);
    if (finished_) return (*session)->Stop();
    session_ = std::move(*session);
  }

  std::shared_ptr<service::DeliverySession> Session() {
    absl::MutexLock lock(&mu_);
    return session_;
  }

  void RequestFinish(grpc::Status status) {
    {
      absl::MutexLock lock(&mu_);
      if (finished_) return;
      FinishLocked(std::move(status));
    }
    Continue();
  }

  // Finish may not overlap a write; one requested mid-write waits for it.
  void FinishLocked(grpc::Status status) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    finished_ = true;
    finish_status_ = std::move(status);
  }

  // Decides under the lock, then acts on gRPC without it.
  void Continue() {
    enum { kNothing, kWrite, kFinish } next = kNothing;
    grpc::Status status;
    {
      absl::MutexLock lock(&mu_);
      if (writing_ || finish_sent_) return;
      if (finished_) {
        finish_sent_ = true;
        next = kFinish;
        status = *finish_status_;
      } else if (!pending_.empty()) {
        writing_ = true;
        frame_.Swap(&pending_.front());
        pending_.pop_front();
        next = kWrite;
      }
    }
    if (next == kWrite) StartWrite(&frame_);
    if (next == kFinish) Finish(status);
  }

  service::BrokerService& service_;
  StreamRegistry& streams_;
  boost::asio::thread_pool& pool_;
  uint64_t stream_token_ = 0;             // set before gRPC sees the reactor
  std::string agency_, subscription_;     // set by Start, for the log
  std::chrono::seconds heartbeat_{0};     // set by Start
  service::AgencyLimits::Permit permit_;  // set by Start, given back in OnDone
  // The agency's series, set by Start (never for a rejected stream).
  Counter* delivered_ = nullptr;
  Gauge* open_streams_ = nullptr;
  absl::Mutex mu_;
  std::shared_ptr<SubscribeReactor> self_ ABSL_GUARDED_BY(mu_);
  std::shared_ptr<service::DeliverySession> session_ ABSL_GUARDED_BY(mu_);
  std::deque<grpc::ByteBuffer> pending_ ABSL_GUARDED_BY(mu_);
  bool batch_open_ ABSL_GUARDED_BY(mu_) = false;  // a Send not yet all written
  // The one being written; owned by gRPC meanwhile.
  grpc::ByteBuffer frame_ ABSL_GUARDED_BY(mu_);
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;     // finish requested
  bool finish_sent_ ABSL_GUARDED_BY(mu_) = false;  // Finish called
  std::optional<grpc::Status> finish_status_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

grpc::ServerWriteReactor<grpc::ByteBuffer>* BrokerRpc::Subscribe(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request) {
  auto reactor = std::make_shared<SubscribeReactor>(service_, streams_, feeds_);
  if (DeadlinePassed(*context)) {
    reactor->Reject(DeadlinePassedStatus());
    return reactor.get();
  }
  reactor->Hold();
  std::weak_ptr<SubscribeReactor> weak = reactor;
  auto caller = peers_.Identify(*context, "Broker.Subscribe", [weak](absl::Status refused) {
    if (auto self = weak.lock()) self->End(std::move(refused));
  });
  v1::SubscribeRequest parsed;
  grpc::ByteBuffer copy(*request);
  if (!caller) {
    // Ended through End once the refusal is audited.
  } else if (!grpc::GenericDeserialize<grpc::ProtoBufferReader, v1::SubscribeRequest>(&copy,
                                                                                      &parsed)
                  .ok()) {
    reactor->Reject({grpc::StatusCode::INVALID_ARGUMENT, "request: not a SubscribeRequest"});
  } else if (auto heartbeat = service_.HeartbeatInterval(parsed.heartbeat_seconds());
             !heartbeat.ok()) {
    reactor->Reject(ToGrpcStatus(heartbeat.status()));
  } else if (auto permit = service_.OpenStream(*caller); !permit.ok()) {
    reactor->Reject(ToGrpcStatus(permit.status()));
  } else {
    reactor->Start(*caller, parsed.subscription(), *heartbeat, *std::move(permit));
  }
  return reactor.get();
}

void BrokerRpc::EndStreamsOfRefusedCertificates(const identity::CertificateChecks& checks,
                                                std::time_t now) {
  auto refused = streams_.TakeRefused(
      [&](const identity::PeerCertificate& cert) { return checks.Check(cert, now); });
  for (auto& [stream, why] : refused) {
    Metrics().certificate_refusals.With({"open_stream"}).Add();
    service_.refusals().Refuse(stream.agency, "Broker.Subscribe (open stream)", std::move(why),
                               std::move(stream.end));
  }
}

}  // namespace safeshare::rpc
