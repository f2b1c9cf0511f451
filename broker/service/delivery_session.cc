#include "broker/service/delivery_session.h"

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

}  // namespace

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
    if (stopped_ || !HeartbeatDue()) return;
  }
  Pump(/*may_read_store=*/false);
}

void DeliverySession::Promote() {
  AgencyId agency;
  SubscriptionName name;
  {
    absl::MutexLock lock(&mu_);
    if (stopped_) return;
    agency = feed_->agency();
    name = feed_->name();
  }
  // The active stream's acknowledgements moved the position while this one
  // waited: continue after the latest, as a reconnect would.
  auto listed = store_.ReadSubscriptions(agency, name);
  if (!listed.ok() || listed->empty()) {
    return End(listed.ok() ? StreamEnded("subscription '" + name.value() + "' was deleted")
                           : listed.status());
  }
  {
    absl::MutexLock lock(&mu_);
    if (stopped_) return;
    feed_->RestartAfter(listed->front().record.acked_through);
    standby_ = false;
    heartbeat_now_ = true;  // tells the client at once that it is active
  }
  ModuleLogger("service")->info("{} subscription {}: standby stream promoted after sequence {}",
                                agency.value(), name.value(),
                                listed->front().record.acked_through.value());
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
    if (!standby_) {  // a standby heartbeats only
      if (!sending_ && ready_) {
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
  std::vector<FeedItem> items;
  if (auto recent = feed_->PollRecent(kBatch)) {
    items = std::move(*recent);
  } else if (!may_read_store) {
    actions.read_store = true;
    return;
  } else if (auto stored = feed_->Poll(kBatch); stored.ok()) {
    items = std::move(*stored);
  } else {
    stopped_ = true;
    actions.end = stored.status();
    return;
  }
  if (items.empty()) {
    // The filter skipped a span of the store: read on (bounded reads).
    actions.read_store = feed_->Skipped();
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
  if (actions.read_store) Post(/*may_read_store=*/true);
  auto sink = sink_.lock();
  if (sink == nullptr) return Stop();
  if (actions.heartbeat) sink->Heartbeat(*actions.heartbeat);
  if (actions.send) sink->Send(std::move(*actions.send));
  if (actions.end) sink->End(std::move(*actions.end));
}

// On the store's completion thread: decide only, and continue elsewhere.
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
