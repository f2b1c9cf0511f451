// safeshare-broker: wires the modules together. Nothing else sees them all.
#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <ctime>
#include <fstream>
#include <thread>

#include <CLI/CLI.hpp>

#include "absl/synchronization/mutex.h"
#include "broker/audit/audit_report.h"
#include "broker/audit/chain.h"
#include "broker/audit/merkle.h"
#include "broker/config/broker_config.h"
#include "broker/core/broker_metrics.h"
#include "broker/core/key_file.h"
#include "broker/core/logging.h"
#include "broker/core/person_key.h"
#include "broker/core/status_macros.h"
#include "broker/core/text_file.h"
#include "broker/identity/agency_directory.h"
#include "broker/offline_commands.h"
#include "broker/ops/admin_server.h"
#include "broker/ops/scrape_collectors.h"
#include "broker/ops/termination_signal.h"
#include "broker/policy/agreements.h"
#include "broker/routing/case_directory.h"
#include "broker/routing/policy_snapshot.h"
#include "broker/rpc/grpc_logging.h"
#include "broker/rpc/server.h"
#include "broker/rpc/tls_watch.h"
#include "broker/service/audit_service.h"
#include "broker/service/broker_service.h"
#include "broker/service/checkpointer.h"
#include "broker/service/deadline_watch.h"
#include "broker/service/governance_service.h"
#include "broker/service/retention_sweeper.h"
#include "broker/store/pg_database.h"
#include "broker/store/sql_store.h"

namespace {

using safeshare::ModuleLogger;

constexpr std::chrono::milliseconds kShutdownGrace{300};

std::string TlsStatePath(const safeshare::config::StoreConfig& store) {
  if (store.kind == safeshare::config::StoreConfig::Kind::kSqlite) {
    return store.path.string() + ".tls";
  }
  return (store.state_directory / "safeshare.tls").string();
}

// The store `config.store` names: the SQLite file, or the PostgreSQL
// database with the password from its file (never logged).
absl::StatusOr<std::unique_ptr<safeshare::store::SqlStore>> OpenStore(
    const safeshare::config::BrokerConfig& config,
    std::shared_ptr<const safeshare::DataKeys> keys) {
  namespace store = safeshare::store;
  const store::SqlStore::Options options{
      .commit = {.max_queued = config.max_queued_writes, .on_batch = safeshare::RecordCommitBatch}};
  const auto& c = config.store;
  if (c.kind == safeshare::config::StoreConfig::Kind::kSqlite) {
    return store::SqlStore::OpenSqlite(c.path, std::move(keys), options);
  }
  store::PgParams params{c.dsn, ""};
  if (!c.password_file.empty()) {
    SAFESHARE_RETURN_IF_ERROR(safeshare::CheckOwnerOnlyKeyFile(
        c.password_file, "store.password_file", "write the database password to it (mode 600)"));
    auto text = safeshare::ReadTextFile(c.password_file, "store.password_file");
    if (!text.ok()) return text.status();
    params.password = text->substr(0, text->find_first_of("\r\n"));
  }
  std::error_code ec;
  std::filesystem::create_directories(c.state_directory, ec);
  return store::SqlStore::Open(std::make_shared<store::PostgresDatabase>(std::move(params)),
                               std::move(keys), options);
}

// Loads the TLS material and revocations (refusing to start on any
// problem) and keeps them current while the broker serves.
absl::StatusOr<std::unique_ptr<safeshare::rpc::TlsWatch>> WatchTls(
    const safeshare::config::BrokerConfig& config, safeshare::identity::CertificateChecks& checks) {
  const auto& tls = config.tls;
  auto watch = safeshare::rpc::TlsWatch::Start(
      {{tls.certificate, tls.private_key, tls.client_ca},
       tls.crl_directory,
       // Beside the store, which holds children's data and is as private.
       TlsStatePath(config.store),
       tls.refresh},
      checks, std::time(nullptr));
  if (!watch.ok()) return watch.status();
  for (const auto& warning : (*watch)->warnings()) ModuleLogger("main")->warn("{}", warning);
  return watch;
}

safeshare::rpc::ServerOptions ServerOptionsFrom(
    const safeshare::config::BrokerConfig& config, const safeshare::rpc::TlsWatch& watch,
    const safeshare::identity::CertificateChecks& checks) {
  const auto& c = config.connections;
  const safeshare::rpc::PingPolicy pings{c.client_ping_min_interval,
                                         static_cast<int>(c.client_ping_strikes), c.keepalive_time,
                                         c.keepalive_timeout};
  return safeshare::rpc::ServerOptions{config.listen,
                                       {watch.served_private_key(), watch.served_certificate(),
                                        watch.served_client_ca(), config.tls.refresh, &checks},
                                       config.max_message_bytes,
                                       pings,
                                       config.memory_quota_bytes};
}

// Audits each change of the TLS material (actor "broker"), and ends the
// streams of certificates that no longer pass after every reread.
void ListenToTls(safeshare::rpc::TlsWatch& watch, safeshare::store::Store& store,
                 safeshare::rpc::BrokerRpc& rpc,
                 const safeshare::identity::CertificateChecks& checks) {
  watch.SetListeners(
      [&store](const std::string& detail) {
        safeshare::audit::Entry entry;
        entry.actor = "broker";
        entry.action = safeshare::audit::Action::kTlsChanged;
        entry.detail = detail;
        store.RecordEvent(
            std::move(entry),
            [](const absl::Status& audited) {
              if (!audited.ok()) {
                ModuleLogger("main")->error("TLS change not audited: {}", audited.ToString());
              }
            },
            /*can_wait=*/true);
      },
      [&rpc, &checks] { rpc.EndStreamsOfRefusedCertificates(checks, std::time(nullptr)); });
}

// Start-up failed: says why, with where the config wrote any path the
// message names (a relative path is resolved against the config's
// directory, which a copied config may not expect).
int Fail(const absl::Status& status, const safeshare::config::BrokerConfig& config) {
  ModuleLogger("main")->critical(
      "{}", safeshare::config::ExplainConfigPaths(config, std::string(status.message())));
  return 1;
}

// Today's date, UTC, as agreements write review dates (YYYY-MM-DD).
std::string Today() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[16];
  std::strftime(text, sizeof text, "%Y-%m-%d", &utc);
  return text;
}

