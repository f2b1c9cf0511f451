#ifndef SAFESHARE_CLIENT_CLIENT_H_
#define SAFESHARE_CLIENT_CLIENT_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <grpcpp/channel.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "safeshare/client/health.h"
#include "safeshare/v1/audit.grpc.pb.h"
#include "safeshare/v1/broker.grpc.pb.h"

namespace safeshare::client {

// Where the broker is and which certificate the calling agency presents. The
// broker identifies the agency only from `cert` (its SPIFFE URI SAN).
struct ClientOptions {
  std::string broker = "localhost:50051";     // host:port; host must match a broker cert SAN
  std::string cert;                           // PEM client certificate chain
  std::string key;                            // PEM private key of `cert`
  std::string ca;                             // PEM partnership CA that signed the broker cert
  std::chrono::milliseconds deadline{10000};  // per unary call attempt
};

// Options pointing at the dev PKI made by certs/gen-dev-pki.sh:
// `<pki_dir>/<agency>.crt|key` and `<pki_dir>/ca.crt`, relative to the working
// directory unless `pki_dir` is absolute. Test material works too, e.g.
// agency "expired-police" or "rogue-police".
ClientOptions DevPkiOptions(absl::string_view agency, absl::string_view pki_dir = "certs/out");

// Pauses between reconnects: attempt k (from 0) waits a uniformly random
// time in [0, min(cap, base * 2^k)] ("full jitter", so many subscribers cut
// off at once do not return at once). k starts again at 0 after a stream that
// lived 60 s or delivered something.
struct Backoff {
  std::chrono::milliseconds base{250};
  std::chrono::milliseconds cap{30000};
  uint32_t max_attempts = 0;  // reconnects in a row before giving up; 0 = for ever
};

// What happened to a subscription's stream, for status lines.
struct SubscribeEvent {
  enum class Kind {
    kStandby,       // the stream waits behind the subscription's active one
    kActive,        // the stream receives the subscription's deliveries
    kReconnecting,  // the stream ended (`why`); a new one opens after `delay`
  };
  Kind kind = Kind::kActive;
  std::chrono::milliseconds delay{0};
  absl::Status why;
};

struct SubscribeOptions {
  uint64_t max_deliveries = 0;  // stop after this many deliveries; 0 = unlimited
  // Acknowledge what the callback accepted: cumulatively, once per stream
  // message (the broker packs what is ready into one message).
  bool acknowledge = true;
  // Bound on the whole subscription, reconnects included; past it Subscribe
  // returns DEADLINE_EXCEEDED. Zero (the default) means none: a
  // subscription lives until stopped.
  std::chrono::milliseconds deadline{0};
  // Seconds between the broker's heartbeats on a quiet stream; 0: the
  // broker's default (30). A stream silent for 2 x this + 5 s is taken as
  // dead: cancelled, and reconnected when `reconnect` is set.
  uint32_t heartbeat = 0;
  // Open a new stream, after `backoff`, when one ends with UNAVAILABLE,
  // CANCELLED (not by this client), ABORTED (the subscription was reset),
  // INTERNAL or RESOURCE_EXHAUSTED, or falls silent; never after
  // INVALID_ARGUMENT, NOT_FOUND, PERMISSION_DENIED, UNAUTHENTICATED or
  // FAILED_PRECONDITION (retrying cannot help). Off by default: one stream.
  bool reconnect = false;
  Backoff backoff;
  std::function<void(const SubscribeEvent&)> on_event;  // optional; on Subscribe's thread
};

// Called once per delivery, in sequence order. Returning an error stops the
// subscription without acknowledging that delivery (it is redelivered later).
using DeliveryHandler = std::function<absl::Status(const v1::Delivery&)>;

// Called once per piece of an audit export, in order; each piece ends at a
// line boundary. Returning an error stops the export (the call is cancelled).
using ExportSink = std::function<absl::Status(const v1::ExportChunk&)>;

// A connection to the broker over mutual TLS.
//
// Thread-safety: methods may be called from several threads at once (the
// gRPC channel and stub are thread-safe); Subscribe blocks its caller.
// Movable, not copyable.
//
// Retries: only calls that are safe to repeat are retried, on UNAVAILABLE
// and on CANCELLED by the broker (a call arriving as it shuts down), up to
// 3 times with 100/200/400 ms backoff: Publish (the broker deduplicates
// by idempotency key, and the key is fixed before the first attempt) and
// Acknowledge (cumulative, so repeating it changes nothing).
class Client {
 public:
  // Reads the three PEM files, checks they parse and that the key belongs to
  // the certificate (errors name the file), and creates the channel. Does not
  // contact the broker or check validity dates: an unreachable broker or a
  // refused certificate shows up as UNAVAILABLE on the first call.
  static absl::StatusOr<Client> Connect(const ClientOptions& options);

