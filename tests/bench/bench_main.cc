// safeshare-bench: throughput and latency of the real broker over mutual
// TLS, next to the transport ceiling of a no-op server. See README.md.
#include <cstdio>

#include <CLI/CLI.hpp>

#include "tests/bench/bench_options.h"
#include "tests/bench/bench_run.h"
#include "tests/bench/noop_server.h"
#include "tests/bench/report.h"

namespace {

using safeshare::bench::BenchOptions;
using safeshare::bench::NoopServerOptions;

void AddLoadFlags(CLI::App& app, BenchOptions& o) {
  app.add_option("--fanout", o.fanout, "recipients per published type (own broker)")
      ->check(CLI::Range(1, 3));
  app.add_option("--inflight", o.inflight, "publish calls in flight, in total")
      ->check(CLI::Range(1, 100000));
  app.add_option("--warmup", o.warmup_s, "seconds of warm-up, not counted")
      ->check(CLI::Range(0.0, 3600.0));
  app.add_option("--seconds", o.seconds, "measured seconds (closed loop and ceiling)")
      ->check(CLI::Range(0.1, 3600.0));
  app.add_option("--paced-rate", o.paced_rate, "publishes per second in the paced phase")
      ->check(CLI::Range(1.0, 1e6));
  app.add_option("--paced-seconds", o.paced_seconds, "length of the paced phase")
      ->check(CLI::Range(0.1, 3600.0));
  app.add_option("--delivery-wait", o.delivery_wait_s,
                 "seconds to wait for the last deliveries of a phase")
      ->check(CLI::Range(1.0, 3600.0));
  app.add_option("--backlog", o.backlog,
                 "only publish N notifications with no subscriber, then drain them")
      ->check(CLI::Range(int64_t{0}, int64_t{50'000'000}));
  app.add_option("--backlog-seconds", o.backlog_seconds, "bound on each backlog step")
      ->check(CLI::Range(1.0, 86400.0));
}

void AddRunFlags(CLI::App& app, BenchOptions& o, bool& smoke) {
  app.add_flag("--smoke", smoke, "a few seconds in all, for the test suite");
  app.add_flag("--skip-ceiling", o.skip_ceiling, "do not measure the no-op server");
  app.add_flag("--skip-paced", o.skip_paced, "do not run the paced phase");
  app.add_flag("--json-only", o.json_only, "print only the JSON line");
  auto* broker = app.add_option("--broker", o.broker, "host:port of a running broker");
  app.add_option("--pki", o.pki, "PKI directory (<agency>.crt|key, ca.crt) for --broker")
      ->check(CLI::ExistingDirectory);
  app.add_option("--broker-pid", o.broker_pid, "pid of that broker, to read its CPU and memory")
      ->needs(broker);
  broker->needs(app.get_option("--pki"));
  app.add_option("--store-dir", o.store_dir,
                 "own broker: keep its config, log and store here; a store already there is "
                 "used as it is")
      ->excludes(broker);
  app.add_option("--store", o.store,
                 "own broker's store: sqlite (a file) or postgres (a fresh database)")
      ->check(CLI::IsMember({"sqlite", "postgres"}))
      ->excludes(broker);
  auto* dsn = app.add_option("--postgres-dsn", o.postgres_dsn,
                             "with --store postgres: a running server (libpq key=value string "
                             "without the password) instead of a throwaway one");
  auto* password = app.add_option("--postgres-password-file", o.postgres_password_file,
                                  "the password of --postgres-dsn (a file of mode 600)")
                       ->check(CLI::ExistingFile);
  dsn->needs(password);
  password->needs(dsn);
}

// Checks the combinations CLI11 cannot express; empty when they are fine.
std::string StoreProblem(const BenchOptions& o) {
  if (o.store == "postgres" && !o.store_dir.empty()) {
    return "--store-dir keeps an SQLite store; --store postgres makes a fresh database";
  }
  if (o.store != "postgres" && !o.postgres_dsn.empty()) {
    return "--postgres-dsn needs --store postgres";
  }
  return "";
}

void ApplySmoke(BenchOptions& o) {
  o.warmup_s = 0.5;
  o.seconds = 1;
  o.paced_rate = 200;
  o.paced_seconds = 1;
}

int RunBench(const BenchOptions& options) {
  safeshare::bench::BenchRun run(options);
  const auto report = run.Run();
  if (!options.json_only) std::fputs(safeshare::bench::FormatTable(report).c_str(), stdout);
  std::printf("%s\n", safeshare::bench::FormatJson(report).c_str());
  std::fflush(stdout);
  if (!report.ok()) {
    std::fprintf(stderr, "safeshare-bench: FAILED: %s\n", report.first_error.c_str());
    return 1;
  }
  return 0;
}

}  // namespace

// NOLINTNEXTLINE(bugprone-exception-escape): an exception here is a bug; terminate reports it
int main(int argc, char** argv) {
  CLI::App app{"safeshare-bench: broker throughput and latency over mutual TLS"};
  BenchOptions options;
  NoopServerOptions noop;
  bool smoke = false, noop_server = false;
  AddLoadFlags(app, options);
  AddRunFlags(app, options, smoke);
  // The hidden mode of the transport ceiling's server process.
  app.add_flag("--noop-server", noop_server)->group("");
  app.add_option("--port-file", noop.port_file)->group("");
  CLI11_PARSE(app, argc, argv);
  if (noop_server) {
    noop.pki = options.pki;
    return safeshare::bench::RunNoopServer(noop);
  }
  if (const auto problem = StoreProblem(options); !problem.empty()) {
    std::fprintf(stderr, "safeshare-bench: %s\n", problem.c_str());
    return 2;
  }
  if (smoke) ApplySmoke(options);
  return RunBench(options);
}
