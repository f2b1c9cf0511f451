// Unit tests for broker/core logging: a JSON log line stays one valid JSON
// object whatever the message holds.
#include <sstream>
#include <string>

#include <spdlog/sinks/ostream_sink.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "broker/core/logging.h"

namespace safeshare {
namespace {

using ::testing::EndsWith;
using ::testing::MatchesRegex;

// The line `format` makes of an info message `message` from module "unit".
std::string FormatLine(LogFormat format, const std::string& message) {
  std::ostringstream out;
  spdlog::logger logger("unit", std::make_shared<spdlog::sinks::ostream_sink_st>(out));
  logger.set_formatter(MakeFormatter(format));
  logger.info("{}", message);
  return out.str();
}

TEST(JsonLogTest, MessageIsEscapedAsRfc8259Requires) {
  const std::string message = "say \"hi\" C:\\dir\nsecond\tline\r\b\f\x01\x1f end \xc3\xa9";
  const auto line = FormatLine(LogFormat::kJson, message);
  EXPECT_THAT(
      line,
      EndsWith(
          R"(,"level":"info","module":"unit","msg":"say \"hi\" C:\\dir\nsecond\tline\r\b\f\u0001\u001f end )"
          "\xc3\xa9\"}\n"));
  EXPECT_EQ(line.find('\n'), line.size() - 1);  // one line, whatever the message
}

TEST(JsonLogTest, LineIsOneObjectWithUtcTime) {
  const auto line = FormatLine(LogFormat::kJson, "plain");
  EXPECT_THAT(line, MatchesRegex(R"(\{"time":"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z",)"
                                 R"("level":"info","module":"unit","msg":"plain"\}\s)"));
}

TEST(JsonLogTest, AMessageCannotAddFields) {
  const auto line = FormatLine(LogFormat::kJson, R"(x","level":"error)");
  EXPECT_THAT(line, EndsWith(R"("msg":"x\",\"level\":\"error"})"
                             "\n"));
}

TEST(TextLogTest, MessageFollowsLevelAndModule) {
  EXPECT_THAT(FormatLine(LogFormat::kText, "plain"), EndsWith("info  [unit] plain\n"));
}

}  // namespace
}  // namespace safeshare
