#include "tests/bench/process_stats.h"

#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

namespace safeshare::bench {
namespace {

// utime + stime in seconds. The command name (field 2) may hold spaces and
// parentheses, so fields are counted from the last ')'.
std::optional<double> CpuSeconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(in, line)) return std::nullopt;
  const auto close = line.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream fields(line.substr(close + 2));  // from field 3, the state
  std::string skip;
  for (int field = 3; field < 14; ++field) fields >> skip;
  unsigned long long utime = 0, stime = 0;
  if (!(fields >> utime >> stime)) return std::nullopt;
  return static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

// The value in kB of a "Key:   123 kB" line of /proc/<pid>/status.
uint64_t StatusKib(const std::string& status, const std::string& key) {
  const auto at = status.find("\n" + key + ":");
  if (at == std::string::npos) return 0;
  return std::stoull(status.substr(at + key.size() + 2));
}

}  // namespace

std::optional<ProcessSample> SampleProcess(pid_t pid) {
  if (pid <= 0) return std::nullopt;
  const auto cpu = CpuSeconds(pid);
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::stringstream text;
  text << in.rdbuf();
  if (!cpu || !in) return std::nullopt;
  const std::string status = "\n" + text.str();
  return ProcessSample{*cpu, StatusKib(status, "VmHWM"), StatusKib(status, "VmRSS")};
}

std::optional<double> CpuMicrosPer(const std::optional<ProcessSample>& before,
                                   const std::optional<ProcessSample>& after, uint64_t units) {
  if (!before || !after || units == 0) return std::nullopt;
  return (after->cpu_seconds - before->cpu_seconds) * 1e6 / static_cast<double>(units);
}

}  // namespace safeshare::bench
