#include <deque>
#include <memory>
#include <optional>

#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>

#include "broker/core/logging.h"
#include "broker/rpc/broker_rpc.h"
#include "broker/rpc/peer_identity.h"
#include "broker/rpc/status_mapping.h"

namespace safeshare::rpc {
namespace {

// One Subscribe stream. All state changes run on one strand of the feed pool,
// so no locks are needed; gRPC reactions and store wake-ups only post to it.
// The reactor owns itself (self_) from Start until gRPC's OnDone.
class SubscribeReactor final : public grpc::ServerWriteReactor<v1::Delivery>,
                               public std::enable_shared_from_this<SubscribeReactor> {
 public:
  SubscribeReactor(service::BrokerService& service, boost::asio::thread_pool& pool)
      : service_(service), strand_(boost::asio::make_strand(pool)) {}

  void Start(const identity::Caller& caller, const std::string& subscription) {
    self_ = shared_from_this();
    std::weak_ptr<SubscribeReactor> weak = self_;
    service_.Subscribe(caller, subscription,
                       [weak](absl::StatusOr<std::unique_ptr<service::SubscriptionFeed>> feed) {
                         if (auto self = weak.lock()) {
                           self->OnStrand([self, feed = std::move(feed)]() mutable {
                             self->Opened(std::move(feed));
                           });
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
      if (self->token_ != 0) self->service_.hub().Remove(self->token_);
      self->feed_.reset();
      self->self_.reset();
    });
  }

 private:
  static constexpr size_t kBatch = 64;

  template <typename F>
  void OnStrand(F&& work) {
    boost::asio::post(strand_, std::forward<F>(work));
  }

  void Opened(absl::StatusOr<std::unique_ptr<service::SubscriptionFeed>> feed) {
    if (!feed.ok()) return FinishOnce(ToGrpcStatus(feed.status()));
    if (finished_) return;
    feed_ = std::move(*feed);
    std::weak_ptr<SubscribeReactor> weak = shared_from_this();
    token_ = service_.hub().Add(feed_->agency(), [weak] {
      if (auto self = weak.lock()) self->OnStrand([self] { self->Pump(); });
    });
    Pump();
  }

  // Sends the next delivery if none is in flight, reading more from the
  // store when the buffer is empty. Every commit for this agency and every
  // completed write calls Pump, so nothing committed is left unsent.
  void Pump() {
    if (finished_ || writing_ || feed_ == nullptr) return;
    if (buffer_.empty()) {
      auto items = feed_->Poll(kBatch);
      if (!items.ok()) return FinishOnce(ToGrpcStatus(items.status()));
      for (auto& item : *items) buffer_.push_back(std::move(item));
      if (buffer_.empty()) return;
    }
    writing_ = true;
    feed_->Dispatched(buffer_.front());
    StartWrite(&buffer_.front().delivery);
  }

  void Written(bool ok) {
    writing_ = false;
    if (ok) buffer_.pop_front();
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
  boost::asio::strand<boost::asio::thread_pool::executor_type> strand_;
  std::shared_ptr<SubscribeReactor> self_;
  std::unique_ptr<service::SubscriptionFeed> feed_;
  std::deque<service::FeedItem> buffer_;
  uint64_t token_ = 0;
  bool writing_ = false;
  bool finished_ = false;
  std::optional<grpc::Status> pending_finish_;
};

}  // namespace

grpc::ServerWriteReactor<v1::Delivery>* BrokerRpc::Subscribe(grpc::CallbackServerContext* context,
                                                             const v1::SubscribeRequest* request) {
  auto reactor = std::make_shared<SubscribeReactor>(service_, feeds_);
  auto caller = IdentifyPeer(*context, directory_);
  if (!caller.ok()) {
    ModuleLogger("rpc")->warn("subscribe from {} refused: {}", context->peer(),
                              caller.status().ToString());
    reactor->Reject(ToGrpcStatus(caller.status()));
  } else {
    reactor->Start(*caller, request->subscription());
  }
  return reactor.get();
}

}  // namespace safeshare::rpc
