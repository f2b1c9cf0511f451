#pragma once

#include <sys/types.h>

#include <string>

namespace safeshare::testing {

// The real safeshare-broker process on 127.0.0.1 and a free port, with a
// config written into its own temporary directory (store included) that uses
// the test PKI. Stops the process (SIGTERM, then SIGKILL) on destruction.
class BrokerProcess {
 public:
  // Starts in `dir` (a fresh temporary directory when empty) and waits until
  // the broker reports its port. The config is the repository's
  // config/broker.yaml unless `config_yaml` is given; in either, "{PKI}" and
  // "{STORE}" are replaced by the test PKI directory and the store path.
  explicit BrokerProcess(std::string dir = "", std::string config_yaml = "");
  ~BrokerProcess();
  BrokerProcess(const BrokerProcess&) = delete;
  BrokerProcess& operator=(const BrokerProcess&) = delete;

  int port() const { return port_; }
  const std::string& dir() const { return dir_; }
  std::string store_path() const { return dir_ + "/store.db"; }
  bool running() const;
  pid_t pid() const { return pid_; }

  // Sends SIGTERM and returns the exit status (as waitpid reports it).
  int Terminate();
  // kill -9, as a crash would.
  void Kill();

 private:
  void WriteConfig(std::string config) const;
  void Spawn();

  std::string dir_;
  pid_t pid_ = -1;
  int port_ = 0;
};

}  // namespace safeshare::testing
