#include "broker/config/broker_config.h"

#include <algorithm>
#include <chrono>
#include <limits>
#include <set>

#include "absl/status/status.h"
#include "broker/config/path_resolver.h"
#include "broker/config/store_config.h"
#include "broker/config/yaml_reader.h"
#include "broker/core/text_file.h"
#include "broker/core/vocabulary.h"

namespace safeshare::config {
namespace {

TlsConfig ReadTls(const YamlReader& tls, const PathResolver& path) {
  tls.RejectUnknownKeys(
      {"certificate", "private_key", "client_ca", "crl_directory", "refresh_seconds"});
  TlsConfig out{path(tls.Required("certificate")), path(tls.Required("private_key")),
                path(tls.Required("client_ca"))};
  if (tls.Has("crl_directory")) out.crl_directory = path(tls.Required("crl_directory"));
  if (tls.Has("refresh_seconds")) {
    out.refresh = std::chrono::seconds(
        static_cast<int64_t>(tls.Required("refresh_seconds").InRange(1, kMaxTlsRefreshSeconds)));
  }
  return out;
}

// The per-agency limits a `limits` mapping gives (broker-wide
// `limits.per_agency`, or an agency's `agencies[].limits`), over `policy`
// and `calls`; other keys of the mapping are the caller's to know.
void ReadAgencyLimits(const YamlReader& limits, SubscriptionPolicy& policy,
                      AgencyCallLimits& calls) {
  if (limits.Has("subscriptions")) {
    policy.max_subscriptions = limits.Required("subscriptions").InRange(1, kMaxSubscriptionsLimit);
  }
  if (limits.Has("publishes_in_flight")) {
    calls.publishes_in_flight =
        limits.Required("publishes_in_flight").InRange(1, kMaxPublishesInFlight);
  }
  if (limits.Has("open_streams")) {
    calls.open_streams = limits.Required("open_streams").InRange(1, kMaxOpenStreams);
  }
}
const std::vector<std::string>& AgencyLimitKeys() {
  static const std::vector<std::string> keys = {"subscriptions", "publishes_in_flight",
                                                "open_streams"};
  return keys;
}

// `defaults`, `calls`: the broker-wide settings, which an agency's keys override.
std::vector<Agency> ReadAgencies(const YamlReader& list, const SubscriptionPolicy& defaults,
                                 const AgencyCallLimits& calls) {
  std::vector<Agency> agencies;
  std::set<std::string> ids, uris;
  for (const auto& item : list.Sequence()) {
    item.RejectUnknownKeys({"id", "role", "certificate_uri", "create_on_subscribe", "limits"});
    Agency agency{AgencyId(item.Required("id").String()), item.Required("role").OneOf(kAgencyRoles),
                  item.Required("certificate_uri").String(), defaults, calls};
    if (item.Has("create_on_subscribe")) {
      agency.subscriptions.create_on_subscribe = item.Required("create_on_subscribe").Bool();
    }
    if (item.Has("limits")) {
      const auto limits = item.Required("limits");
      limits.RejectUnknownKeys(AgencyLimitKeys());
      ReadAgencyLimits(limits, agency.subscriptions, agency.calls);
    }
    if (!ids.insert(agency.id.value()).second) item.Required("id").Fail("duplicate agency id");
    if (!uris.insert(agency.certificate_uri).second) {
      item.Required("certificate_uri").Fail("two agencies share this certificate URI");
    }
    agencies.push_back(std::move(agency));
  }
  if (agencies.empty()) list.Fail("at least one agency is required");
  return agencies;
}

UrgentDisclosureConfig ReadUrgentDisclosure(const YamlReader& node) {
  node.RejectUnknownKeys({"barred_roles"});
  UrgentDisclosureConfig urgent;
  if (node.Has("barred_roles")) {
    // May be empty ([]): no role is barred.
    for (const auto& item : node.Required("barred_roles").Sequence()) {
      urgent.barred_roles.push_back(item.OneOf(kAgencyRoles));
    }
  }
  return urgent;
}

void ReadLogging(const YamlReader& logging, BrokerConfig& config) {
  logging.RejectUnknownKeys({"format", "level"});
  if (logging.Has("format")) {
    const auto format = logging.Required("format");
    const auto value = format.String();
    if (value != "text" && value != "json") format.Fail("expected 'text' or 'json'");
    config.log_format = value == "json" ? LogFormat::kJson : LogFormat::kText;
  }
  if (logging.Has("level")) {
    const auto level = logging.Required("level");
    config.log_level = level.String();
    if (spdlog::level::from_str(config.log_level) == spdlog::level::off &&
        config.log_level != "off") {
      level.Fail("expected trace, debug, info, warn, error or off");
    }
  }
}

// gRPC takes these as int channel arguments.
size_t UpToIntMax(const YamlReader& node) {
  const size_t value = node.Size();
  if (value > static_cast<size_t>(std::numeric_limits<int>::max())) {
    node.Fail("must be at most " + std::to_string(std::numeric_limits<int>::max()));
  }
  return value;
}

std::chrono::milliseconds Milliseconds(const YamlReader& node) {
  return std::chrono::milliseconds(UpToIntMax(node));
}

ConnectionsConfig ReadConnections(const YamlReader& node) {
  node.RejectUnknownKeys({"client_ping_min_interval_ms", "client_ping_strikes", "keepalive_time_ms",
                          "keepalive_timeout_ms"});
  ConnectionsConfig c;
  if (node.Has("client_ping_min_interval_ms"))
    c.client_ping_min_interval = Milliseconds(node.Required("client_ping_min_interval_ms"));
  if (node.Has("client_ping_strikes"))
    c.client_ping_strikes = UpToIntMax(node.Required("client_ping_strikes"));
  if (node.Has("keepalive_time_ms"))
    c.keepalive_time = Milliseconds(node.Required("keepalive_time_ms"));
  if (node.Has("keepalive_timeout_ms"))
    c.keepalive_timeout = Milliseconds(node.Required("keepalive_timeout_ms"));
  return c;
}

// The origin is a line of the checkpoint and the name of the signing key
// (C2SP signed-note: a key name has no white space and no '+').
std::string ReadOrigin(const YamlReader& node) {
  std::string origin = node.String();
  if (origin.find_first_of(" \t\r\n+") != std::string::npos) {
    node.Fail(
        "must not contain white space or '+' (it names the signing key too), e.g. "
        "safeshare.example/audit");
  }
  return origin;
}

AuditConfig ReadAudit(const YamlReader& node, const PathResolver& path) {
  node.RejectUnknownKeys(
      {"signing_key", "origin", "checkpoint_every_entries", "checkpoint_every_seconds"});
  AuditConfig audit;
  audit.signing_key = path(node.Required("signing_key"));
  audit.origin = ReadOrigin(node.Required("origin"));
  if (node.Has("checkpoint_every_entries"))
    audit.checkpoint_every_entries = node.Required("checkpoint_every_entries").Size();
  if (node.Has("checkpoint_every_seconds"))
    audit.checkpoint_every_seconds =
        std::chrono::seconds(UpToIntMax(node.Required("checkpoint_every_seconds")));
  return audit;
}

// `subscriptions:`: the broker-wide create_on_subscribe (into `policy`), the
// redelivery defaults (into `delivery`) and the heartbeat bounds, each bound
// checked against those read before it.
HeartbeatConfig ReadSubscriptions(const YamlReader& node, SubscriptionPolicy& policy,
                                  DeliveryConfig& delivery) {
  node.RejectUnknownKeys({"create_on_subscribe", "heartbeat_seconds", "heartbeat_min_seconds",
                          "heartbeat_max_seconds", "ack_wait_seconds", "max_deliver",
                          "max_in_flight"});
  if (node.Has("ack_wait_seconds")) {
    delivery.ack_wait =
        std::chrono::seconds(node.Required("ack_wait_seconds").InRange(1, kMaxAckWaitSeconds));
  }
  if (node.Has("max_deliver")) {
    delivery.max_deliver =
        static_cast<uint32_t>(node.Required("max_deliver").InRange(1, kMaxDeliverLimit));
  }
  if (node.Has("max_in_flight")) {
    delivery.max_in_flight =
        static_cast<uint32_t>(node.Required("max_in_flight").InRange(1, kMaxInFlightLimit));
  }
  if (node.Has("create_on_subscribe")) {
    policy.create_on_subscribe = node.Required("create_on_subscribe").Bool();
  }
  HeartbeatConfig heartbeat;
  auto seconds = [&](const char* key, std::chrono::seconds& out, int64_t min) {
    if (!node.Has(key)) return;
    out = std::chrono::seconds(
        node.Required(key).InRange(static_cast<size_t>(min), kMaxHeartbeatSeconds));
  };
  seconds("heartbeat_min_seconds", heartbeat.min, 1);
  seconds("heartbeat_max_seconds", heartbeat.max, heartbeat.min.count());
  if (heartbeat.max < heartbeat.min) {  // the default max, below a configured min
    node.Required("heartbeat_min_seconds")
        .Fail("must be at most heartbeat_max_seconds (" + std::to_string(heartbeat.max.count()) +
              ")");
  }
  heartbeat.default_interval = std::clamp(heartbeat.default_interval, heartbeat.min, heartbeat.max);
  if (node.Has("heartbeat_seconds")) {
    heartbeat.default_interval =
        std::chrono::seconds(node.Required("heartbeat_seconds")
                                 .InRange(static_cast<size_t>(heartbeat.min.count()),
                                          static_cast<size_t>(heartbeat.max.count())));
  }
  return heartbeat;
}

RetentionConfig ReadRetention(const YamlReader& node) {
  RetentionConfig retention;
  node.RejectUnknownKeys({"acknowledged", "unacknowledged", "sweep_every"});
  if (node.Has("acknowledged") || node.Has("unacknowledged")) {
    retention.default_periods = ReadRetentionPeriods(node);
  }
  if (node.Has("sweep_every")) {
    const auto every = node.Required("sweep_every");
    retention.sweep_every = every.Duration();
    if (retention.sweep_every > std::chrono::hours(24)) every.Fail("must be at most 1d");
  }
  return retention;
}

// `admin:`; see AdminConfig. The address must read IP:PORT, checked
// further when the listener binds it.
AdminConfig ReadAdmin(const YamlReader& node) {
  node.RejectUnknownKeys({"enabled", "listen"});
  AdminConfig admin{true, std::string(kDefaultAdminListen)};
  if (node.Has("enabled")) admin.enabled = node.Required("enabled").Bool();
  if (!node.Has("listen")) return admin;
  const auto listen = node.Required("listen");
  admin.listen = listen.String();
  const size_t colon = admin.listen.rfind(':');
  const std::string port = colon == std::string::npos ? "" : admin.listen.substr(colon + 1);
  if (colon == 0 || port.empty() || port.size() > 5 ||
      port.find_first_not_of("0123456789") != std::string::npos || std::stoul(port) > 65535) {
    listen.Fail("expected IP:PORT, e.g. 127.0.0.1:9464 (port 0 picks a free one)");
  }
  return admin;
}

// `dir`: the config file's directory, absolute.
BrokerConfig Read(const YamlReader& root, const std::filesystem::path& dir) {
  root.RejectUnknownKeys({"listen", "tls", "store", "logging", "limits", "connections", "agencies",
                          "agreements", "person_hash_key", "data_keys", "urgent_disclosure",
                          "audit", "subscriptions", "sharing", "retention", "admin", "deadlines"});
  BrokerConfig config;
  const PathResolver path(dir, config.relative_paths);
  if (root.Has("listen")) config.listen = root.Required("listen").String();
  config.tls = ReadTls(root.Required("tls"), path);
  config.store = ReadStore(root.Required("store"), path);
  if (root.Has("logging")) ReadLogging(root.Required("logging"), config);
  SubscriptionPolicy subscriptions;
  AgencyCallLimits calls;
  if (root.Has("subscriptions")) {
    config.heartbeat =
        ReadSubscriptions(root.Required("subscriptions"), subscriptions, config.delivery);
  }
  if (root.Has("limits")) {
    const auto limits = root.Required("limits");
    limits.RejectUnknownKeys(
        {"max_message_bytes", "memory_quota_bytes", "max_queued_writes", "per_agency"});
    if (limits.Has("per_agency")) {
      const auto per_agency = limits.Required("per_agency");
      per_agency.RejectUnknownKeys(AgencyLimitKeys());
      ReadAgencyLimits(per_agency, subscriptions, calls);
    }
    if (limits.Has("max_message_bytes"))
      config.max_message_bytes = limits.Required("max_message_bytes").Size();
    if (limits.Has("memory_quota_bytes"))
      config.memory_quota_bytes = limits.Required("memory_quota_bytes").Size();
    if (limits.Has("max_queued_writes"))
      config.max_queued_writes = limits.Required("max_queued_writes").Size();
  }
  if (root.Has("connections")) config.connections = ReadConnections(root.Required("connections"));
  config.agencies = ReadAgencies(root.Required("agencies"), subscriptions, calls);
  config.agreements = path(root.Required("agreements"));
  config.person_hash_key = path(root.Required("person_hash_key"));
  const YamlReader keys = root.Required("data_keys");
  keys.RejectUnknownKeys({"directory", "current"});
  config.data_keys_directory = path(keys.Required("directory"));
  config.data_key_current = keys.Required("current").String();
  if (root.Has("urgent_disclosure")) {
    config.urgent_disclosure = ReadUrgentDisclosure(root.Required("urgent_disclosure"));
  }
  config.audit = ReadAudit(root.Required("audit"), path);
  if (root.Has("retention")) config.retention = ReadRetention(root.Required("retention"));
  if (root.Has("admin")) config.admin = ReadAdmin(root.Required("admin"));
  if (root.Has("deadlines")) config.deadlines = ReadDeadlinesConfig(root.Required("deadlines"));
  if (root.Has("sharing")) {
    root.Required("sharing").Fail(
        "the sharing table is replaced by information-sharing agreements: move its rules into "
        "agreement files in the directory `agreements:` names (format: broker/policy/README.md)");
  }
  return config;
}

}  // namespace

std::string PeriodText(std::chrono::seconds period) {
  const int64_t s = period.count();
  for (const auto& [unit, seconds] : kPeriodUnits) {  // ends with 's', which divides everything
    if (s % seconds == 0) return std::to_string(s / seconds) + unit;
  }
  return std::to_string(s) + "s";  // not reached
}

RetentionPeriods ReadRetentionPeriods(const YamlReader& node) {
  RetentionPeriods periods{node.Required("acknowledged").Duration(),
                           node.Required("unacknowledged").Duration()};
  if (periods.unacknowledged < periods.acknowledged) {
    node.Required("unacknowledged")
        .Fail(
            "must be at least as long as acknowledged: content nobody has read is kept longer "
            "than content everyone has");
  }
  return periods;
}

absl::StatusOr<BrokerConfig> ParseBrokerConfig(const std::string& yaml,
                                               const std::filesystem::path& file) {
  BrokerConfig config;
  std::error_code error;
  const std::filesystem::path dir =
      std::filesystem::absolute(file, error).lexically_normal().parent_path();
  const absl::Status status =
      ReadYamlDocument(yaml, file, [&](const YamlReader& root) { config = Read(root, dir); });
  if (!status.ok()) return status;
  return config;
}

std::string ExplainConfigPaths(const BrokerConfig& config, std::string_view message) {
  std::string explained(message);
  for (const RelativePath& path : config.relative_paths) {
    if (message.find(path.resolved.string()) == std::string_view::npos) continue;
    explained += " (" + path.where + ": \"" + path.written +
                 "\", relative to the config file's directory " + path.dir.string() + ")";
  }
  return explained;
}

absl::StatusOr<BrokerConfig> LoadBrokerConfig(const std::filesystem::path& file) {
  auto text = ReadTextFile(file, "config file");
  if (!text.ok()) return text.status();
  return ParseBrokerConfig(*text, file);
}

}  // namespace safeshare::config
