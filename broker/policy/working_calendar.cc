#include "broker/policy/working_calendar.h"

#include <algorithm>
#include <memory>
#include <vector>

#include <boost/date_time/gregorian/gregorian.hpp>
#include <boost/date_time/local_time/local_time.hpp>
#include <boost/date_time/posix_time/posix_time.hpp>

#include "broker/config/broker_config.h"

namespace safeshare::policy {
namespace {

namespace gd = boost::gregorian;
namespace lt = boost::local_time;
namespace pt = boost::posix_time;

const pt::ptime& Epoch() {
  static const pt::ptime epoch(gd::date(1970, 1, 1));
  return epoch;
}

constexpr int64_t kMicrosPerSecond = 1'000'000;

}  // namespace

std::string DeadlinePeriod::Text() const {
  if (working_days == 0) return config::PeriodText(elapsed);
  return std::to_string(working_days) + (working_days == 1 ? " working day" : " working days");
}

struct WorkingCalendar::Impl {
  lt::time_zone_ptr zone;
  std::vector<int> weekend;
  std::vector<gd::date> holidays;  // sorted

  bool IsWorkingDay(const gd::date& day) const {
    const int weekday = day.day_of_week().as_number();
    if (std::find(weekend.begin(), weekend.end(), weekday) != weekend.end()) return false;
    return !std::binary_search(holidays.begin(), holidays.end(), day);
  }
  gd::date NextWorkingDay(gd::date day) const {
    do {
      day += gd::days(1);
    } while (!IsWorkingDay(day));
    return day;
  }
  // The UTC time of local `day` at `time_of_day`.
  pt::ptime Utc(const gd::date& day, const pt::time_duration& time_of_day) const {
    using Local = lt::local_date_time;
    const pt::ptime wall(day, time_of_day);
    const Local local(day, time_of_day, zone, Local::NOT_DATE_TIME_ON_ERROR);
    if (!local.is_not_a_date_time()) return local.utc_time();
    // Repeated as summer time ends: its first (summer time) occurrence.
    const pt::ptime summer = wall - zone->base_utc_offset() - zone->dst_offset();
    if (Local(summer, zone).local_time() == wall) return summer;
    // Skipped as summer time starts: an hour on (the same instant in winter time).
    return wall - zone->base_utc_offset();
  }
};

WorkingCalendar::WorkingCalendar(config::CalendarConfig config) {
  auto impl = std::make_shared<Impl>();
  impl->zone = lt::time_zone_ptr(new lt::posix_time_zone(config.time_zone));
  impl->weekend = std::move(config.weekend);
  for (const auto& day : config.non_working_days) {
    impl->holidays.push_back(gd::from_simple_string(day));
  }
  std::sort(impl->holidays.begin(), impl->holidays.end());
  impl_ = std::move(impl);
}

bool WorkingCalendar::IsWorkingDay(const std::string& yyyy_mm_dd) const {
  return impl_->IsWorkingDay(gd::from_simple_string(yyyy_mm_dd));
}

int64_t WorkingCalendar::EndOfDay(int year, int month, int day) const {
  try {
    const gd::date next =
        gd::date(static_cast<unsigned short>(year), static_cast<unsigned short>(month),
                 static_cast<unsigned short>(day)) +
        gd::days(1);
    return (impl_->Utc(next, pt::time_duration(0, 0, 0)) - Epoch()).total_microseconds();
  } catch (const std::exception&) {  // out of range: no such day
    return 0;
  }
}

int64_t WorkingCalendar::DueAfter(int64_t from_micros, const DeadlinePeriod& period) const {
  if (period.working_days == 0) return from_micros + period.elapsed.count() * kMicrosPerSecond;
  const pt::ptime utc = Epoch() + pt::microseconds(from_micros);
  const pt::ptime local = lt::local_date_time(utc, impl_->zone).local_time();
  gd::date day = local.date();
  pt::time_duration time_of_day = local.time_of_day();
  if (!impl_->IsWorkingDay(day)) {
    day = impl_->NextWorkingDay(day);
    time_of_day = pt::time_duration(0, 0, 0);
  }
  for (uint32_t i = 0; i < period.working_days; ++i) day = impl_->NextWorkingDay(day);
  return (impl_->Utc(day, time_of_day) - Epoch()).total_microseconds();
}

}  // namespace safeshare::policy