// Builds the policy from an agreements directory, for start-up and reloads.
safeshare::service::GovernanceService::PolicyLoader AgreementLoader(
    const safeshare::config::BrokerConfig& config) {
  return [&config](const std::filesystem::path& dir)
             -> absl::StatusOr<std::shared_ptr<const safeshare::policy::Policy>> {
    auto set = safeshare::policy::LoadAgreements(dir, Today());
    if (!set.ok()) return set.status();
    return std::make_shared<const safeshare::policy::Policy>(std::move(*set), config.agencies,
                                                             config.urgent_disclosure.barred_roles);
  };
}

// The admin listener (`admin:`), or none when it is off. Ready while the
// store can commit, agreements are loaded and no shutdown has begun.
absl::StatusOr<std::unique_ptr<safeshare::ops::AdminServer>> StartAdmin(
    const safeshare::config::BrokerConfig& config, const safeshare::store::Store& store,
    const safeshare::routing::PolicyHolder& policy, const std::atomic<bool>& stopping,
    const std::string& port_file) {
  namespace ss = safeshare;
  if (!config.admin.enabled) return nullptr;
  std::vector<ss::AgencyId> agencies;
  for (const auto& agency : config.agencies) agencies.push_back(agency.id);
  auto& registry = ss::Metrics().registry;
  ss::ops::AddScrapeCollectors(
      registry, {store, std::move(agencies), [&policy] { return policy.Current()->version(); },
                 ss::SystemClock(), ss::SystemClock().WallMicros()});
  auto admin = ss::ops::AdminServer::Start(
      config.admin.listen,
      ss::ops::AdminRoutes(
          ss::ops::AllOf({
              [&store]() -> std::string {
                const auto failed = store.Failure();
                return failed.ok() ? "" : "store failed: " + failed.ToString();
              },
              [&store]() -> std::string {
                const auto reachable = store.Reachable();
                return reachable.ok() ? ""
                                      : "database unreachable: " + std::string(reachable.message());
              },
              [&policy]() -> std::string { return policy.Current() ? "" : "no agreements loaded"; },
              [&stopping]() -> std::string { return stopping ? "shutting down" : ""; },
          }),
          registry));
  if (!admin.ok()) return admin.status();
  ModuleLogger("main")->info("admin listener (/healthz, /readyz, /metrics) on {} port {}",
                             config.admin.listen, (*admin)->port());
  if (!port_file.empty()) std::ofstream(port_file) << (*admin)->port() << "\n";
  return admin;
}

