#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace safeshare::testing {

// How SpawnChild starts a program.
struct SpawnOptions {
  std::string log;              // its stderr (and stdout unless discard_stdout) go here
  bool append = false;          // to `log`, rather than truncating it
  bool discard_stdout = false;  // stdout to /dev/null
  bool own_group = false;       // in a process group of its own (for programs with helpers)
};

// Starts `args` (looked up on PATH) with stdin from /dev/null. It is killed
// when the thread that started it exits (PR_SET_PDEATHSIG): start it from a
// thread that outlives it. Throws when it cannot fork.
pid_t SpawnChild(std::vector<std::string> args, const SpawnOptions& options);

// Sends SIGTERM (to its process group when `group`), waits up to `grace`
// for it to exit, then SIGKILLs it. Its wait status when it exited, -1 when
// it had to be killed. With `group`, what it left in its group is killed too.
int StopChild(pid_t pid, bool group, std::chrono::milliseconds grace);

// A program the test starts, with its output in `log`, in its own process
// group (chromium starts helpers of its own). Ends it, by its PID's group,
// on destruction: SIGTERM, then SIGKILL after 5 s. Dies with the test.
class ChildProcess {
 public:
  ChildProcess(std::vector<std::string> args, const std::string& log)
      : pid_(SpawnChild(std::move(args), {.log = log, .own_group = true})) {}
  ~ChildProcess() { Stop(); }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // Waits up to `timeout` for the program to exit; its exit code, or -1
  // when it had to be killed (or did not exit normally).
  int Wait(std::chrono::seconds timeout);

  void Stop();

  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
};

}  // namespace safeshare::testing
