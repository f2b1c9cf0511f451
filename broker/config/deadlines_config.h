#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace safeshare::config {

// The partnership's calendar for deadlines counted in working days
// (`deadlines:` of the broker config). A working day is a local date in
// `time_zone` that is neither a weekend day nor listed in
// `non_working_days`.
struct CalendarConfig {
  // A POSIX TZ rule, e.g. "GMT0BST,M3.5.0/1,M10.5.0" (the UK), checked when
  // the config is read.
  std::string time_zone = "UTC0";
  std::vector<int> weekend = {0, 6};          // days of the week, 0 = Sunday
  std::vector<std::string> non_working_days;  // YYYY-MM-DD, sorted, each once
};

// `deadlines:` — the calendar, who receives the second level of an
// escalation (agencies of `lead_roles`), and how often pending deadlines are
// rechecked besides the timer at each one's due time (`check_every`, 1s to
// 1h: it also picks up what other brokers sharing the database routed).
struct DeadlinesConfig {
  CalendarConfig calendar;
  std::vector<std::string> lead_roles = {"safeguarding_lead"};
  std::chrono::seconds check_every{30};
};

class YamlReader;
// Reads `deadlines:`; fails naming file, line and key.
DeadlinesConfig ReadDeadlinesConfig(const YamlReader& node);

}  // namespace safeshare::config
