#include "tests/support/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <stdexcept>
#include <thread>

namespace safeshare::testing {

pid_t SpawnChild(std::vector<std::string> args, const SpawnOptions& options) {
  std::vector<char*> argv;
  argv.reserve(args.size() + 1);
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("cannot fork to start " + args[0]);
  if (pid == 0) {
    if (options.own_group) ::setpgid(0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    const int log_fd = ::open(options.log.c_str(),
                              O_WRONLY | O_CREAT | (options.append ? O_APPEND : O_TRUNC), 0644);
    const int null_fd = ::open("/dev/null", O_RDWR);
    ::dup2(null_fd, 0);
    ::dup2(options.discard_stdout ? null_fd : log_fd, 1);
    ::dup2(log_fd, 2);
    ::execvp(argv[0], argv.data());
    ::_exit(127);
  }
  if (options.own_group) ::setpgid(pid, pid);  // also here: the group exists before we signal it
  return pid;
}

int StopChild(pid_t pid, bool group, std::chrono::milliseconds grace) {
  const pid_t target = group ? -pid : pid;
  ::kill(target, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + grace;
  int status = 0;
  while (::waitpid(pid, &status, WNOHANG) != pid) {
    if (std::chrono::steady_clock::now() >= deadline) {
      ::kill(target, SIGKILL);
      ::waitpid(pid, nullptr, 0);
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (group) ::kill(target, SIGKILL);  // helpers it left behind, if any
  return status;
}

int ChildProcess::Wait(std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (pid_ > 0 && std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  Stop();
  return -1;
}

void ChildProcess::Stop() {
  if (pid_ <= 0) return;
  StopChild(pid_, /*group=*/true, std::chrono::seconds(5));
  pid_ = -1;
}

}  // namespace safeshare::testing
