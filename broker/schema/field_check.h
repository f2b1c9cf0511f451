#pragma once

#include <string>
#include <string_view>

#include <google/protobuf/timestamp.pb.h>

#include "absl/status/status.h"
#include "broker/core/status_macros.h"
#include "safeshare/v1/common.pb.h"

namespace safeshare::schema {

// Small checks shared by the envelope and payload rules. Each returns
// INVALID_ARGUMENT naming `path` or OK.
inline absl::Status FieldError(std::string_view path, std::string_view problem) {
  return absl::InvalidArgumentError(std::string(path) + ": " + std::string(problem));
}

inline absl::Status RequireText(std::string_view path, const std::string& value,
                                size_t max_length = 4096) {
  if (value.empty()) return FieldError(path, "required; must not be empty");
  if (value.size() > max_length) {
    return FieldError(path, "too long (" + std::to_string(value.size()) + " bytes, at most " +
                                std::to_string(max_length) + ")");
  }
  return absl::OkStatus();
}

template <typename Enum>
absl::Status RequireEnum(std::string_view path, Enum value) {
  if (static_cast<int>(value) == 0)
    return FieldError(path, "required; choose a value other than UNSPECIFIED");
  return absl::OkStatus();
}

inline absl::Status RequireTime(std::string_view path, bool has,
                                const google::protobuf::Timestamp& t) {
  if (!has) return FieldError(path, "required; give an RFC 3339 time");
  if (t.seconds() <= 0 || t.nanos() < 0 || t.nanos() > 999'999'999) {
    return FieldError(path, "not a valid time");
  }
  return absl::OkStatus();
}

inline int DaysInMonth(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

inline absl::Status RequireDate(std::string_view path, bool has, const v1::Date& d) {
  if (!has) return FieldError(path, "required; give year, month and day");
  if (d.year() < 1900 || d.year() > 2200 || d.month() < 1 || d.month() > 12 || d.day() < 1 ||
      d.day() > DaysInMonth(d.year(), d.month())) {
    return FieldError(path, "not a valid calendar date");
  }
  return absl::OkStatus();
}

inline std::string Indexed(std::string_view path, int i) {
  return std::string(path) + "[" + std::to_string(i) + "]";
}

}  // namespace safeshare::schema
