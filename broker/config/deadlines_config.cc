#include "broker/config/deadlines_config.h"

#include <algorithm>
#include <array>
#include <string_view>

#include <boost/date_time/gregorian/gregorian.hpp>
#include <boost/date_time/local_time/posix_time_zone.hpp>

#include "broker/config/yaml_reader.h"
#include "broker/core/vocabulary.h"

namespace safeshare::config {
namespace {

constexpr std::array<std::string_view, 7> kWeekdays = {"sunday",   "monday", "tuesday", "wednesday",
                                                       "thursday", "friday", "saturday"};

std::string TimeZone(const YamlReader& node) {
  std::string rule = node.String();
  try {
    boost::local_time::posix_time_zone zone(rule);
  } catch (const std::exception&) {
    node.Fail(
        "not a POSIX time zone rule; write it as TZ does, e.g. \"GMT0BST,M3.5.0/1,M10.5.0\" for "
        "the UK or \"UTC0\"");
  }
  return rule;
}

std::vector<int> Weekend(const YamlReader& node) {
  std::vector<int> days;
  for (const auto& item : node.Sequence()) {
    const auto name = item.OneOf(kWeekdays);
    days.push_back(
        static_cast<int>(std::find(kWeekdays.begin(), kWeekdays.end(), name) - kWeekdays.begin()));
  }
  std::sort(days.begin(), days.end());
  days.erase(std::unique(days.begin(), days.end()), days.end());
  if (days.size() == kWeekdays.size()) node.Fail("leaves no working day in the week");
  return days;
}

std::vector<std::string> NonWorkingDays(const YamlReader& node) {
  std::vector<std::string> days;
  for (const auto& item : node.Sequence()) {
    std::string day = item.String();
    bool valid = day.size() == 10;
    if (valid) {
      try {
        valid = boost::gregorian::to_iso_extended_string(
                    boost::gregorian::from_simple_string(day)) == day;
      } catch (const std::exception&) {
        valid = false;
      }
    }
    if (!valid) item.Fail("expected a date YYYY-MM-DD, e.g. 2026-12-25");
    if (std::find(days.begin(), days.end(), day) != days.end()) item.Fail("listed twice");
    days.push_back(std::move(day));
  }
  std::sort(days.begin(), days.end());
  return days;
}

}  // namespace

DeadlinesConfig ReadDeadlinesConfig(const YamlReader& node) {
  node.RejectUnknownKeys({"time_zone", "weekend", "non_working_days", "lead_roles", "check_every"});
  DeadlinesConfig config;
  if (node.Has("time_zone")) config.calendar.time_zone = TimeZone(node.Required("time_zone"));
  if (node.Has("weekend")) config.calendar.weekend = Weekend(node.Required("weekend"));
  if (node.Has("non_working_days")) {
    config.calendar.non_working_days = NonWorkingDays(node.Required("non_working_days"));
  }
  if (node.Has("lead_roles")) config.lead_roles = node.Required("lead_roles").ListOf(kAgencyRoles);
  if (node.Has("check_every")) {
    const auto every = node.Required("check_every");
    config.check_every = every.Duration();
    if (config.check_every > std::chrono::hours(1)) every.Fail("must be at most 1h");
  }
  return config;
}

}  // namespace safeshare::config
