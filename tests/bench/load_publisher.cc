#include "tests/bench/load_publisher.h"

#include <algorithm>
#include <thread>

#include "tests/bench/agency_channel.h"
#include "tests/bench/bench_clock.h"
#include "tests/bench/payloads.h"

namespace safeshare::bench {

struct LoadPublisher::Call {
  grpc::ClientContext context;
  v1::PublishRequest request;
  v1::PublishResponse response;
  int64_t started_ns = 0;
};

LoadPublisher::LoadPublisher(const std::shared_ptr<grpc::Channel>& channel, std::string agency,
                             v1::Notification payload, PublishShared& shared)
    : stub_(v1::Broker::NewStub(channel)),
      agency_(std::move(agency)),
      payload_(std::move(payload)),
      shared_(shared) {}

LoadPublisher::~LoadPublisher() {
  StopLoop();
  WaitIdle(std::chrono::steady_clock::now() + kCallDeadline + std::chrono::seconds(5));
}

void LoadPublisher::StartClosedLoop(int calls, std::atomic<int64_t>* budget) {
  budget_ = budget;
  looping_.store(true);
  for (int i = 0; i < calls && TakeBudget(); ++i) Issue();
}

bool LoadPublisher::TakeBudget() {
  return budget_ != nullptr && budget_->fetch_sub(1, std::memory_order_relaxed) > 0;
}

void LoadPublisher::Issue() {
  auto call = std::make_unique<Call>();
  *call->request.mutable_notification() = payload_;
  Stamp(*call->request.mutable_notification(), shared_.run_prefix, agency_, ++counter_);
  call->context.set_deadline(std::chrono::system_clock::now() + kCallDeadline);
  in_flight_.fetch_add(1);
  call->started_ns = SteadyNs();
  Call* raw = call.release();  // owned by the completion below
  stub_->async()->Publish(
      &raw->context, &raw->request, &raw->response,
      [this, raw](const grpc::Status& status) { Completed(std::unique_ptr<Call>(raw), status); });
}

void LoadPublisher::Completed(std::unique_ptr<Call> call, const grpc::Status& status) {
  const int64_t latency = SteadyNs() - call->started_ns;
  if (status.ok()) {
    Succeeded(call->response, latency);
  } else {
    failed_.fetch_add(1);
    shared_.errors->Record("publish as " + agency_ + " failed: " + StatusText(status));
  }
  call.reset();
  // The next call starts before this one stops counting, so a publisher in
  // a running loop is never seen idle.
  if (looping_.load() && TakeBudget()) Issue();
  in_flight_.fetch_sub(1);
}

void LoadPublisher::Succeeded(const v1::PublishResponse& response, int64_t latency_ns) {
  succeeded_.fetch_add(1);
  if (shared_.recorder->recording()) shared_.recorder->publish_latency().Record(latency_ns);
  if (shared_.tally == nullptr) return;
  const auto& routed = response.routed_to();
  const auto watched = std::count_if(routed.begin(), routed.end(), [&](const std::string& a) {
    return std::find(shared_.watched.begin(), shared_.watched.end(), a) != shared_.watched.end();
  });
  shared_.tally->AddExpected(static_cast<uint64_t>(watched));
  if (shared_.expected_fanout != 0 &&
      static_cast<size_t>(routed.size()) != shared_.expected_fanout) {
    shared_.errors->Record("publish as " + agency_ + " was routed to " +
                           std::to_string(routed.size()) + " agencies, expected " +
                           std::to_string(shared_.expected_fanout));
  }
}

bool LoadPublisher::WaitIdle(std::chrono::steady_clock::time_point deadline) const {
  while (in_flight_.load() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return in_flight_.load() == 0;
}

}  // namespace safeshare::bench
