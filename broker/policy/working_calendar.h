#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "broker/config/deadlines_config.h"

namespace safeshare::policy {

// How long a recipient has: whole working days on the partnership's
// calendar ("2 working days"), or an elapsed period ("4h", "30s").
struct DeadlinePeriod {
  uint32_t working_days = 0;
  std::chrono::seconds elapsed{0};  // when working_days is 0

  // "1 working day", "2 working days", "4h".
  std::string Text() const;
  bool operator==(const DeadlinePeriod&) const = default;
};

// The partnership's working days (config::CalendarConfig), for deadlines.
// Immutable; thread-safe.
class WorkingCalendar {
 public:
  // REQUIRES: `config` as ReadDeadlinesConfig checked it.
  explicit WorkingCalendar(config::CalendarConfig config);

  // When `period` after `from_micros` (UTC microseconds) ends. N working
  // days end at the same local time of day on the Nth working day after;
  // from a time on a non-working day they count from the start (00:00
  // local) of the next working day. A local time the clocks skip is moved
  // on by the skipped hour; a repeated one is its first occurrence.
  int64_t DueAfter(int64_t from_micros, const DeadlinePeriod& period) const;

  // The end of local day `year`-`month`-`day` (the next local midnight), in
  // UTC microseconds; 0 for a date that does not exist.
  int64_t EndOfDay(int year, int month, int day) const;

  // Whether the local date `yyyy_mm_dd` is a working day.
  bool IsWorkingDay(const std::string& yyyy_mm_dd) const;

 private:
  struct Impl;
  std::shared_ptr<const Impl> impl_;
};

}  // namespace safeshare::policy
