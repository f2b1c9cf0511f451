#include "tests/bench/noop_process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include "tests/support/test_pki.h"

extern char** environ;

namespace safeshare::bench {

absl::StatusOr<std::unique_ptr<NoopServerProcess>> NoopServerProcess::Start(
    const std::string& pki_dir) {
  const std::string self = std::filesystem::read_symlink("/proc/self/exe");
  const std::string dir = testing::MakeTempDir("safeshare-bench-noop");
  std::vector<std::string> args = {self,    "--noop-server", "--pki",
                                   pki_dir, "--port-file",   dir + "/port"};
  std::vector<char*> argv;
  argv.reserve(args.size() + 1);
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  // Its stdout goes nowhere: the bench's own stdout ends with the JSON line.
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, self.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    std::filesystem::remove_all(dir);
    return absl::InternalError("cannot start " + self + " --noop-server");
  }
  std::unique_ptr<NoopServerProcess> process(new NoopServerProcess(dir, pid));
  if (auto status = process->WaitForPort(); !status.ok()) return status;
  return process;
}

absl::Status NoopServerProcess::WaitForPort() {
  for (int i = 0; i < 300 && port_ == 0; ++i) {  // at most 30 s
    std::ifstream in(dir_ + "/port");
    if (in >> port_) break;
    port_ = 0;
    if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
      pid_ = -1;
      return absl::InternalError("the no-op server exited at start");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (port_ == 0) return absl::DeadlineExceededError("the no-op server did not report its port");
  return absl::OkStatus();
}

NoopServerProcess::~NoopServerProcess() {
  Stop();
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

void NoopServerProcess::Stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  for (int i = 0; i < 100; ++i) {  // at most 10 s, then SIGKILL
    if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
      pid_ = -1;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

}  // namespace safeshare::bench
