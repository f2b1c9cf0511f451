#include "broker/core/prometheus_text.h"

#include <charconv>
#include <cmath>

namespace safeshare {
namespace {

std::string Escape(std::string_view text, bool quotes) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '"' && quotes) {
      out += "\\\"";
    } else {
      out += c;
    }
  }
  return out;
}

// `{a="x",b="y"}`, with `extra` (e.g. le="0.5") last; "" when there are no labels.
std::string Labels(const std::vector<std::string>& names, const std::vector<std::string>& values,
                   std::string_view extra = {}) {
  std::string out;
  for (size_t i = 0; i < names.size() && i < values.size(); ++i) {
    out += out.empty() ? "{" : ",";
    out += names[i] + "=\"" + EscapeLabelValue(values[i]) + "\"";
  }
  if (!extra.empty()) {
    out += out.empty() ? "{" : ",";
    out += extra;
  }
  if (!out.empty()) out += "}";
  return out;
}

const char* TypeName(MetricType type) {
  switch (type) {
    case MetricType::kCounter:
      return "counter";
    case MetricType::kHistogram:
      return "histogram";
    case MetricType::kGauge:
      break;
  }
  return "gauge";
}

void AppendHistogram(const MetricSnapshot& metric, const std::vector<std::string>& labels,
                     const Histogram& histogram, std::string& out) {
  const auto counts = histogram.BucketCounts();
  uint64_t cumulative = 0;
  for (size_t i = 0; i < counts.size(); ++i) {
    cumulative += counts[i];
    const std::string le =
        i < histogram.bounds().size() ? FormatSampleValue(histogram.bounds()[i]) : "+Inf";
    out += metric.name + "_bucket" + Labels(metric.label_names, labels, "le=\"" + le + "\"") + " " +
           std::to_string(cumulative) + "\n";
  }
  const std::string series = Labels(metric.label_names, labels);
  out += metric.name + "_sum" + series + " " + FormatSampleValue(histogram.Sum()) + "\n";
  out += metric.name + "_count" + series + " " + std::to_string(cumulative) + "\n";
}

}  // namespace

std::string EscapeLabelValue(std::string_view value) { return Escape(value, /*quotes=*/true); }
std::string EscapeHelp(std::string_view help) { return Escape(help, /*quotes=*/false); }

std::string FormatSampleValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  // Fixed notation ("0.0005", not "5e-04") unless it would be very long.
  char text[64];
  auto written = std::to_chars(text, text + sizeof text, value, std::chars_format::fixed);
  if (written.ec != std::errc()) written = std::to_chars(text, text + sizeof text, value);
  if (written.ec != std::errc()) return "NaN";  // not reached: 64 bytes hold any double
  return std::string(text, written.ptr);
}

std::string PrometheusText(const std::vector<MetricSnapshot>& metrics) {
  std::string out;
  for (const auto& metric : metrics) {
    out += "# HELP " + metric.name + " " + EscapeHelp(metric.help) + "\n";
    out += "# TYPE " + metric.name + " " + TypeName(metric.type) + "\n";
    for (const auto& sample : metric.samples) {
      out += metric.name + Labels(metric.label_names, sample.label_values) + " " +
             FormatSampleValue(sample.value) + "\n";
    }
    for (const auto& [labels, histogram] : metric.histograms) {
      AppendHistogram(metric, labels, *histogram, out);
    }
  }
  return out;
}

}  // namespace safeshare
