#pragma once

#include <sys/types.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <grpcpp/channel.h>

#include "absl/status/status.h"
#include "tests/bench/bench_config.h"
#include "tests/bench/bench_options.h"
#include "tests/bench/bench_postgres.h"
#include "tests/bench/load_phases.h"
#include "tests/bench/load_subscriber.h"
#include "tests/bench/recorder.h"
#include "tests/bench/report.h"
#include "tests/support/broker_process.h"

namespace safeshare::bench {

// One run of the benchmark, as the options ask: against our own broker
// process (BrokerProcess with the bench's config and the test PKI) or a
// running one (--broker, --pki): the closed loop, the paced phase and the
// transport ceiling, or only the backlog scenario. Progress goes to stderr
// (unless json_only). Run() once; it does not throw.
class BenchRun {
 public:
  explicit BenchRun(BenchOptions options);
  ~BenchRun();
  BenchRun(const BenchRun&) = delete;
  BenchRun& operator=(const BenchRun&) = delete;

  BenchReport Run();

 private:
  absl::Status Setup();
  absl::Status StartOwnBroker();
  // The own broker's store section; on postgres, opens the database first.
  absl::StatusOr<std::string> PrepareStore();
  absl::Status ConnectAgencies();
  void MakeBrokerPublishers();
  void StartSubscribers();
  void CloseSubscribers();
  void RunThroughput();
  void RunPacedPhase();
  void RunBacklog();
  void RunCeiling();
  // Returns the seconds it waited for the last deliveries.
  double WaitDeliveries(const char* phase, double seconds);
  void RetirePublishers(Publishers& publishers, bool against_broker);
  void StopBroker();
  void Finish();
  void Progress(const std::string& message) const;
  double MaxRunSeconds() const;

  const BenchOptions options_;
  const std::vector<Flow> flows_;
  const std::string run_prefix_;
  std::string pki_dir_;
  std::string target_;
  pid_t broker_pid_ = 0;
  std::unique_ptr<BenchPostgres> postgres_;  // store postgres: the database, before the broker
  std::unique_ptr<testing::BrokerProcess> broker_;
  std::vector<std::string> watched_;  // agencies with a subscription
  std::map<std::string, std::shared_ptr<grpc::Channel>> channels_;

  PhaseRecorder recorder_;
  DeliveryTally tally_;
  ErrorLog errors_;
  PublishShared publish_shared_;
  SubscribeShared subscribe_shared_;
  // Declared after what they point to, so destroyed before it.
  std::unique_ptr<SubscriberSet> subscribers_;
  Publishers publishers_;

  uint64_t broker_publishes_ = 0;
  uint64_t publish_failures_ = 0;
  BenchReport report_;
};

}  // namespace safeshare::bench