int Serve(const safeshare::config::BrokerConfig& config, const std::string& port_file,
          const std::string& admin_port_file) {
  namespace ss = safeshare;
  const auto log = ModuleLogger("main");
  ss::identity::CertificateChecks certificate_checks;
  auto tls_watch = WatchTls(config, certificate_checks);
  if (!tls_watch.ok()) return Fail(tls_watch.status(), config);
  auto person_key = ss::PersonKey::Load(config.person_hash_key);
  if (!person_key.ok()) return Fail(person_key.status(), config);
  auto signer = ss::service::LoadCheckpointSigner(config.audit);
  if (!signer.ok()) return Fail(signer.status(), config);
  const std::string verifier_key = signer->VerifierKey();
  const auto load_policy = AgreementLoader(config);
  auto initial = load_policy(config.agreements);
  if (!initial.ok()) return Fail(initial.status(), config);
  for (const auto& warning : (*initial)->set().warnings) log->warn("{}", warning);
  ss::routing::PolicyHolder policy(std::move(*initial));
  auto keys = ss::LoadDataKeys(config);
  if (!keys.ok()) return Fail(keys.status(), config);
  auto store = OpenStore(config, *std::move(keys));
  if (!store.ok()) return Fail(store.status(), config);
  ss::routing::CaseDirectory cases;  // filled once the service listens (below)
  const ss::identity::AgencyDirectory directory(config.agencies);
  const ss::policy::WorkingCalendar calendar(config.deadlines.calendar);
  const ss::service::Partnership partnership{policy, cases, *person_key, &calendar};
  ss::service::SubscriptionSettings subscriptions;
  ss::service::LimitsByAgency limits;
  for (const auto& agency : config.agencies) {
    subscriptions.agencies[agency.id] = {agency.subscriptions.create_on_subscribe,
                                         agency.subscriptions.max_subscriptions};
    limits.agencies[agency.id] = {agency.calls.publishes_in_flight, agency.calls.open_streams};
  }
  subscriptions.heartbeat = {config.heartbeat.default_interval, config.heartbeat.min,
                             config.heartbeat.max};
  subscriptions.delivery = {config.delivery.ack_wait, config.delivery.max_deliver,
                            config.delivery.max_in_flight};
  ss::service::BrokerService service(partnership, **store, /*recent_log_bytes=*/64 << 20,
                                     std::move(subscriptions), std::move(limits));
  // Read after the service listens for other brokers' routing changes, so
  // none committed in between is missed.
  if (auto restored = ss::service::RestoreCaseDirectory(**store, cases); !restored.ok()) {
    return Fail(restored, config);
  }
  ss::service::GovernanceService governance(policy, partnership, **store, config.agreements,
                                            load_policy);
  ss::service::AuditService audit(**store, *person_key, verifier_key, policy, calendar);
  ss::service::Checkpointer checkpointer(
      **store, *std::move(signer),
      {config.audit.checkpoint_every_entries, config.audit.checkpoint_every_seconds});
  // Refuses a log that no longer matches its latest checkpoint.
  if (auto started = checkpointer.Start(); !started.ok()) return Fail(started, config);
  // Deletes content whose retention period has passed (the agreements' and
  // `retention:`), from now on and every sweep_every.
  ss::service::RetentionSweeper retention(
      **store, policy, config.retention, ss::SystemClock(),
      [&service](ss::Sequence through) { service.ForgetThrough(through); });
  retention.Start();
  // Escalates deliveries not acknowledged by their agreements' deadlines.
  ss::service::DeadlineWatch deadlines(**store, policy, config.deadlines,
                                       [&service](const auto& n, auto recipients, auto done) {
                                         service.Raise(n, std::move(recipients), std::move(done));
                                       });
  deadlines.Start();
  ss::rpc::BrokerRpc rpc(service, directory, certificate_checks);
  ss::rpc::GovernanceRpc governance_rpc(governance, directory, certificate_checks);
  ss::rpc::AuditRpc audit_rpc(audit, directory, certificate_checks);
  ListenToTls(**tls_watch, **store, rpc, certificate_checks);
  // The listeners reference rpc and the store: polling stops before they
  // go, on every way out of here (the shutdown below stops it earlier).
  const std::unique_ptr<ss::rpc::TlsWatch, void (*)(ss::rpc::TlsWatch*)> stop_tls(
      tls_watch->get(), [](ss::rpc::TlsWatch* watch) { watch->Stop(); });
  std::atomic<bool> stopping{false};
  auto admin = StartAdmin(config, **store, policy, stopping, admin_port_file);
  if (!admin.ok()) return Fail(admin.status(), config);
  auto running = ss::rpc::StartServer(ServerOptionsFrom(config, **tls_watch, certificate_checks),
                                      rpc, governance_rpc, audit_rpc);
  if (!running.ok()) return Fail(running.status(), config);
  // A store that can no longer be trusted takes the broker out of service.
  (*store)->SetFailureListener([server = running->server.get()](const absl::Status&) {
    ss::rpc::SetServing(*server, false);
  });
  // So does a shared database that stops answering, until it answers again.
  (*store)->SetReachabilityListener(
      [server = running->server.get(), &store = **store, &stopping](const absl::Status& up) {
        if (!stopping) ss::rpc::SetServing(*server, up.ok() && store.Failure().ok());
      });
  log->info("listening on port {} with mutual TLS; store {}; agreements {}", running->port,
            (*store)->Name(), policy.Current()->version());
  if (!port_file.empty()) std::ofstream(port_file) << running->port << "\n";
  // SIGHUP reloads the agreements; the outcome is logged and audited.
  const int signal = ss::ops::WaitForTerminationSignal(
      [&governance] { governance.Reload(ss::AgencyId("broker"), [](const auto&) {}); });
  log->info("signal {} received; shutting down", signal);
  // Order matters: health first, so balancers and probes stop sending
  // calls; refuse new work, end the streams, let accepted calls finish
  // (their writes complete within milliseconds), then drain and close the
  // store while everything its callbacks reference is alive.
  stopping = true;  // /readyz: 503, and health stays NOT_SERVING
  ss::rpc::SetServing(*running->server, false);
  (*tls_watch)->Stop();
  service.StopAccepting();
  rpc.StopStreams();
  audit_rpc.StopStreams();
  // A grace period in which calls still arriving on open connections are
  // answered UNAVAILABLE "shutting down" by the service (clients retry
  // elsewhere or later), rather than cancelled by the server's shutdown.
  std::this_thread::sleep_for(kShutdownGrace);
  running->server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
  rpc.Drain();
  governance_rpc.Drain();
  audit_rpc.Drain();
  retention.Stop();
  deadlines.Stop();
  // The last entry is written: sign the log as it ends, before the store
  // closes.
  if (auto signed_last = checkpointer.Stop(); !signed_last.ok()) {
    log->error("no checkpoint at shutdown: {}", signed_last.ToString());
  }
  if (*admin) (*admin)->Stop();  // its scrapes read the store
  (*store)->Close();
  log->info("stopped cleanly");
  return 0;
}

}  // namespace

