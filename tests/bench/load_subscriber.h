#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "safeshare/v1/broker.grpc.pb.h"
#include "tests/bench/recorder.h"

namespace safeshare::bench {

// What the subscribers of a run share; the objects outlive the subscribers.
struct SubscribeShared {
  PhaseRecorder* recorder = nullptr;
  DeliveryTally* tally = nullptr;
  ErrorLog* errors = nullptr;
  std::string run_prefix;  // deliveries whose key lacks it are not this run's
};

// One agency's durable subscription, read with the callback API. Each
// delivery of this run is counted and its publish-to-delivery latency
// (now - created_at) recorded while the recorder is on. Acknowledgements
// are cumulative and asynchronous, so the reader never waits for them: one
// is sent after every kAckEvery deliveries, and FlushAcks() (called every
// 5 ms by SubscriberSet) sends one for whatever is left; at most one is in
// flight, a due one follows when it completes.
// Thread-safety: FlushAcks and Close may be called from any thread.
class LoadSubscriber final : public grpc::ClientReadReactor<v1::SubscribeResponse> {
 public:
  static constexpr uint64_t kAckEvery = 64;

  LoadSubscriber(const std::shared_ptr<grpc::Channel>& channel, std::string agency,
                 std::string subscription, SubscribeShared& shared);

  void Start();
  void FlushAcks();
  // Acknowledges through the last delivery received, then ends the stream.
  // True when the stream is done and no acknowledgement is in flight, so the
  // object may be destroyed; false if that did not happen by `deadline`.
  bool Close(std::chrono::steady_clock::time_point deadline);
  uint64_t duplicates() const { return duplicates_.load(); }

  void OnReadDone(bool ok) override;
  void OnDone(const grpc::Status& status) override;

 private:
  struct AckCall;

  void Received(const v1::Delivery& delivery);
  // Returns the acknowledgement to send, or nullptr when nothing is newly
  // received or one is in flight (then it is sent when that completes).
  std::unique_ptr<AckCall> NextAckLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void SendAck(std::unique_ptr<AckCall> call);
  void AckDone(std::unique_ptr<AckCall> call, const grpc::Status& status);
  bool Settled();

  std::unique_ptr<v1::Broker::Stub> stub_;
  const std::string agency_;
  const std::string subscription_;
  SubscribeShared& shared_;
  grpc::ClientContext context_;
  v1::SubscribeRequest request_;
  v1::SubscribeResponse message_;  // written by gRPC, read in OnReadDone
  std::atomic<bool> closing_{false};
  std::atomic<bool> done_{false};
  std::atomic<uint64_t> duplicates_{0};

  absl::Mutex mu_;
  uint64_t received_through_ ABSL_GUARDED_BY(mu_) = 0;  // highest sequence received
  uint64_t ack_sent_through_ ABSL_GUARDED_BY(mu_) = 0;  // highest sequence sent in an ack
  uint64_t unacked_ ABSL_GUARDED_BY(mu_) = 0;
  bool ack_due_ ABSL_GUARDED_BY(mu_) = false;
  bool ack_in_flight_ ABSL_GUARDED_BY(mu_) = false;
};

// The subscriptions of a run, one per recipient agency, and the thread that
// flushes their acknowledgements every 5 ms.
class SubscriberSet {
 public:
  SubscriberSet(SubscribeShared& shared, std::string subscription)
      : shared_(shared), subscription_(std::move(subscription)) {}
  ~SubscriberSet() { Close(10); }

  void Add(const std::shared_ptr<grpc::Channel>& channel, const std::string& agency);
  // Opens every stream and starts the ack thread, which stops by itself
  // after `max_seconds` at the latest.
  void Start(double max_seconds);
  // Final acknowledgements, then closes every stream, within `seconds`. A
  // subscriber that did not finish is leaked rather than destroyed under
  // gRPC's feet; returns false then.
  bool Close(double seconds);
  uint64_t duplicates() const;

 private:
  void Tick(std::chrono::steady_clock::time_point until);

  SubscribeShared& shared_;
  const std::string subscription_;
  std::vector<std::unique_ptr<LoadSubscriber>> subscribers_;
  std::atomic<bool> stop_{false};
  std::thread ticker_;
};

}  // namespace safeshare::bench
