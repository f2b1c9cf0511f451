#include <grpcpp/support/proto_buffer_reader.h>

#include <deque>
#include <memory>
#include <optional>

#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>

#include "broker/core/logging.h"
#include "broker/rpc/broker_rpc.h"
#include "broker/rpc/delivery_frame.h"
#include "broker/rpc/peer_identity.h"
#include "broker/rpc/status_mapping.h"

namespace safeshare::rpc {
namespace {

using Feed = std::unique_ptr<service::SubscriptionFeed>;

// One Subscribe stream. All state changes run on one strand of the feed pool,
// so no locks are needed; gRPC reactions and store wake-ups only post to it.
// The reactor owns itself (self_) from Start/Reject until gRPC's OnDone.
class SubscribeReactor final : public grpc::ServerWriteReactor<grpc::ByteBuffer>,
                               public std::enable_shared_from_this<SubscribeReactor> {
 public:
  SubscribeReactor(service::BrokerService& service, StreamRegistry& streams,
                   boost::asio::thread_pool& pool)
      : service_(service), streams_(streams), strand_(boost::asio::make_strand(pool)) {}

  void Start(const identity::Caller& caller, const std::string& subscription) {
    self_ = shared_from_this();
    std::weak_ptr<SubscribeReactor> weak = self_;
    stream_token_ = streams_.Add([weak] {
      if (auto self = weak.lock()) {
        self->OnStrand([self] {
          self->FinishOnce({grpc::StatusCode::UNAVAILABLE,
                            "the broker is shutting down; reconnect to resume after your last "
                            "acknowledged delivery"});
        });
      }
    });
    service_.Subscribe(caller, subscription, [weak](absl::StatusOr<Feed> feed) {
      if (auto self = weak.lock()) {
        self->OnStrand([self, feed = std::move(feed)]() mutable { self->Opened(std::move(feed)); });
      }
    });
  }

  // Ends the call at once, e.g. for an unidentified caller.
  void Reject(grpc::Status status) {
    self_ = shared_from_this();
    OnStrand([self = self_, status = std::move(status)] { self->FinishOnce(status); });
  }

  void OnWriteDone(bool ok) override {
    OnStrand([self = shared_from_this(), ok] { self->Written(ok); });
  }
  void OnCancel() override {
    OnStrand([self = shared_from_this()] { self->FinishOnce(grpc::Status::CANCELLED); });
  }
  void OnDone() override {
    OnStrand([self = shared_from_this()] {
      if (self->hub_token_ != 0) self->service_.hub().Remove(self->hub_token_);
      if (self->stream_token_ != 0) self->streams_.Remove(self->stream_token_);
      self->feed_.reset();
      self->self_.reset();
    });
  }

 private:
  static constexpr size_t kBatch = 128;

  template <typename F>
  void OnStrand(F&& work) {
    boost::asio::post(strand_, std::forward<F>(work));
  }

  void Opened(absl::StatusOr<Feed> feed) {
    if (!feed.ok()) return FinishOnce(ToGrpcStatus(feed.status()));
    if (finished_) return;
    feed_ = std::move(*feed);
    std::weak_ptr<SubscribeReactor> weak = shared_from_this();
    hub_token_ = service_.hub().Add(feed_->agency(), [weak] {
      if (auto self = weak.lock()) self->OnStrand([self] { self->Pump(); });
    });
    Pump();
  }

  // Sends the next delivery if none is in flight, polling for more when the
  // buffer is empty. Every commit for this agency and every completed write
  // calls Pump, so nothing committed is left unsent.
  void Pump() {
    if (finished_ || writing_ || feed_ == nullptr) return;
    if (pending_.empty()) {
      auto items = feed_->Poll(kBatch);
      if (!items.ok()) return FinishOnce(ToGrpcStatus(items.status()));
      if (items->empty()) return;
      feed_->Dispatched(*items);  // audited before the first write
      for (const auto& item : *items) pending_.push_back(DeliveryFrame(item));
    }
    writing_ = true;
    frame_ = std::move(pending_.front());
    pending_.pop_front();
    StartWrite(&frame_);
  }

  void Written(bool ok) {
    writing_ = false;
    if (pending_finish_) return Finish(*pending_finish_);
    if (!ok) return FinishOnce(grpc::Status(grpc::StatusCode::UNAVAILABLE, "stream broken"));
    Pump();
  }

  // Finish may not overlap a write; a finish requested mid-write waits for it.
  void FinishOnce(grpc::Status status) {
    if (finished_) return;
    finished_ = true;
    if (writing_) {
      pending_finish_ = std::move(status);
    } else {
      Finish(std::move(status));
    }
  }

  service::BrokerService& service_;
  StreamRegistry& streams_;
  boost::asio::strand<boost::asio::thread_pool::executor_type> strand_;
  std::shared_ptr<SubscribeReactor> self_;
  Feed feed_;
  std::deque<grpc::ByteBuffer> pending_;
  grpc::ByteBuffer frame_;  // the one being written
  uint64_t hub_token_ = 0;
  uint64_t stream_token_ = 0;
  bool writing_ = false;
  bool finished_ = false;
  std::optional<grpc::Status> pending_finish_;
};

}  // namespace

grpc::ServerWriteReactor<grpc::ByteBuffer>* BrokerRpc::Subscribe(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request) {
  auto reactor = std::make_shared<SubscribeReactor>(service_, streams_, feeds_);
  auto caller = IdentifyPeer(*context, directory_);
  v1::SubscribeRequest parsed;
  grpc::ByteBuffer copy(*request);
  if (!caller.ok()) {
    ModuleLogger("rpc")->warn("subscribe from {} refused: {}", context->peer(),
                              caller.status().ToString());
    reactor->Reject(ToGrpcStatus(caller.status()));
  } else if (!grpc::GenericDeserialize<grpc::ProtoBufferReader, v1::SubscribeRequest>(&copy,
                                                                                      &parsed)
                  .ok()) {
    reactor->Reject({grpc::StatusCode::INVALID_ARGUMENT, "request: not a SubscribeRequest"});
  } else {
    reactor->Start(*caller, parsed.subscription());
  }
  return reactor.get();
}

}  // namespace safeshare::rpc