// NOLINTNEXTLINE(bugprone-exception-escape): an exception here is a bug; terminate reports it
int main(int argc, char** argv) {
  // Everything the broker writes (store, its -wal and -shm, backups) holds
  // children's data: owner-only, whatever the shell's umask.
  ::umask(0077);
  CLI::App app{"safeshare-broker: secure notification broker for a safeguarding partnership"};
  std::string config_path, listen, store_path, port_file, admin_port_file;
  app.add_option("--config", config_path, "broker configuration (YAML)")->required();
  app.add_option("--listen", listen, "override config 'listen' (host:port; port 0 picks one)");
  app.add_option("--store", store_path, "override config 'store.path'");
  app.add_option("--port-file", port_file, "write the port actually listened on to this file");
  app.add_option("--admin-port-file", admin_port_file,
                 "write the admin listener's port (config 'admin') to this file");
  auto* audit =
      app.add_subcommand("audit", "print the audit trail of the store and verify its hash chain");
  auto* backup = app.add_subcommand(
      "backup", "copy the store, consistently, while the broker may be running; then check it");
  std::string backup_to;
  bool force = false;
  backup->add_option("--to", backup_to, "the file to write the copy to")->required();
  backup->add_flag("--force", force, "replace the file if it exists");
  auto* rekey = app.add_subcommand(
      "rekey",
      "reseal every notification body not under data_keys.current, while the broker may be "
      "running");
  CLI11_PARSE(app, argc, argv);

  auto config = safeshare::config::LoadBrokerConfig(config_path);
  if (!config.ok()) {
    std::fprintf(stderr, "safeshare-broker: %s\n", std::string(config.status().message()).c_str());
    return 2;
  }
  if (!listen.empty()) config->listen = listen;
  if (!store_path.empty()) config->store.path = store_path;
  if (audit->parsed()) return safeshare::PrintAudit(*config);
  if (backup->parsed()) return safeshare::Backup(*config, backup_to, force);
  if (rekey->parsed()) return safeshare::Rekey(*config);
  // Debian's Abseil is built with absl::Mutex deadlock detection on, which
  // gRPC's locks and ours (every class lock is an absl::Mutex) would pay for
  // on every acquisition; the tests run with it on.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  safeshare::ConfigureLogging(config->log_format, spdlog::level::from_str(config->log_level));
  safeshare::rpc::RouteGrpcLogs();
  return Serve(*config, port_file, admin_port_file);
}