  // Publishes `notification`. If its idempotency_key is empty a random UUID v4
  // is generated once and reused by every retry. notification_id and
  // publisher are set by the broker; leave them empty.
  absl::StatusOr<v1::PublishResponse> Publish(v1::Notification notification);
  // As Publish, with an urgent disclosure to one agency outside every
  // agreement (see v1::UrgentDisclosure).
  absl::StatusOr<v1::PublishResponse> Publish(v1::Notification notification,
                                              const v1::UrgentDisclosure& urgent);

  // Streams deliveries of the durable `subscription` (created on first use,
  // resuming after its last acknowledged sequence) to `on_delivery`. After the
  // handler returns OK, acknowledges the delivery (if options.acknowledge).
  // Returns OK when max_deliveries were handled or the broker ended the stream;
  // the handler's error if it returned one; otherwise the stream's error.
  // Blocks the calling thread; the stream has no deadline unless
  // options.deadline is set. Heartbeats (messages without deliveries) are
  // not passed to `on_delivery`; they report standby and active through
  // options.on_event.
  absl::Status Subscribe(const std::string& subscription, const DeliveryHandler& on_delivery,
                         const SubscribeOptions& options = {});

  // Acknowledges every delivery on `subscription` up to and including
  // `sequence` (0: none), and each of `sequences` on its own.
  absl::StatusOr<v1::AcknowledgeResponse> Acknowledge(const std::string& subscription,
                                                      uint64_t sequence,
                                                      const std::vector<uint64_t>& sequences = {});

  // Records what the caller did about a notification delivered to it and
  // acknowledged. If request.idempotency_key is empty a random UUID v4 is
  // set, so the retries (as for Publish) record it once.
  absl::StatusOr<v1::RecordActionResponse> RecordAction(v1::RecordActionRequest request);

  // Asks the broker's grpc.health.v1.Health/Check about `service` ("" for
  // the server as a whole) over this connection's mutual-TLS channel, once
  // (not retried: a probe reports what it sees). An error when the call
  // fails, e.g. NOT_FOUND for a service the broker does not report on.
  absl::StatusOr<ServingStatus> Health(absl::string_view service = kBrokerServiceName);

  // The calling agency's own subscriptions. Create (repeating it answers
  // the existing subscription) and List are retried like Acknowledge; Reset
  // and Delete are not (a repeated reset "from now" would move again, a
  // repeated delete would answer NOT_FOUND).
  absl::StatusOr<v1::SubscriptionInfo> CreateSubscription(
      const v1::CreateSubscriptionRequest& request);
  // "" lists all of them.
  absl::StatusOr<v1::ListSubscriptionsResponse> ListSubscriptions(
      const std::string& subscription = "");
  absl::StatusOr<v1::SubscriptionInfo> ResetSubscription(
      const v1::ResetSubscriptionRequest& request);
  absl::StatusOr<v1::DeleteSubscriptionResponse> DeleteSubscription(
      const std::string& subscription);
  // A subscription's parked deliveries (retried like List), and releasing
  // them to be delivered again (not retried: a second release of the same
  // sequences is FAILED_PRECONDITION).
  absl::StatusOr<v1::ListParkedResponse> ListParked(const v1::ListParkedRequest& request);
  absl::StatusOr<v1::ReleaseParkedResponse> ReleaseParked(const v1::ReleaseParkedRequest& request);

  // What became of the caller's own notifications: each recipient's
  // progress with one (NOT_FOUND for another agency's), and the deliveries
  // their recipients have not acknowledged, oldest first. Retried like
  // Acknowledge: they only read.
  absl::StatusOr<v1::DeliveryState> GetDeliveryState(const std::string& notification_id);
  absl::StatusOr<v1::ListPendingDeliveriesResponse> ListPendingDeliveries(
      const v1::ListPendingDeliveriesRequest& request);

