#pragma once

#include <sys/types.h>

#include <string>
#include <utility>
#include <vector>

namespace safeshare::testing {

// The whole text of a file ("" when it cannot be read).
std::string ReadFile(const std::string& path);

// The repository's config/broker.yaml as test brokers run it: "{PKI}",
// "{STORE}" and "{AGREEMENTS}" for the certificates, store and agreements
// directory (the repository's config/agreements unless a test edits it),
// logging at debug level.
std::string RepositoryConfig();

// The real safeshare-broker process on 127.0.0.1 and a free port, with a
// config written into its own temporary directory (store included) that uses
// the test PKI. Stops the process (SIGTERM, then SIGKILL) on destruction.
struct BrokerOptions {
  std::string dir;          // a fresh temporary directory when empty
  std::string config_yaml;  // the repository's config/broker.yaml when empty
  // A command the broker is started under, e.g. {"unshare", "-m", ...}; the
  // broker's argv follows it.
  std::vector<std::string> launcher;
  std::string store_file = "store.db";  // relative to dir
  // Text replacements (from, to) applied to the repository's config, e.g. to
  // change one setting; only when config_yaml is empty.
  std::vector<std::pair<std::string, std::string>> config_edits;
  // Where it listens: a free port by default; a fixed one to restart a
  // broker where its clients reconnect.
  std::string listen = "127.0.0.1:0";
};

class BrokerProcess {
 public:
  explicit BrokerProcess(BrokerOptions options);
  // Starts in `dir` (a fresh temporary directory when empty) and waits until
  // the broker reports its port. The config is the repository's
  // config/broker.yaml unless `config_yaml` is given; in either, "{PKI}" and
  // "{STORE}" are replaced by the test PKI directory and the store path.
  explicit BrokerProcess(std::string dir = "", std::string config_yaml = "")
      : BrokerProcess(BrokerOptions{std::move(dir), std::move(config_yaml)}) {}
  ~BrokerProcess();
  BrokerProcess(const BrokerProcess&) = delete;
  BrokerProcess& operator=(const BrokerProcess&) = delete;

  int port() const { return port_; }
  // The admin listener's port (config `admin:`, on a free port in the
  // repository's config); 0 when the config has none.
  int admin_port() const;
  const std::string& dir() const { return dir_; }
  std::string store_path() const { return dir_ + "/" + store_file_; }
  bool running() const;
  pid_t pid() const { return pid_; }

  // Sends SIGTERM and returns the exit status (as waitpid reports it).
  int Terminate();
  // kill -9, as a crash would.
  void Kill();

 private:
  void WriteConfig(std::string config) const;
  void Spawn(const std::vector<std::string>& launcher, const std::string& listen);

  std::string dir_;
  std::string store_file_;
  pid_t pid_ = -1;
  int port_ = 0;
};

}  // namespace safeshare::testing
