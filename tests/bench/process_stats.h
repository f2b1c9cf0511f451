#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>

namespace safeshare::bench {

// CPU time and memory of one process, from /proc (Linux).
struct ProcessSample {
  double cpu_seconds = 0;     // utime + stime, all threads
  uint64_t peak_rss_kib = 0;  // VmHWM: the highest resident set so far
  uint64_t rss_kib = 0;       // VmRSS: now
};

// Reads /proc/<pid>/stat and /proc/<pid>/status; nullopt when pid <= 0 or
// the process cannot be read (gone, or another user's).
std::optional<ProcessSample> SampleProcess(pid_t pid);

// CPU microseconds per unit of work between two samples, or nullopt when a
// sample is missing or there was no work.
std::optional<double> CpuMicrosPer(const std::optional<ProcessSample>& before,
                                   const std::optional<ProcessSample>& after, uint64_t units);

inline double KibToMib(uint64_t kib) { return static_cast<double>(kib) / 1024.0; }

}  // namespace safeshare::bench
