#pragma once

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <thread>

#include "tests/integration/scenario.h"

namespace safeshare::testing {

// Polls `ready` every 100 ms for at most `limit`; true once it holds.
template <typename F>
bool Eventually(F ready, std::chrono::seconds limit = std::chrono::seconds(30)) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (!ready()) {
    if (std::chrono::steady_clock::now() >= until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return true;
}

// A raw Subscribe stream (as cfs unless `agency` says otherwise) whose
// messages a background thread collects until it ends; every wait on it is
// bounded by its deadline.
class RawStream {
 public:
  RawStream(const BrokerProcess& broker, const std::string& name, uint32_t heartbeat = 0,
            const grpc::ChannelArguments& args = {},
            std::chrono::milliseconds deadline = std::chrono::seconds(30),
            const std::string& agency = "cfs")
      : stub_(RawStub(broker, agency, args)) {
    context_.set_deadline(std::chrono::system_clock::now() + deadline);
    v1::SubscribeRequest request;
    request.set_subscription(name);
    request.set_heartbeat_seconds(heartbeat);
    reader_ = stub_->Subscribe(&context_, request);
    done_ = std::async(std::launch::async, [this] {
              v1::SubscribeResponse message;
              while (reader_->Read(&message)) {
                heartbeats_ += message.has_heartbeat() ? 1 : 0;
                deliveries_ += message.deliveries_size();
              }
              return reader_->Finish();
            }).share();
  }
  ~RawStream() {
    context_.TryCancel();
    done_.wait();
  }
  // The stream's status once it ends (at the latest at its deadline).
  grpc::Status Finish() { return done_.get(); }
  bool Ended(std::chrono::seconds limit) const {
    return done_.wait_for(limit) == std::future_status::ready;
  }
  void Cancel() { context_.TryCancel(); }
  int heartbeats() const { return heartbeats_; }
  int deliveries() const { return deliveries_; }

 private:
  std::unique_ptr<v1::Broker::Stub> stub_;
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReader<v1::SubscribeResponse>> reader_;
  std::atomic<int> heartbeats_{0}, deliveries_{0};
  std::shared_future<grpc::Status> done_;
};

}  // namespace safeshare::testing
