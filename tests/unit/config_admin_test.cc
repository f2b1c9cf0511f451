// Unit tests for broker/config's `admin:` section: off when absent, the
// default address for `admin: {}`, `enabled: false`, and a malformed
// address refused naming file, line and key.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "broker/config/broker_config.h"
#include "tests/unit/config_fixture.h"

namespace safeshare::config {
namespace {

using ::testing::HasSubstr;

TEST(ParseBrokerConfigTest, AdminListenerIsOffWithoutItsSection) {
  auto config = ParseBrokerConfig(kValid, kFile);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_FALSE(config->admin.enabled);
}

TEST(ParseBrokerConfigTest, AdminSectionListensOnLoopbackByDefaultOrWhereItSays) {
  auto defaults = ParseBrokerConfig(std::string(kValid) + "admin: {}\n", kFile);
  ASSERT_TRUE(defaults.ok()) << defaults.status();
  EXPECT_TRUE(defaults->admin.enabled);
  EXPECT_EQ(defaults->admin.listen, "127.0.0.1:9464");

  auto any_port = ParseBrokerConfig(std::string(kValid) + "admin:\n  listen: '[::1]:0'\n", kFile);
  ASSERT_TRUE(any_port.ok()) << any_port.status();
  EXPECT_EQ(any_port->admin.listen, "[::1]:0");

  auto off = ParseBrokerConfig(
      std::string(kValid) + "admin:\n  enabled: false\n  listen: 127.0.0.1:9000\n", kFile);
  ASSERT_TRUE(off.ok()) << off.status();
  EXPECT_FALSE(off->admin.enabled);
}

TEST(ParseBrokerConfigTest, AdminKeysAreCheckedWithFileLineAndKey) {
  // kValid has 20 lines: the admin section starts at line 21.
  for (const char* listen : {"127.0.0.1", "127.0.0.1:http", "127.0.0.1:65536", ":9464"}) {
    const auto refused = ParseError(std::string(kValid) + "admin:\n  listen: '" + listen + "'\n");
    EXPECT_THAT(std::string(refused.message()),
                HasSubstr(std::string(kFile) + ":22: admin.listen: expected IP:PORT"))
        << listen;
  }
  EXPECT_THAT(std::string(ParseError(std::string(kValid) + "admin:\n  listen: ''\n").message()),
              HasSubstr(":22: admin.listen: must not be empty"));
  EXPECT_THAT(std::string(ParseError(std::string(kValid) + "admin:\n  port: 9464\n").message()),
              HasSubstr(":22: admin.port"));
  EXPECT_THAT(std::string(ParseError(std::string(kValid) + "admin:\n  enabled: yes\n").message()),
              HasSubstr(":22: admin.enabled: expected true or false"));
}

}  // namespace
}  // namespace safeshare::config