  // Case engagement (roles an agreement lets manage cases) and person
  // interests (roles an agreement lets register them). Retried like
  // Acknowledge: repeating them changes nothing.
  absl::StatusOr<v1::CaseState> UpdateCase(const v1::UpdateCaseRequest& request);
  absl::StatusOr<v1::CaseState> GetCase(const std::string& case_ref);
  absl::StatusOr<v1::InterestResponse> RegisterInterest(const v1::InterestRequest& request);

  // The Governance service, for the information governance role.
  absl::StatusOr<v1::ReloadPolicyResponse> ReloadPolicy();
  // Replays stored history, so it may take longer than other calls: its
  // deadline is six times options().deadline.
  absl::StatusOr<v1::PolicyImpactResponse> PolicyImpact(const v1::PolicyImpactRequest& request);
  absl::StatusOr<v1::ListUrgentDisclosuresResponse> ListUrgentDisclosures(
      const v1::ListUrgentDisclosuresRequest& request);

  // The Audit service, for the information governance role (any other
  // agency is answered PERMISSION_DENIED, and the broker audits the attempt;
  // so does every call that succeeds). All but ExportAudit are retried like
  // Acknowledge: they only read. Query and ListUnacknowledged search the
  // whole log, so their deadline is six times options().deadline.
  absl::StatusOr<v1::QueryAuditResponse> QueryAudit(const v1::QueryAuditRequest& request);
  // Streams the export to `sink`, piece by piece, so neither side holds it
  // whole. No overall deadline (a large log takes as long as it takes) and
  // not retried: a failed export is started again by the caller. Returns
  // the sink's error if it returned one, otherwise the stream's status.
  absl::Status ExportAudit(const v1::ExportAuditRequest& request, const ExportSink& sink);
  // The checkpoint the broker signed at `tree_size` (0: its latest) and the
  // broker's verifier key. NOT_FOUND when it has signed none (yet).
  absl::StatusOr<v1::GetCheckpointResponse> GetCheckpoint(uint64_t tree_size = 0);
  // Entry `index` (1-based) and the path proving it is in the tree of
  // `tree_size` entries (0: the latest checkpoint's size).
  absl::StatusOr<v1::InclusionProofResponse> GetInclusionProof(uint64_t index,
                                                               uint64_t tree_size = 0);
  // Proof that the tree of `from_size` entries is a prefix of the tree of
  // `to_size` (0: the latest checkpoint's size).
  absl::StatusOr<v1::ConsistencyProofResponse> GetConsistencyProof(uint64_t from_size,
                                                                   uint64_t to_size = 0);
  absl::StatusOr<v1::ListUnacknowledgedResponse> ListUnacknowledged(
      const v1::ListUnacknowledgedRequest& request);
  // Deliveries past their deadline and unacknowledged (also for the
  // safeguarding lead role); searched like ListUnacknowledged.
  absl::StatusOr<v1::ListOverdueResponse> ListOverdue(const v1::ListOverdueRequest& request);

  const ClientOptions& options() const { return options_; }

 private:
  Client(ClientOptions options, std::shared_ptr<grpc::Channel> channel);

  // One unary call, retried as CallWithRetry does unless `retried` is
  // false; errors as absl::Status.
  template <typename Response, typename Call>
  absl::StatusOr<Response> Unary(std::chrono::milliseconds deadline, const Call& call,
                                 bool retried = true);
  absl::StatusOr<v1::PublishResponse> PublishRequest(v1::PublishRequest request);
  // One Subscribe stream and how it ended (subscribe.cc).
  struct Stream;
  struct StreamEnd;
  StreamEnd SubscribeOnce(const std::string& subscription, const DeliveryHandler& on_delivery,
                          const SubscribeOptions& options, Stream& stream);
  // Waits `delay` while the channel reconnects (subscribe.cc).
  void WaitConnecting(std::chrono::milliseconds delay);

  ClientOptions options_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::Broker::Stub> stub_;
  std::unique_ptr<v1::Governance::Stub> governance_;
  std::unique_ptr<v1::Audit::Stub> audit_;
};

}  // namespace safeshare::client

#endif  // SAFESHARE_CLIENT_CLIENT_H_
