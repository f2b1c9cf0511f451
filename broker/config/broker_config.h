#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "broker/config/deadlines_config.h"
#include "broker/core/logging.h"
#include "broker/core/strong_id.h"

namespace safeshare::config {

struct TlsConfig {
  std::filesystem::path certificate;  // broker's server certificate chain (PEM)
  std::filesystem::path private_key;
  std::filesystem::path client_ca;  // CA that signs agency client certificates
  // CRLs of that CA (tls.crl_directory); none: nothing can be revoked.
  std::optional<std::filesystem::path> crl_directory;
  // How often the files above are reread (tls.refresh_seconds, 1 to 3600):
  // a revocation ends streams, and a new server certificate or CA bundle
  // serves new connections, within about this long.
  std::chrono::seconds refresh{10};
};
inline constexpr size_t kMaxTlsRefreshSeconds = 3600;

// How an agency may use subscriptions: whether Subscribe on an unknown name
// creates it (`subscriptions.create_on_subscribe`) or the agency must call
// CreateSubscription first, and how many it may have
// (`limits.per_agency.subscriptions`, 1 to kMaxSubscriptionsLimit).
struct SubscriptionPolicy {
  bool create_on_subscribe = true;
  size_t max_subscriptions = 100;
};
inline constexpr size_t kMaxSubscriptionsLimit = 10'000;

// What an agency may have open at once (`limits.per_agency`): publishes not
// yet answered (`publishes_in_flight`, 1 to kMaxPublishesInFlight) and
// Subscribe streams not yet ended (`open_streams`, 1 to kMaxOpenStreams).
// Beyond them its calls are refused RESOURCE_EXHAUSTED naming the key.
struct AgencyCallLimits {
  size_t publishes_in_flight = 256;
  size_t open_streams = 32;
};
inline constexpr size_t kMaxPublishesInFlight = 100'000;
inline constexpr size_t kMaxOpenStreams = 10'000;

struct Agency {
  AgencyId id;
  std::string role;             // one of kAgencyRoles
  std::string certificate_uri;  // SAN URI in the agency's client certificate
  // The broker-wide SubscriptionPolicy with this agency's overrides
  // (`agencies[].create_on_subscribe`, `agencies[].limits.subscriptions`).
  SubscriptionPolicy subscriptions;
  // The broker-wide AgencyCallLimits with this agency's overrides
  // (`agencies[].limits.publishes_in_flight`, `.open_streams`).
  AgencyCallLimits calls;
};

// Heartbeats on quiet Subscribe streams (`subscriptions.heartbeat_seconds`,
// `heartbeat_min_seconds`, `heartbeat_max_seconds`): a stream that asks for
// no interval gets `default_interval`; one that asks for an interval outside
// [min, max] is refused INVALID_ARGUMENT. min is 1 to 3600 s, max min to
// 3600 s, the default within them.
struct HeartbeatConfig {
  std::chrono::seconds default_interval{30};
  std::chrono::seconds min{5};
  std::chrono::seconds max{300};
};
inline constexpr size_t kMaxHeartbeatSeconds = 3600;

// Redelivery and flow control for subscriptions created without their own
// (`subscriptions.ack_wait_seconds`, `max_deliver`, `max_in_flight`): a
// delivery not acknowledged ack_wait after it was handed is handed again;
// after max_deliver unacknowledged attempts it is parked; at most
// max_in_flight deliveries are handed and unacknowledged per subscription.
// The bounds below apply to these defaults and to what CreateSubscription
// asks for alike.
struct DeliveryConfig {
  std::chrono::seconds ack_wait{300};
  uint32_t max_deliver = 5;
  uint32_t max_in_flight = 1000;
};
inline constexpr uint32_t kMaxAckWaitSeconds = 86'400;
inline constexpr uint32_t kMaxDeliverLimit = 100;
inline constexpr uint32_t kMaxInFlightLimit = 10'000;

// The HTTP/2 ping policy (`connections:`). Clients may keep a quiet
// connection alive with pings no more often than `client_ping_min_interval`;
// a client that pings faster gets `client_ping_strikes` pings of grace, then
// is sent GOAWAY. The broker pings a connection that has been quiet for
// `keepalive_time` and closes it (ending its streams) when the
// acknowledgement takes longer than `keepalive_timeout`, so a dead peer does
// not hold a subscription.
struct ConnectionsConfig {
  std::chrono::milliseconds client_ping_min_interval{5000};
  size_t client_ping_strikes = 2;
  std::chrono::milliseconds keepalive_time{30000};
  std::chrono::milliseconds keepalive_timeout{10000};
};

// Urgent disclosures (`urgent_disclosure:`): a publisher may send one
// notification to an agency no agreement covers, giving a reason, unless its
// role is barred here.
struct UrgentDisclosureConfig {
  std::vector<std::string> barred_roles;  // kAgencyRoles; empty: no role is barred
};

// The tamper-evident audit log (`audit:`): the broker signs a checkpoint of
// its Merkle tree (broker/audit/checkpoint.h) when the tree has grown by
// `checkpoint_every_entries`, or every `checkpoint_every_seconds` when it
// grew at all, and once at shutdown.
struct AuditConfig {
  // PEM Ed25519 private key (`openssl genpkey -algorithm ed25519`), owner
  // only (mode 600): checked, with the key itself, when the broker starts.
  std::filesystem::path signing_key;
  // Names the log in every checkpoint and is the signing key's name, e.g.
  // "safeshare.example/audit": no white space and no '+'.
  std::string origin;
  size_t checkpoint_every_entries = 1000;
  std::chrono::seconds checkpoint_every_seconds{60};
};

// How long the store keeps a notification's content (its body and every
// view; its metadata and audit entries stay): `acknowledged` after the last
// of its recipients acknowledged it (after it was stored when it had none),
// `unacknowledged` after it was stored while a recipient has not (at least
// as long as `acknowledged`).
struct RetentionPeriods {
  std::chrono::seconds acknowledged{0};
  std::chrono::seconds unacknowledged{0};
  bool operator==(const RetentionPeriods&) const = default;
};

// `retention:` — the periods for notification types no agreement sets
// (`acknowledged`, `unacknowledged`; none: such content is kept), and how
// often the broker looks for content due for deletion (`sweep_every`, 1s
// to 1d).
struct RetentionConfig {
  std::optional<RetentionPeriods> default_periods;
  std::chrono::seconds sweep_every{3600};
};

// The admin HTTP listener (`admin:`; broker/ops/README.md): /healthz,
// /readyz and Prometheus /metrics over plain HTTP, for loopback or a
// cluster-internal network only. Off when the section is absent or
// `enabled: false`; `admin: {}` listens on kDefaultAdminListen. `listen`
// is "IP:PORT" (port 0 picks a free one).
struct AdminConfig {
  bool enabled = false;
  std::string listen;
};
inline constexpr std::string_view kDefaultAdminListen = "127.0.0.1:9464";

// A period as config files write it: "90d", "36h", "45m" or "30s", in the
// largest unit that divides it.
std::string PeriodText(std::chrono::seconds period);

class YamlReader;
// Reads `acknowledged` and `unacknowledged` of `node` (both required,
// YamlReader::Duration), failing when unacknowledged is the shorter; the
// caller rejects keys it does not know. Used by the broker config and the
// agreements alike.
RetentionPeriods ReadRetentionPeriods(const YamlReader& node);

// A path the config file gives relative to its own directory, for errors
// about the file it names: where ("FILE:LINE: key"), as written, and as
// resolved (the absolute path BrokerConfig holds).
struct RelativePath {
  std::string where;
  std::string written;
  std::filesystem::path dir;  // the config file's, which `written` is relative to
  std::filesystem::path resolved;
};

// Where the broker keeps its durable store (`store:`).
struct StoreConfig {
  enum class Kind { kSqlite, kPostgres };
  Kind kind = Kind::kSqlite;
  // kSqlite: the database file (`path:`).
  std::filesystem::path path;
  // kPostgres: a libpq connection string (`dsn:`) without a password; the
  // password is read from `password_file:` (mode 600, its first line) or, without
  // one, by libpq itself (PGPASSWORD, ~/.pgpass).
  std::string dsn;
  std::filesystem::path password_file;
  // The broker's own small files (the TLS revocation state): beside the
  // SQLite file, or `state_directory:` with PostgreSQL.
  std::filesystem::path state_directory;
};

struct BrokerConfig {
  std::string listen = "127.0.0.1:50051";
  TlsConfig tls;
  StoreConfig store;
  LogFormat log_format = LogFormat::kText;
  std::string log_level = "info";
  size_t max_message_bytes = 1 << 20;
  // Memory gRPC may use for connections and calls (its ResourceQuota);
  // beyond it new calls are refused RESOURCE_EXHAUSTED.
  size_t memory_quota_bytes = size_t{512} << 20;
  // Writes queued for the store beyond this are refused RESOURCE_EXHAUSTED
  // at once ("retry after a short pause"), so a stalled disk cannot grow
  // memory without bound.
  size_t max_queued_writes = 20'000;
  ConnectionsConfig connections;
  HeartbeatConfig heartbeat;
  DeliveryConfig delivery;
  std::vector<Agency> agencies;
  // Directory of the information-sharing agreements (`agreements:`), one
  // YAML file each; see broker/policy/README.md.
  std::filesystem::path agreements;
  // Notification bodies are sealed at rest (`data_keys:`): the directory of
  // `<id>.key` files (32 random bytes, mode 600) and the id that seals new
  // bodies; read by DataKeys::Load. Required: there is no plaintext store.
  std::filesystem::path data_keys_directory;
  std::string data_key_current;
  // Key file for HMAC-SHA256 of person identifiers (`person_hash_key:`);
  // read by PersonKey::Load, which checks its size and mode.
  std::filesystem::path person_hash_key;
  UrgentDisclosureConfig urgent_disclosure;
  AuditConfig audit;
  RetentionConfig retention;
  AdminConfig admin;
  // Deadlines and escalation (`deadlines:`); the deadlines themselves are
  // set per type and recipient in the agreements.
  DeadlinesConfig deadlines;
  // Every path above is absolute: those the file writes relative to its
  // directory are resolved against it, and listed here as written.
  std::vector<RelativePath> relative_paths;
};

// `message`, an error about a file or directory the config names (which
// shows the resolved, absolute path), followed for each relative path it
// mentions by where and how the config wrote it, e.g.
//   cannot read tls.certificate /srv/certs/broker.crt (conf/broker.yaml:6:
//   tls.certificate: "../certs/broker.crt", relative to the config file's
//   directory /srv/conf)
std::string ExplainConfigPaths(const BrokerConfig& config, std::string_view message);

// Reads and validates a broker configuration. Relative paths are resolved
// against the directory of `file`, to absolute paths. Errors read "FILE:LINE: KEY: problem".
absl::StatusOr<BrokerConfig> LoadBrokerConfig(const std::filesystem::path& file);

// As LoadBrokerConfig, from text; `file` names the source in errors and
// anchors relative paths.
absl::StatusOr<BrokerConfig> ParseBrokerConfig(const std::string& yaml,
                                               const std::filesystem::path& file);

}  // namespace safeshare::config
