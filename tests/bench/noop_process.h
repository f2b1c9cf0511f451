#pragma once

#include <sys/types.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace safeshare::bench {

// safeshare-bench itself, re-executed (posix_spawn of /proc/self/exe) in its
// hidden --noop-server mode, so the ceiling's server has its own CPU time
// and does not share this process's gRPC threads. Stopped by pid with
// SIGTERM (SIGKILL after 10 s) on destruction.
class NoopServerProcess {
 public:
  // Starts the process with the broker certificate of `pki_dir` and waits
  // up to 30 s for the port it listens on.
  static absl::StatusOr<std::unique_ptr<NoopServerProcess>> Start(const std::string& pki_dir);
  ~NoopServerProcess();
  NoopServerProcess(const NoopServerProcess&) = delete;
  NoopServerProcess& operator=(const NoopServerProcess&) = delete;

  pid_t pid() const { return pid_; }
  int port() const { return port_; }

 private:
  NoopServerProcess(std::string dir, pid_t pid) : dir_(std::move(dir)), pid_(pid) {}
  absl::Status WaitForPort();
  void Stop();

  std::string dir_;  // holds the port file
  pid_t pid_ = -1;
  int port_ = 0;
};

}  // namespace safeshare::bench
