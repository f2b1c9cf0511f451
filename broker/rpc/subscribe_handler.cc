#include <grpcpp/support/proto_buffer_reader.h>

#include <deque>
#include <memory>
#include <optional>

#include <mutex>

#include <boost/asio/post.hpp>

#include "absl/base/thread_annotations.h"

#include "broker/core/logging.h"
#include "broker/rpc/broker_rpc.h"
#include "broker/rpc/delivery_frame.h"
#include "broker/rpc/peer_identity.h"
#include "broker/rpc/status_mapping.h"

namespace safeshare::rpc {
namespace {

using Feed = std::unique_ptr<service::SubscriptionFeed>;

// One Subscribe stream. State is guarded by mu_, and gRPC is never called
// with mu_ held (a reaction may run inline). A completed write continues
// inline from the in-memory tail; commit wake-ups and reads that must go to
// the store run on the feed pool, never on gRPC's or the store's threads.
// The reactor owns itself (self_) from Start/Reject until gRPC's OnDone.
class SubscribeReactor final : public grpc::ServerWriteReactor<grpc::ByteBuffer>,
                               public std::enable_shared_from_this<SubscribeReactor> {
 public:
  SubscribeReactor(service::BrokerService& service, StreamRegistry& streams,
                   boost::asio::thread_pool& pool)
      : service_(service), streams_(streams), pool_(pool) {}

  void Start(const identity::Caller& caller, const std::string& subscription) {
    self_ = shared_from_this();
    std::weak_ptr<SubscribeReactor> weak = self_;
    stream_token_ = streams_.Add([weak] {
      if (auto self = weak.lock()) {
        self->RequestFinish({grpc::StatusCode::UNAVAILABLE,
                             "the broker is shutting down; reconnect to resume after your last "
                             "acknowledged delivery"});
      }
    });
    service_.Subscribe(caller, subscription, [weak](absl::StatusOr<Feed> feed) {
      if (auto self = weak.lock()) self->Opened(std::move(feed));
    });
  }

  // Ends the call at once, e.g. for an unidentified caller.
  void Reject(grpc::Status status) {
    self_ = shared_from_this();
    RequestFinish(std::move(status));
  }

  void OnWriteDone(bool ok) override {
    {
      std::lock_guard lock(mu_);
      writing_ = false;
      if (!ok && !finished_) FinishLocked({grpc::StatusCode::UNAVAILABLE, "stream broken"});
    }
    Continue(/*may_read_store=*/false);
  }
  void OnCancel() override { RequestFinish(grpc::Status::CANCELLED); }
  void OnDone() override {
    streams_.Remove(stream_token_);
    std::shared_ptr<SubscribeReactor> last;
    {
      std::lock_guard lock(mu_);
      done_ = true;
      if (hub_token_ != 0) service_.hub().Remove(hub_token_);
      feed_.reset();
      last = std::move(self_);
    }
    // `last` (or the last posted job) frees the reactor after the lock is released.
  }

 private:
  static constexpr size_t kBatch = 128;
  enum class Next { kNothing, kWrite, kFinish, kReadStore };

  void Opened(absl::StatusOr<Feed> feed) {
    if (!feed.ok()) return RequestFinish(ToGrpcStatus(feed.status()));
    {
      std::lock_guard lock(mu_);
      if (finished_ || done_) return;
      std::weak_ptr<SubscribeReactor> weak = shared_from_this();
      hub_token_ = service_.hub().Add((*feed)->agency(), [weak] {
        if (auto self = weak.lock()) self->Post(/*may_read_store=*/false);
      });
      feed_ = std::move(*feed);
    }
    Post(/*may_read_store=*/true);
  }

  void Post(bool may_read_store) {
    boost::asio::post(
        pool_, [self = shared_from_this(), may_read_store] { self->Continue(may_read_store); });
  }

  void Audited() {
    {
      std::lock_guard lock(mu_);
      audit_in_flight_ = false;
    }
    Post(/*may_read_store=*/false);  // not on the store's completion thread
  }

  void RequestFinish(grpc::Status status) {
    {
      std::lock_guard lock(mu_);
      if (finished_) return;
      FinishLocked(std::move(status));
    }
    Continue(false);
  }

  // Finish may not overlap a write; one requested mid-write waits for it.
  void FinishLocked(grpc::Status status) {
    finished_ = true;
    finish_status_ = std::move(status);
  }

  // Decides under the lock, then acts on gRPC without it.
  void Continue(bool may_read_store) {
    grpc::Status status;
    Next next;
    {
      std::lock_guard lock(mu_);
      next = Decide(may_read_store);
      if (next == Next::kFinish) status = *finish_status_;
    }
    switch (next) {
      case Next::kWrite:
        return StartWrite(&frame_);
      case Next::kFinish:
        return Finish(status);
      case Next::kReadStore:
        return Post(/*may_read_store=*/true);
      case Next::kNothing:
        return;
    }
  }

  Next Decide(bool may_read_store) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (writing_ || finish_sent_) return Next::kNothing;
    if (finished_) {
      finish_sent_ = true;
      return Next::kFinish;
    }
    if (feed_ == nullptr) return Next::kNothing;
    if (pending_.empty()) {
      auto refill = Refill(may_read_store);
      if (refill != Next::kWrite) return refill;
    }
    writing_ = true;
    frame_ = std::move(pending_.front());
    pending_.pop_front();
    return Next::kWrite;
  }

  Next Refill(bool may_read_store) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    // At most one batch's audit in the writer's queue per stream: backpressure
    // from the audit log to delivery (its completion calls Continue again).
    if (audit_in_flight_) return Next::kNothing;
    std::vector<service::FeedItem> items;
    if (auto recent = feed_->PollRecent(kBatch)) {
      items = std::move(*recent);
    } else if (!may_read_store) {
      return Next::kReadStore;
    } else {
      auto stored = feed_->Poll(kBatch);
      if (!stored.ok()) {
        FinishLocked(ToGrpcStatus(stored.status()));
        finish_sent_ = true;
        return Next::kFinish;
      }
      items = std::move(*stored);
    }
    if (items.empty()) return Next::kNothing;
    audit_in_flight_ = true;
    std::weak_ptr<SubscribeReactor> weak = shared_from_this();
    // A full batch suggests a backlog: the next one waits for this audit.
    feed_->Dispatched(
        items,
        [weak] {  // queued before the first write
          if (auto self = weak.lock()) self->Audited();
        },
        /*more_ready=*/items.size() == kBatch);
    for (auto& frame : DeliveryFrames(items)) pending_.push_back(std::move(frame));
    return Next::kWrite;
  }

  service::BrokerService& service_;
  StreamRegistry& streams_;
  boost::asio::thread_pool& pool_;
  uint64_t stream_token_ = 0;  // set before gRPC sees the reactor
  std::mutex mu_;
  uint64_t hub_token_ ABSL_GUARDED_BY(mu_) = 0;
  bool done_ ABSL_GUARDED_BY(mu_) = false;
  std::shared_ptr<SubscribeReactor> self_ ABSL_GUARDED_BY(mu_);
  Feed feed_ ABSL_GUARDED_BY(mu_);
  std::deque<grpc::ByteBuffer> pending_ ABSL_GUARDED_BY(mu_);
  grpc::ByteBuffer frame_;  // the one being written; owned by gRPC meanwhile
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool audit_in_flight_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;     // finish requested
  bool finish_sent_ ABSL_GUARDED_BY(mu_) = false;  // Finish called
  std::optional<grpc::Status> finish_status_ ABSL_GUARDED_BY(mu_);
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
