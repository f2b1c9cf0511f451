#include "broker/service/delivery_session.h"

#include <algorithm>

#include "broker/core/logging.h"

namespace safeshare::service {
namespace {

absl::Status AuditFailed(const absl::Status& why) {
  return absl::UnavailableError(
      "the broker cannot record this delivery in its audit log (" +
      std::string(absl::StatusCodeToString(why.code())) +
      "), so it sends nothing it cannot record; reconnect later to resume after your last "
      "acknowledged delivery");
}

absl::Status ParkFailed(const absl::Status& why) {
  return absl::UnavailableError(
      "the broker cannot record deliveries it parks (" +
      std::string(absl::StatusCodeToString(why.code())) +
      "); reconnect later to resume after your last acknowledged delivery");
}

}  // namespace

DeliveryLimits Resolve(const store::DeliverySettings& settings, const DeliveryLimits& defaults) {
  DeliveryLimits out = defaults;
  if (settings.ack_wait_ms != 0) out.ack_wait = std::chrono::milliseconds(settings.ack_wait_ms);
  if (settings.max_deliver != 0) out.max_deliver = settings.max_deliver;
  if (settings.max_in_flight != 0) out.max_in_flight = settings.max_in_flight;
  return out;
}

absl::StatusOr<std::shared_ptr<DeliverySession>> DeliverySession::Start(
    store::Store& store, DeliveryHub& hub, std::unique_ptr<SubscriptionFeed> feed,
    StreamTiming timing, Executor executor, std::weak_ptr<DeliverySink> sink) {
  const AgencyId agency = feed->agency();
  const SubscriptionName name = feed->name();
  const store::ConsumerMode mode = feed->mode();
  auto session = std::make_shared<DeliverySession>(store, hub, std::move(feed), timing,
                                                   std::move(executor), std::move(sink));
  std::weak_ptr<DeliverySession> weak = session;
  DeliveryHub::StreamHooks hooks{
      .wake =
          [weak] {
            if (auto self = weak.lock()) self->Post(/*may_read_store=*/false);
          },
      .promoted =
          [weak, executor = session->executor_] {
            executor([weak] {
              if (auto self = weak.lock()) self->Promote();
            });
          },
      .tick =
          [weak] {
            if (auto self = weak.lock()) self->Tick();
          },
      .end =
          [weak](const absl::Status& why) {
            if (auto self = weak.lock()) self->End(why);
          },
      .event =
          [weak](const DeliveryHub::SubscriptionEvent& event) {
            if (auto self = weak.lock()) self->OnEvent(event);
          },
  };
  {
    // Held across Join, so a promotion right after it (run on the executor)
    // finds the role set.
    absl::MutexLock lock(&session->mu_);
    auto joined = hub.Join(agency, name, mode, std::move(hooks));
    if (!joined.ok()) return joined.status();
    session->hub_token_ = joined->first;
    session->standby_ = session->heartbeat_now_ = joined->second == DeliveryHub::Role::kStandby;
    session->last_write_ = timing.clock->Steady();
    ModuleLogger("service")->info("{} subscription {}: stream started {}", agency.value(),
                                  name.value(), session->standby_ ? "as standby" : "active");
  }
  session->Post(/*may_read_store=*/true);
  return session;
}

DeliverySession::DeliverySession(store::Store& store, DeliveryHub& hub,
                                 std::unique_ptr<SubscriptionFeed> feed, StreamTiming timing,
                                 Executor executor, std::weak_ptr<DeliverySink> sink)
    : store_(store),
      hub_(hub),
      timing_(timing),
      executor_(std::move(executor)),
      sink_(std::move(sink)),
      feed_(std::move(feed)) {}

DeliverySession::~DeliverySession() { Stop(); }

void DeliverySession::Stop() {
  uint64_t token = 0;
  {
    absl::MutexLock lock(&mu_);
    stopped_ = true;
    token = std::exchange(hub_token_, 0);
  }
  if (token != 0) hub_.Leave(token);
}

void DeliverySession::End(const absl::Status& why) {
  {
    absl::MutexLock lock(&mu_);
    if (stopped_) return;
  }
  Stop();
  if (auto sink = sink_.lock()) sink->End(why);
}

void DeliverySession::Sent() {
  {
    absl::MutexLock lock(&mu_);
    sending_ = false;
    last_write_ = timing_.clock->Steady();  // the interval counts from the batch's last write
  }
  Pump(/*may_read_store=*/false);
}

bool DeliverySession::standby() const {
  absl::MutexLock lock(&mu_);
  return standby_;
}

bool DeliverySession::HeartbeatDue() const {
  if (sending_) return false;  // a batch is being written: never inside it
  return heartbeat_now_ || timing_.clock->Steady() - last_write_ >= timing_.heartbeat;
}

void DeliverySession::Tick() {
  {
    absl::MutexLock lock(&mu_);
    if (stopped_) return;
    if (!HeartbeatDue() && (standby_ || !window_.AnyDue(timing_.clock->Steady()))) return;
  }
  Pump(/*may_read_store=*/false);
}

void DeliverySession::OnEvent(const DeliveryHub::SubscriptionEvent& event) {
  {
    absl::MutexLock lock(&mu_);
    if (stopped_ || standby_) return;
    window_.Settle(event.through, event.sequences);
  }
  if (!event.released) return Post(/*may_read_store=*/false);
  std::weak_ptr<DeliverySession> weak = shared_from_this();
  executor_([weak] {
    if (auto self = weak.lock()) self->ReadReleased();
  });
}

void DeliverySession::Promote() {
  {
    absl::MutexLock lock(&mu_);
    if (stopped_) return;
    standby_ = false;
    heartbeat_now_ = true;  // tells the client at once that it is active
    taken_over_ = false;    // the position may have moved while it waited
    ModuleLogger("service")->info("{} subscription {}: standby stream promoted",
                                  feed_->agency().value(), feed_->name().value());
  }
  Pump(/*may_read_store=*/true);
}

void DeliverySession::Post(bool may_read_store) {
  executor_([self = shared_from_this(), may_read_store] { self->Pump(may_read_store); });
}

void DeliverySession::Pump(bool may_read_store) {
  Actions actions;
  {
    absl::MutexLock lock(&mu_);
    if (stopped_) return;
    // A batch about to be written makes an idle heartbeat needless, not the
    // one saying the stream's role.
    if (HeartbeatDue() && (heartbeat_now_ || !ready_)) {
      actions.heartbeat = HeartbeatInfo{timing_.clock->WallMicros(), standby_};
      heartbeat_now_ = false;
      last_write_ = timing_.clock->Steady();
    }
    if (!standby_ && !taken_over_) {
      if (!may_read_store) {
        actions.read_store = true;
      } else if (auto taken = TakeOver(); !taken.ok()) {
        stopped_ = true;
        actions.end = taken;
      }
    }
    if (!standby_ && taken_over_) {  // a standby heartbeats only
      if (!sending_ && ready_) {
        window_.Handed(*ready_, timing_.clock->Steady());
        actions.send = std::move(ready_);
        ready_.reset();
        sending_ = true;
        last_write_ = timing_.clock->Steady();
      }
      if (!auditing_ && !ready_) Poll(may_read_store, actions);
    }
  }
  Act(std::move(actions));
}

void DeliverySession::Poll(bool may_read_store, Actions& actions) {
  // What its ack wait passed for first: handed again, or parked.
  std::vector<FeedItem> items;
  if (window_.AnyDue(timing_.clock->Steady())) {
    if (!may_read_store) {  // read back from the store
      actions.read_store = true;
      return;
    }
    if (auto due = Due(items, actions); !due.ok()) {
      stopped_ = true;
      actions.end = due;
      return;
    }
  }
  const size_t room = std::min(kBatch, window_.Room());
  if (items.empty() && actions.park.empty() && room == 0) return;  // acknowledgements make room
  if (!items.empty() || !actions.park.empty()) {
    // nothing new this time
  } else if (auto recent = feed_->PollRecent(room)) {
    items = std::move(*recent);
  } else if (!may_read_store) {
    actions.read_store = true;
    return;
  } else if (auto stored = feed_->Poll(room); stored.ok()) {
    items = std::move(*stored);
  } else {
    stopped_ = true;
    actions.end = stored.status();
    return;
  }
  if (!items.empty() && !items.front().event.again) {
    const size_t polled = items.size();
    Recovering(items, actions);
    // Passed over what an earlier stream settled: read on.
    if (items.empty() && actions.park.empty() && polled > 0) actions.read_store = true;
  }
  if (items.empty()) {
    // The filter skipped a span of the store: read on (bounded reads).
    actions.read_store = actions.read_store || feed_->Skipped();
    return;
  }
  actions.audit.reserve(items.size());
  for (const auto& item : items) actions.audit.push_back(item.event);
  auditing_ = std::move(items);
}

void DeliverySession::Act(Actions actions) {
  if (!actions.audit.empty()) {
    std::weak_ptr<DeliverySession> weak = shared_from_this();
    store_.RecordDelivered(
        std::move(actions.audit),
        [weak](const absl::Status& status) {
          if (auto self = weak.lock()) self->Audited(status);
        },
        /*can_wait=*/false);
  }
  if (!actions.park.empty()) {
    std::weak_ptr<DeliverySession> weak = shared_from_this();
    store_.Park(actions.park, [weak, parked = actions.park](const absl::StatusOr<uint32_t>& done) {
      if (auto self = weak.lock()) self->Parked(done.status(), parked);
    });
  }
  if (actions.read_store) Post(/*may_read_store=*/true);
  auto sink = sink_.lock();
  if (sink == nullptr) return Stop();
  if (actions.heartbeat) sink->Heartbeat(*actions.heartbeat);
  if (actions.send) sink->Send(std::move(*actions.send));
  if (actions.end) sink->End(std::move(*actions.end));
}

// On the store's completion thread: decide only, and continue elsewhere.
void DeliverySession::Parked(const absl::Status& status,
                             const std::vector<store::DeliveredEvent>& parked) {
  {
    absl::MutexLock lock(&mu_);
    if (stopped_) return;
    if (status.ok()) {
      window_.Forget(parked);
      ModuleLogger("service")->warn(
          "{} subscription {}: {} deliveries parked after {} unacknowledged attempts",
          feed_->agency().value(), feed_->name().value(), parked.size(),
          window_.limits().max_deliver);
    } else {
      stopped_ = true;
    }
  }
  if (!status.ok()) {
    if (auto sink = sink_.lock()) sink->End(ParkFailed(status));
    return Stop();
  }
  Post(/*may_read_store=*/false);
}

void DeliverySession::Audited(const absl::Status& status) {
  std::optional<absl::Status> end;
  {
    absl::MutexLock lock(&mu_);
    if (stopped_) return;
    if (status.ok()) {
      ready_ = std::move(auditing_);
    } else {
      ModuleLogger("service")->warn(
          "{} subscription {}: stream ended, its deliveries could not be audited: {}",
          feed_->agency().value(), feed_->name().value(), status.ToString());
      stopped_ = true;
      end = AuditFailed(status);
    }
    auditing_.reset();
  }
  if (end) {
    if (auto sink = sink_.lock()) sink->End(std::move(*end));
    return Stop();
  }
  Post(/*may_read_store=*/false);
}

}  // namespace safeshare::service
