#include "tests/support/broker_process.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "tests/support/child_process.h"
#include "tests/support/test_pki.h"

namespace safeshare::testing {
namespace {

void ReplaceAll(std::string& text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
}

}  // namespace

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string RepositoryConfig() {
  auto config_yaml = ReadFile(SAFESHARE_SOURCE_DIR "/config/broker.yaml");
  ReplaceAll(config_yaml, "../certs/out/", "{PKI}/");
  ReplaceAll(config_yaml, "../var/safeshare.db", "{STORE}");
  ReplaceAll(config_yaml, "agreements: agreements", "agreements: {AGREEMENTS}");
  ReplaceAll(config_yaml, "level: info", "level: debug");
  // The admin listener on a free port (admin_port()), so brokers run side by side.
  ReplaceAll(config_yaml, "listen: 127.0.0.1:9464", "listen: 127.0.0.1:0");
  return config_yaml;
}

BrokerProcess::BrokerProcess(BrokerOptions options)
    : dir_(options.dir.empty() ? MakeTempDir("safeshare-broker") : std::move(options.dir)),
      store_file_(std::move(options.store_file)) {
  auto& config_yaml = options.config_yaml;
  if (config_yaml.empty()) {
    config_yaml = RepositoryConfig();
    for (const auto& [from, to] : options.config_edits) {
      if (config_yaml.find(from) == std::string::npos) {
        throw std::invalid_argument("config/broker.yaml has no '" + from + "' to replace");
      }
      ReplaceAll(config_yaml, from, to);
    }
  }
  WriteConfig(std::move(config_yaml));
  Spawn(options.launcher, options.listen);
}

BrokerProcess::~BrokerProcess() {
  if (running()) Terminate();
}

void BrokerProcess::WriteConfig(std::string config) const {
  ReplaceAll(config, "{PKI}", TestPki::Get().dir());
  ReplaceAll(config, "{STORE}", store_path());
  ReplaceAll(config, "{AGREEMENTS}", SAFESHARE_SOURCE_DIR "/config/agreements");
  std::ofstream(dir_ + "/broker.yaml") << config;
}

void BrokerProcess::Spawn(const std::vector<std::string>& launcher, const std::string& listen) {
  const std::string port_file = dir_ + "/port";
  ::unlink(port_file.c_str());
  const std::string config = dir_ + "/broker.yaml", log = dir_ + "/broker.log";
  std::vector<std::string> args = launcher;
  for (const std::string& arg :
       {std::string(SAFESHARE_BROKER_BINARY), std::string("--config"), config,
        std::string("--listen"), listen, std::string("--port-file"), port_file,
        std::string("--admin-port-file"), dir_ + "/admin-port"}) {
    args.push_back(arg);
  }
  // PR_SET_PDEATHSIG fires when the forking thread exits: construct on a
  // thread that outlives the broker (the test or bench main thread).
  pid_ = SpawnChild(std::move(args), {.log = log, .append = true, .discard_stdout = true});
  for (int i = 0; i < 300 && port_ == 0; ++i) {  // at most 30 s
    std::ifstream in(port_file);
    if (!(in >> port_)) port_ = 0;
    if (port_ == 0) {
      if (!running()) throw std::runtime_error("broker exited at start; see " + log);
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  if (port_ == 0) throw std::runtime_error("broker did not report its port; see " + log);
}

int BrokerProcess::admin_port() const {
  // Written before the port file, which the constructor waited for.
  std::ifstream in(dir_ + "/admin-port");
  int port = 0;
  return (in >> port) ? port : 0;
}

bool BrokerProcess::running() const {
  if (pid_ <= 0) return false;
  return ::waitpid(pid_, nullptr, WNOHANG) == 0;
}

int BrokerProcess::Terminate() {
  const int status = StopChild(pid_, /*group=*/false, std::chrono::seconds(20));
  pid_ = -1;
  return status;
}

void BrokerProcess::Kill() {
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

}  // namespace safeshare::testing
