#include "tests/bench/load_subscriber.h"

#include "tests/bench/agency_channel.h"
#include "tests/bench/bench_clock.h"

namespace safeshare::bench {

struct LoadSubscriber::AckCall {
  grpc::ClientContext context;
  v1::AcknowledgeRequest request;
  v1::AcknowledgeResponse response;
};

LoadSubscriber::LoadSubscriber(const std::shared_ptr<grpc::Channel>& channel, std::string agency,
                               std::string subscription, SubscribeShared& shared)
    : stub_(v1::Broker::NewStub(channel)),
      agency_(std::move(agency)),
      subscription_(std::move(subscription)),
      shared_(shared) {
  request_.set_subscription(subscription_);
}

void LoadSubscriber::Start() {
  stub_->async()->Subscribe(&context_, &request_, this);
  StartRead(&message_);
  StartCall();
}

void LoadSubscriber::OnReadDone(bool ok) {
  if (!ok) return;  // the stream ended; OnDone follows
  shared_.tally->AddMessage(static_cast<uint64_t>(message_.deliveries_size()));
  for (const auto& delivery : message_.deliveries()) Received(delivery);
  StartRead(&message_);
}

void LoadSubscriber::Received(const v1::Delivery& delivery) {
  std::unique_ptr<AckCall> ack;
  {
    absl::MutexLock lock(&mu_);
    if (delivery.sequence() <= received_through_) {  // redelivered: commit order is per stream
      duplicates_.fetch_add(1);
      return;
    }
    received_through_ = delivery.sequence();
    if (++unacked_ >= kAckEvery) {
      ack_due_ = true;
      ack = NextAckLocked();
    }
  }
  const auto& n = delivery.notification();
  if (n.idempotency_key().compare(0, shared_.run_prefix.size(), shared_.run_prefix) == 0) {
    shared_.tally->AddDelivered();
    if (shared_.recorder->recording()) {
      const int64_t created = n.created_at().seconds() * 1'000'000'000 + n.created_at().nanos();
      shared_.recorder->delivery_latency().Record(WallNs() - created);
    }
  }
  SendAck(std::move(ack));
}

std::unique_ptr<LoadSubscriber::AckCall> LoadSubscriber::NextAckLocked() {
  if (ack_in_flight_ || received_through_ <= ack_sent_through_) return nullptr;
  auto call = std::make_unique<AckCall>();
  call->request.set_subscription(subscription_);
  call->request.set_sequence(received_through_);
  call->context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  ack_sent_through_ = received_through_;
  unacked_ = 0;
  ack_due_ = false;
  ack_in_flight_ = true;
  return call;
}

void LoadSubscriber::SendAck(std::unique_ptr<AckCall> call) {
  if (call == nullptr) return;
  AckCall* raw = call.release();  // owned by the completion below
  stub_->async()->Acknowledge(
      &raw->context, &raw->request, &raw->response,
      [this, raw](const grpc::Status& status) { AckDone(std::unique_ptr<AckCall>(raw), status); });
}

void LoadSubscriber::AckDone(std::unique_ptr<AckCall> call, const grpc::Status& status) {
  if (!status.ok()) {
    shared_.errors->Record("acknowledge as " + agency_ + " through " +
                           std::to_string(call->request.sequence()) +
                           " failed: " + StatusText(status));
  }
  std::unique_ptr<AckCall> next;
  {
    absl::MutexLock lock(&mu_);
    ack_in_flight_ = false;
    if (ack_due_) next = NextAckLocked();
  }
  SendAck(std::move(next));
}

void LoadSubscriber::FlushAcks() {
  std::unique_ptr<AckCall> ack;
  {
    absl::MutexLock lock(&mu_);
    if (received_through_ <= ack_sent_through_) return;
    ack_due_ = true;
    ack = NextAckLocked();
  }
  SendAck(std::move(ack));
}

void LoadSubscriber::OnDone(const grpc::Status& status) {
  if (!closing_.load()) {
    shared_.errors->Record("subscription of " + agency_ + " ended: " + StatusText(status));
  }
  done_.store(true);
}

bool LoadSubscriber::Settled() {
  absl::MutexLock lock(&mu_);
  return !ack_in_flight_ && ack_sent_through_ == received_through_;
}

bool LoadSubscriber::Close(std::chrono::steady_clock::time_point deadline) {
  while (!Settled() && std::chrono::steady_clock::now() < deadline) {
    FlushAcks();
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  closing_.store(true);
  context_.TryCancel();
  while (!done_.load() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  absl::MutexLock lock(&mu_);
  return done_.load() && !ack_in_flight_;
}

void SubscriberSet::Add(const std::shared_ptr<grpc::Channel>& channel, const std::string& agency) {
  subscribers_.push_back(std::make_unique<LoadSubscriber>(channel, agency, subscription_, shared_));
}

void SubscriberSet::Start(double max_seconds) {
  for (auto& s : subscribers_) s->Start();
  ticker_ = std::thread([this, until = SteadyAfter(max_seconds)] { Tick(until); });
}

void SubscriberSet::Tick(std::chrono::steady_clock::time_point until) {
  while (!stop_.load() && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    for (auto& s : subscribers_) s->FlushAcks();
  }
}

bool SubscriberSet::Close(double seconds) {
  stop_.store(true);
  if (ticker_.joinable()) ticker_.join();
  const auto deadline = SteadyAfter(seconds);
  bool all = true;
  for (auto& s : subscribers_) {
    if (!s->Close(deadline)) {
      static_cast<void>(s.release());  // still referenced by gRPC: leak, do not free
      all = false;
    }
  }
  subscribers_.clear();
  return all;
}

uint64_t SubscriberSet::duplicates() const {
  uint64_t total = 0;
  for (const auto& s : subscribers_) total += s->duplicates();
  return total;
}

}  // namespace safeshare::bench
