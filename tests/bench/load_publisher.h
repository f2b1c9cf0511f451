#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>

#include "safeshare/v1/broker.grpc.pb.h"
#include "tests/bench/recorder.h"

namespace safeshare::bench {

// What the publishers of a run share. The pointed-to objects outlive every
// publisher.
struct PublishShared {
  PhaseRecorder* recorder = nullptr;
  DeliveryTally* tally = nullptr;    // nullptr against the no-op server
  std::vector<std::string> watched;  // recipients whose deliveries the bench counts
  size_t expected_fanout = 0;        // non-zero: a response routed elsewhere is an error
  ErrorLog* errors = nullptr;
  std::string run_prefix;  // starts every idempotency key of this run
};

// One agency publishing one notification type over its own channel with the
// callback API: no thread of its own, completions run on gRPC's threads.
// A successful completion records its latency (while the recorder is on)
// and adds the recipients named in the response to the tally.
// Thread-safe. Every call has a 30 s deadline; the destructor waits for the
// calls in flight, so it returns within that bound.
class LoadPublisher {
 public:
  static constexpr std::chrono::seconds kCallDeadline{30};

  LoadPublisher(const std::shared_ptr<grpc::Channel>& channel, std::string agency,
                v1::Notification payload, PublishShared& shared);
  ~LoadPublisher();
  LoadPublisher(const LoadPublisher&) = delete;
  LoadPublisher& operator=(const LoadPublisher&) = delete;

  // Closed loop: starts `calls` chains; each completion starts the next call
  // of its chain while the loop runs and `budget` (shared by all publishers
  // of the phase, decremented per call) is positive.
  void StartClosedLoop(int calls, std::atomic<int64_t>* budget);
  // Ends the closed loop: completions no longer start calls.
  void StopLoop() { looping_.store(false); }
  // Starts one call outside any loop (paced mode).
  void PublishOnce() { Issue(); }
  // Waits until no call is in flight or `deadline`; true when idle.
  bool WaitIdle(std::chrono::steady_clock::time_point deadline) const;

  uint64_t succeeded() const { return succeeded_.load(); }
  uint64_t failed() const { return failed_.load(); }
  const std::string& agency() const { return agency_; }

 private:
  struct Call;

  void Issue();
  void Completed(std::unique_ptr<Call> call, const grpc::Status& status);
  void Succeeded(const v1::PublishResponse& response, int64_t latency_ns);
  bool TakeBudget();

  std::unique_ptr<v1::Broker::Stub> stub_;
  const std::string agency_;
  const v1::Notification payload_;
  PublishShared& shared_;
  std::atomic<bool> looping_{false};
  std::atomic<int64_t>* budget_ = nullptr;  // set before the loop starts
  std::atomic<uint64_t> counter_{0};        // numbers idempotency keys
  std::atomic<int> in_flight_{0};
  std::atomic<uint64_t> succeeded_{0};
  std::atomic<uint64_t> failed_{0};
};

}  // namespace safeshare::bench
