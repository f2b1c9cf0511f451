#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "broker/core/metric_registry.h"

namespace safeshare {

// The Content-Type of PrometheusText's output.
inline constexpr std::string_view kPrometheusTextType = "text/plain; version=0.0.4; charset=utf-8";

// `metrics` in the Prometheus text exposition format 0.0.4: for each metric
// `# HELP` and `# TYPE` lines, then one line per series; a histogram as
// cumulative `_bucket{le="..."}` lines ending with le="+Inf", `_sum` and
// `_count` (the +Inf bucket's count, so the two always agree).
std::string PrometheusText(const std::vector<MetricSnapshot>& metrics);

// A label value as it goes between the quotes: backslash, double quote and
// line feed escaped as \\, \" and \n.
std::string EscapeLabelValue(std::string_view value);
// HELP text: backslash and line feed escaped.
std::string EscapeHelp(std::string_view help);
// A sample value in the shortest fixed notation that reads back the same
// (integers without a fraction; exponent notation only where fixed would
// take over 64 characters); NaN and infinities as Prometheus spells them.
std::string FormatSampleValue(double value);

}  // namespace safeshare
