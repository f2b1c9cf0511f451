// Unit tests for broker/core's metric registry and its Prometheus text
// exposition (format 0.0.4): HELP/TYPE lines, label escaping, histogram
// buckets (cumulative, le inclusive, +Inf), sum and count, the series cap,
// and counting from many threads.
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "broker/core/metric_registry.h"
#include "broker/core/prometheus_text.h"

namespace safeshare {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string Text(const MetricRegistry& registry) { return PrometheusText(registry.Collect()); }

TEST(MetricRegistryTest, CountersHaveHelpTypeAndOneLinePerLabelCombination) {
  MetricRegistry registry;
  auto& publishes = registry.AddCounter("safeshare_publishes_total", "Notifications accepted.",
                                        {"agency", "type"});
  publishes.With({"police", "strategy_minutes"}).Add();
  publishes.With({"police", "strategy_minutes"}).Add(2);
  publishes.With({"cfs", "abe_interview_record"}).Add();
  EXPECT_EQ(Text(registry),
            "# HELP safeshare_publishes_total Notifications accepted.\n"
            "# TYPE safeshare_publishes_total counter\n"
            "safeshare_publishes_total{agency=\"cfs\",type=\"abe_interview_record\"} 1\n"
            "safeshare_publishes_total{agency=\"police\",type=\"strategy_minutes\"} 3\n");
}

TEST(MetricRegistryTest, SameLabelsGiveTheSameSeries) {
  MetricRegistry registry;
  auto& family = registry.AddCounter("c_total", "c", {"a"});
  EXPECT_EQ(&family.With({"x"}), &family.With({"x"}));
  EXPECT_NE(&family.With({"x"}), &family.With({"y"}));
}

TEST(MetricRegistryTest, LabelValuesAreEscapedAndHelpToo) {
  MetricRegistry registry;
  registry.AddGauge("g", "line one\nback\\slash \"quoted\"", {"v"}).With({"a\\b \"c\"\nd"}).Set(-4);
  const std::string text = Text(registry);
  EXPECT_THAT(text, HasSubstr("# HELP g line one\\nback\\\\slash \"quoted\"\n"));
  EXPECT_THAT(text, HasSubstr("g{v=\"a\\\\b \\\"c\\\"\\nd\"} -4\n"));
  EXPECT_EQ(EscapeLabelValue("plain"), "plain");
}

TEST(MetricRegistryTest, HistogramBucketsAreCumulativeWithInfSumAndCount) {
  MetricRegistry registry;
  auto& latency = registry.AddHistogram("h_seconds", "latency", {0.1, 0.5, 1}).With({});
  for (double v : {0.05, 0.1, 0.3, 2.0}) latency.Observe(v);  // 0.1 falls in le="0.1"
  EXPECT_EQ(Text(registry),
            "# HELP h_seconds latency\n"
            "# TYPE h_seconds histogram\n"
            "h_seconds_bucket{le=\"0.1\"} 2\n"
            "h_seconds_bucket{le=\"0.5\"} 3\n"
            "h_seconds_bucket{le=\"1\"} 3\n"
            "h_seconds_bucket{le=\"+Inf\"} 4\n"
            "h_seconds_sum 2.45\n"
            "h_seconds_count 4\n");
}

TEST(MetricRegistryTest, HistogramLabelsComeBeforeLe) {
  MetricRegistry registry;
  registry.AddHistogram("h", "h", {1}, {"agency"}).With({"police"}).Observe(3);
  const std::string text = Text(registry);
  EXPECT_THAT(text, HasSubstr("h_bucket{agency=\"police\",le=\"1\"} 0\n"));
  EXPECT_THAT(text, HasSubstr("h_bucket{agency=\"police\",le=\"+Inf\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("h_sum{agency=\"police\"} 3\n"));
  EXPECT_THAT(text, HasSubstr("h_count{agency=\"police\"} 1\n"));
}

TEST(MetricRegistryTest, SampleValuesReadBackExactly) {
  EXPECT_EQ(FormatSampleValue(0), "0");
  EXPECT_EQ(FormatSampleValue(1764612345.25), "1764612345.25");  // a start time, not 1.76e+09
  EXPECT_EQ(FormatSampleValue(0.0005), "0.0005");                // not 5e-04
  EXPECT_EQ(FormatSampleValue(1e-300).substr(0, 2), "1e");       // too long in fixed notation
  EXPECT_EQ(FormatSampleValue(1.0 / 0.0), "+Inf");
  EXPECT_EQ(FormatSampleValue(0.0 / 0.0), "NaN");
}

TEST(MetricRegistryTest, CollectorsAppendAfterTheFamilies) {
  MetricRegistry registry;
  registry.AddCounter("a_total", "a").With({}).Add();
  registry.AddCollector([](std::vector<MetricSnapshot>& out) {
    out.push_back({"b", "computed", MetricType::kGauge, {"s"}, {{{"x"}, 7}}, {}});
  });
  EXPECT_EQ(Text(registry),
            "# HELP a_total a\n# TYPE a_total counter\na_total 1\n"
            "# HELP b computed\n# TYPE b gauge\nb{s=\"x\"} 7\n");
}

TEST(MetricRegistryTest, SeriesBeyondTheCapShareOneOverflowSeries) {
  MetricRegistry registry;
  auto& family = registry.AddCounter("c_total", "c", {"v"});
  for (size_t i = 0; i < CounterFamily::kMaxSeries; ++i) family.With({std::to_string(i)}).Add();
  family.With({"one more"}).Add();
  family.With({"and another"}).Add();
  const std::string text = Text(registry);
  EXPECT_THAT(text, HasSubstr("c_total{v=\"(overflow)\"} 2\n"));
  EXPECT_THAT(text, Not(HasSubstr("one more")));
}

TEST(MetricRegistryTest, CountsFromManyThreadsAreNotLost) {
  MetricRegistry registry;
  auto& family = registry.AddCounter("c_total", "c", {"agency"});
  auto& histogram = registry.AddHistogram("h", "h", {1}).With({});
  std::vector<std::thread> threads;
  threads.reserve(4);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10'000; ++i) {
        family.With({t % 2 == 0 ? "police" : "cfs"}).Add();
        histogram.Observe(1);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(family.With({"police"}).Value() + family.With({"cfs"}).Value(), 40'000u);
  EXPECT_EQ(histogram.BucketCounts()[0], 40'000u);
  EXPECT_EQ(histogram.Sum(), 40'000.0);
}

}  // namespace
}  // namespace safeshare
