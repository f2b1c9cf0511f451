// Client::Subscribe: one stream, or a stream opened again after it breaks
// (SubscribeOptions::reconnect), with a watchdog that cancels a stream that
// has been silent for longer than its heartbeats allow.
#include <condition_variable>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>

#include "backoff.h"
#include "grpc_status.h"
#include "safeshare/client/client.h"

namespace safeshare::client {
namespace {

using Clock = std::chrono::steady_clock;

// A stream that lived this long, or delivered, starts the backoff over.
constexpr std::chrono::seconds kHealthyStream{60};
// The broker's default heartbeat, for a stream that asked for none.
constexpr uint32_t kDefaultHeartbeatSeconds = 30;

// Cancels `context` when Fed() is not called for `limit`. Runs a thread
// until destroyed.
class Watchdog {
 public:
  Watchdog(grpc::ClientContext& context, std::chrono::seconds limit)
      : context_(context), limit_(limit), last_(Clock::now()), thread_([this] { Run(); }) {}
  ~Watchdog() {
    {
      std::lock_guard lock(mu_);
      done_ = true;
    }
    wake_.notify_one();
    thread_.join();
  }
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

  void Fed() {
    std::lock_guard lock(mu_);
    last_ = Clock::now();
  }
  bool fired() {
    std::lock_guard lock(mu_);
    return fired_;
  }

 private:
  void Run() {
    std::unique_lock lock(mu_);
    while (!done_) {
      const auto due = last_ + limit_;
      if (Clock::now() >= due) {
        fired_ = true;
        context_.TryCancel();
        return;
      }
      wake_.wait_until(lock, due);
    }
  }

  grpc::ClientContext& context_;
  const std::chrono::seconds limit_;
  std::mutex mu_;
  std::condition_variable wake_;
  Clock::time_point last_;
  bool done_ = false;
  bool fired_ = false;
  std::thread thread_;  // last: starts once the rest is set
};

void Report(const SubscribeOptions& options, const SubscribeEvent& event) {
  if (options.on_event) options.on_event(event);
}

}  // namespace

// What carries over from one stream of a Subscribe call to the next.
struct Client::Stream {
  std::optional<std::chrono::system_clock::time_point> deadline;
  uint64_t handled = 0;                      // deliveries accepted, all streams
  std::optional<SubscribeEvent::Kind> role;  // last reported, this stream
};

struct Client::StreamEnd {
  absl::Status status;
  bool final = false;      // stopped by the handler or max_deliveries: do not reconnect
  bool delivered = false;  // this stream delivered something
};

Client::StreamEnd Client::SubscribeOnce(const std::string& subscription,
                                        const DeliveryHandler& on_delivery,
                                        const SubscribeOptions& options, Stream& stream) {
  v1::SubscribeRequest request;
  request.set_subscription(subscription);
  request.set_heartbeat_seconds(options.heartbeat);
  grpc::ClientContext context;
  if (stream.deadline) context.set_deadline(*stream.deadline);
  const uint32_t heartbeat = options.heartbeat != 0 ? options.heartbeat : kDefaultHeartbeatSeconds;
  std::unique_ptr<grpc::ClientReader<v1::SubscribeResponse>> reader =
      stub_->Subscribe(&context, request);
  Watchdog watchdog(context, std::chrono::seconds(2 * heartbeat + 5));
  StreamEnd end;
  stream.role.reset();
  v1::SubscribeResponse message;
  while (reader->Read(&message)) {
    watchdog.Fed();
    const bool standby = message.has_heartbeat() && message.heartbeat().standby();
    const auto role = standby ? SubscribeEvent::Kind::kStandby : SubscribeEvent::Kind::kActive;
    // A stream is taken as active from its first delivery or "active" heartbeat.
    if (stream.role != role && (message.has_heartbeat() || message.deliveries_size() > 0)) {
      stream.role = role;
      Report(options, {role, {}, {}});
    }
    absl::Status stopped = absl::OkStatus();  // why we stop early, if we do
    uint64_t accepted_through = 0;            // last sequence the handler accepted
    bool enough = false;
    for (const auto& delivery : message.deliveries()) {
      stopped = on_delivery(delivery);
      if (!stopped.ok()) break;
      end.delivered = true;
      accepted_through = delivery.sequence();
      enough = options.max_deliveries != 0 && ++stream.handled >= options.max_deliveries;
      if (enough) break;
    }
    if (options.acknowledge && accepted_through != 0) {  // cumulative: one call per message
      const auto acked = Acknowledge(subscription, accepted_through).status();
      if (stopped.ok()) stopped = acked;
    }
    if (!stopped.ok() || enough) {
      context.TryCancel();
      (void)reader->Finish();  // CANCELLED, by us
      return StreamEnd{stopped, true, end.delivered};
    }
  }
  const grpc::Status finished = reader->Finish();
  if (watchdog.fired()) {
    end.status = absl::UnavailableError("no message from the broker for " +
                                        std::to_string(2 * heartbeat + 5) +
                                        " s (heartbeats stopped): the stream was taken as dead");
  } else {
    end.status = FromGrpcStatus(finished, options_.broker);
  }
  return end;
}

absl::Status Client::Subscribe(const std::string& subscription, const DeliveryHandler& on_delivery,
                               const SubscribeOptions& options) {
  Stream stream;
  if (options.deadline > std::chrono::milliseconds::zero()) {
    stream.deadline = std::chrono::system_clock::now() + options.deadline;
  }
  std::mt19937_64 random(std::random_device{}());
  std::uniform_real_distribution<double> uniform01(0.0, 1.0);
  uint32_t attempt = 0;
  for (;;) {
    const auto opened = Clock::now();
    StreamEnd end = SubscribeOnce(subscription, on_delivery, options, stream);
    if (end.final || end.status.ok() || !options.reconnect || !ReconnectAfter(end.status.code())) {
      return end.status;
    }
    if (end.delivered || Clock::now() - opened >= kHealthyStream) attempt = 0;
    if (options.backoff.max_attempts != 0 && attempt >= options.backoff.max_attempts) {
      return end.status;
    }
    const auto delay = BackoffDelay(options.backoff, attempt++, uniform01(random));
    Report(options, {SubscribeEvent::Kind::kReconnecting, delay, end.status});
    WaitConnecting(delay);
  }
}

// gRPC's synchronous API moves a connection attempt on only while some
// thread polls the channel. A thread asleep in the backoff polls nothing:
// the attempt to reach a restarted broker then stalls until gRPC's backup
// poller (every 5 s) or the broker's handshake timeout, and each stream
// opened meanwhile fails at once on the channel's last error. Waiting on the
// channel's state keeps the attempt moving, and a channel that comes back
// ends the wait early: the broker is reachable again, and gRPC's own jittered
// backoff already spaced the attempts of many subscribers. A stream refused
// on a connected channel (a reset, a busy subscription) waits the whole delay.
void Client::WaitConnecting(std::chrono::milliseconds delay) {
  const auto until = std::chrono::system_clock::now() + delay;
  grpc_connectivity_state state = channel_->GetState(/*try_to_connect=*/true);
  const bool connected = state == GRPC_CHANNEL_READY;
  while (channel_->WaitForStateChange(state, until)) {
    state = channel_->GetState(/*try_to_connect=*/true);
    if (!connected && state == GRPC_CHANNEL_READY) return;
  }
}

}  // namespace safeshare::client
