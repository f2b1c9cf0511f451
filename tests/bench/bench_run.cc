#include "tests/bench/bench_run.h"

#include <fstream>

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <stdexcept>

#include "tests/bench/agency_channel.h"
#include "tests/bench/bench_clock.h"
#include "tests/bench/payloads.h"
#include "tests/support/test_pki.h"

namespace safeshare::bench {
namespace {

// A durable name, so a run against a running broker resumes where the last
// run acknowledged instead of replaying the agency's whole history.
constexpr char kSubscription[] = "safeshare-bench";

bool HasCertificate(const std::string& pki_dir, const std::string& agency) {
  return std::filesystem::exists(pki_dir + "/" + agency + ".crt") &&
         std::filesystem::exists(pki_dir + "/" + agency + ".key");
}

}  // namespace

BenchRun::BenchRun(BenchOptions options)
    : options_(std::move(options)),
      flows_(BenchFlows(options_.fanout)),
      run_prefix_(NewRunPrefix()) {
  publish_shared_ = PublishShared{&recorder_, &tally_, {}, 0, &errors_, run_prefix_};
  subscribe_shared_ = SubscribeShared{&recorder_, &tally_, &errors_, run_prefix_};
}

BenchRun::~BenchRun() {
  subscribers_.reset();
  publishers_.clear();
}

void BenchRun::Progress(const std::string& message) const {
  if (!options_.json_only) std::fprintf(stderr, "safeshare-bench: %s\n", message.c_str());
}

// Generous bound on the whole run, for the acknowledgement thread.
double BenchRun::MaxRunSeconds() const {
  if (options_.backlog > 0) return 2 * options_.backlog_seconds + 120;
  return options_.warmup_s + options_.seconds + options_.paced_seconds + 5 +
         2 * options_.delivery_wait_s + 120;
}

BenchReport BenchRun::Run() {
  if (auto status = Setup(); !status.ok()) {
    errors_.Record("set-up: " + std::string(status.message()));
  } else if (options_.backlog > 0) {
    RunBacklog();
  } else {
    StartSubscribers();
    RunThroughput();
    if (!options_.skip_paced) RunPacedPhase();
    CloseSubscribers();
  }
  RetirePublishers(publishers_, true);
  StopBroker();
  if (!options_.skip_ceiling && options_.backlog == 0 && errors_.count() == 0) RunCeiling();
  Finish();
  return report_;
}

absl::Status BenchRun::Setup() {
  report_.fanout = options_.fanout;
  report_.inflight = options_.inflight;
  report_.warmup_s = options_.warmup_s;
  for (const auto& flow : flows_) {
    report_.message_bytes.emplace_back(flow.type,
                                       PayloadTemplate(flow.type, run_prefix_).ByteSizeLong());
  }
  if (options_.broker.empty()) {
    if (auto status = StartOwnBroker(); !status.ok()) return status;
  } else {
    report_.mode = "external_broker";
    report_.fanout = 0;
    pki_dir_ = options_.pki;
    target_ = options_.broker;
    broker_pid_ = options_.broker_pid;
    for (const auto& agency : BenchAgencies()) {
      if (HasCertificate(pki_dir_, agency.id)) watched_.push_back(agency.id);
    }
  }
  report_.target = target_;
  publish_shared_.watched = watched_;
  if (auto status = ConnectAgencies(); !status.ok()) return status;
  MakeBrokerPublishers();
  return absl::OkStatus();
}

absl::StatusOr<std::string> BenchRun::PrepareStore() {
  report_.store = options_.store;
  if (options_.store != "postgres") return StoreYaml();
  Progress(options_.postgres_dsn.empty()
               ? "starting a throwaway PostgreSQL (tests/postgres/server.sh)"
               : "creating a database on " + options_.postgres_dsn);
  auto postgres = BenchPostgres::Open(options_.postgres_dsn, options_.postgres_password_file);
  if (!postgres.ok()) return postgres.status();
  postgres_ = *std::move(postgres);
  report_.postgres_database = postgres_->database();
  report_.postgres_settings = postgres_->settings();
  return StoreYaml(postgres_->broker_dsn(), postgres_->password_file());
}

absl::Status BenchRun::StartOwnBroker() {
  report_.mode = "own_broker";
  auto store = PrepareStore();
  if (!store.ok()) return store.status();
  Progress("making the test PKI and starting safeshare-broker");
  try {
    pki_dir_ = testing::TestPki::Get().dir();
    if (!options_.store_dir.empty()) std::filesystem::create_directories(options_.store_dir);
    // The agreement lives beside the PKI, outside the broker's directory,
    // which BrokerProcess creates.
    const auto agreements = std::filesystem::path(pki_dir_) / "bench-agreements";
    std::filesystem::create_directories(agreements);
    std::ofstream(agreements / "bench.yaml") << AgreementYaml(flows_);
    broker_ = std::make_unique<testing::BrokerProcess>(options_.store_dir,
                                                       BrokerYaml(agreements.string(), *store));
  } catch (const std::exception& e) {
    return absl::UnavailableError(e.what());
  }
  broker_pid_ = broker_->pid();
  target_ = "localhost:" + std::to_string(broker_->port());
  watched_ = RecipientsOf(flows_);
  publish_shared_.expected_fanout = static_cast<size_t>(options_.fanout);
  return absl::OkStatus();
}

absl::Status BenchRun::ConnectAgencies() {
  std::vector<std::string> agencies = watched_;
  for (const auto& flow : flows_) agencies.push_back(flow.publisher);
  for (const auto& agency : agencies) {
    if (channels_.count(agency) != 0) continue;
    auto channel = ConnectAgency(target_, pki_dir_, agency);
    if (!channel.ok()) return channel.status();
    channels_[agency] = *channel;
  }
  return absl::OkStatus();
}

void BenchRun::MakeBrokerPublishers() {
  for (const auto& flow : flows_) {
    publishers_.push_back(std::make_unique<LoadPublisher>(channels_[flow.publisher], flow.publisher,
                                                          PayloadTemplate(flow.type, run_prefix_),
                                                          publish_shared_));
  }
}

void BenchRun::StartSubscribers() {
  subscribers_ = std::make_unique<SubscriberSet>(subscribe_shared_, kSubscription);
  for (const auto& agency : watched_) subscribers_->Add(channels_[agency], agency);
  subscribers_->Start(MaxRunSeconds());
}

void BenchRun::CloseSubscribers() {
  if (subscribers_ == nullptr) return;
  report_.duplicates += subscribers_->duplicates();
  if (!subscribers_->Close(10)) errors_.Record("a subscription did not close within 10 s");
  subscribers_.reset();
}

double BenchRun::WaitDeliveries(const char* phase, double seconds) {
  const int64_t start = SteadyNs();
  const uint64_t missing = tally_.WaitComplete(SteadyAfter(seconds));
  if (missing > 0) {
    char text[160];
    std::snprintf(text, sizeof(text), "%llu deliveries missing %g s after the %s phase ended",
                  static_cast<unsigned long long>(missing), seconds, phase);
    errors_.Record(text);
  }
  return static_cast<double>(SteadyNs() - start) / 1e9;
}

void BenchRun::RetirePublishers(Publishers& publishers, bool against_broker) {
  if (!WaitAllIdle(publishers)) errors_.Record("publish calls did not complete by their deadline");
  for (const auto& p : publishers) {
    if (against_broker) broker_publishes_ += p->succeeded();
    publish_failures_ += p->failed();
  }
  publishers.clear();
}

void BenchRun::StopBroker() {
  if (broker_ != nullptr) {
    if (auto sample = SampleProcess(broker_pid_)) {
      report_.broker_peak_rss_mib = KibToMib(sample->peak_rss_kib);
    }
    const int status = broker_->Terminate();
    if (status != 0) {
      errors_.Record("safeshare-broker did not exit cleanly on SIGTERM (wait status " +
                     std::to_string(status) + "); see " + broker_->dir() + "/broker.log");
    }
  } else if (auto sample = SampleProcess(broker_pid_)) {
    report_.broker_peak_rss_mib = KibToMib(sample->peak_rss_kib);
  }
  channels_.clear();
  // After the broker, which has its sessions on it; before the ceiling.
  if (postgres_ != nullptr) {
    const bool keep = errors_.count() > 0;
    if (keep && !postgres_->own_server()) {
      Progress("PostgreSQL database " + postgres_->database() + " kept");
    }
    postgres_->Finish(keep);
  }
}

void BenchRun::Finish() {
  report_.publishes_total = broker_publishes_;
  report_.publish_errors = publish_failures_;
  report_.deliveries_expected = tally_.expected();
  report_.deliveries_received = tally_.delivered();
  report_.deliveries_missing =
      tally_.delivered() >= tally_.expected() ? 0 : tally_.expected() - tally_.delivered();
  if (broker_publishes_ > 0) {
    report_.deliveries_per_publish =
        static_cast<double>(tally_.expected()) / static_cast<double>(broker_publishes_);
  }
  if (tally_.messages() > 0) {
    report_.deliveries_per_message =
        static_cast<double>(tally_.in_messages()) / static_cast<double>(tally_.messages());
  }
  report_.errors = errors_.count();
  report_.first_error = errors_.first();
  if (broker_ == nullptr) return;
  if (report_.ok()) {
    std::error_code ignored;  // keep the store and log of a failed run for inspection
    if (options_.store_dir.empty()) std::filesystem::remove_all(broker_->dir(), ignored);
    std::filesystem::remove_all(pki_dir_, ignored);
  } else {
    Progress("broker store and log kept in " + broker_->dir());
  }
}

}  // namespace safeshare::bench
