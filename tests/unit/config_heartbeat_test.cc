// Unit tests of the heartbeat and redelivery keys under `subscriptions:`: defaults, values
// within their bounds, and refusals naming file, line, key and the bounds.
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "broker/config/broker_config.h"
#include "tests/unit/config_fixture.h"

namespace safeshare::config {
namespace {

// kValid with a `subscriptions:` block of `keys` (each "  key: value\n") at
// line 6, so its first key is on line 7.
std::string WithSubscriptions(const std::string& keys) {
  return With("store:\n", "subscriptions:\n" + keys + "store:\n");
}

TEST(HeartbeatConfigTest, DefaultsAreThirtySecondsWithinFiveTo300) {
  auto config = ParseBrokerConfig(kValid, kFile);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->heartbeat.default_interval.count(), 30);
  EXPECT_EQ(config->heartbeat.min.count(), 5);
  EXPECT_EQ(config->heartbeat.max.count(), 300);
}

TEST(HeartbeatConfigTest, ReadsAllThreeKeysWithoutCreateOnSubscribe) {
  auto config = ParseBrokerConfig(WithSubscriptions("  heartbeat_seconds: 2\n"
                                                    "  heartbeat_min_seconds: 1\n"
                                                    "  heartbeat_max_seconds: 10\n"),
                                  kFile);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->heartbeat.default_interval.count(), 2);
  EXPECT_EQ(config->heartbeat.min.count(), 1);
  EXPECT_EQ(config->heartbeat.max.count(), 10);
  EXPECT_TRUE(config->agencies[0].subscriptions.create_on_subscribe);
}

TEST(HeartbeatConfigTest, ARaisedMinimumRaisesTheDefault) {
  auto config = ParseBrokerConfig(WithSubscriptions("  heartbeat_min_seconds: 60\n"), kFile);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->heartbeat.default_interval.count(), 60);
}

TEST(HeartbeatConfigTest, BoundsAreCheckedWithFileLineAndKey) {
  EXPECT_EQ(std::string(ParseError(WithSubscriptions("  heartbeat_min_seconds: 0\n")).message()),
            std::string(kFile) + ":7: subscriptions.heartbeat_min_seconds: must be greater than 0");
  EXPECT_EQ(ParseError(WithSubscriptions("  heartbeat_min_seconds: 10\n"
                                         "  heartbeat_max_seconds: 9\n"))
                .message(),
            std::string(kFile) +
                ":8: subscriptions.heartbeat_max_seconds: must be from 10 to 3600, got 9");
  EXPECT_EQ(std::string(ParseError(WithSubscriptions("  heartbeat_min_seconds: 400\n")).message()),
            std::string(kFile) +
                ":7: subscriptions.heartbeat_min_seconds: must be at most heartbeat_max_seconds "
                "(300)");
  EXPECT_EQ(
      ParseError(WithSubscriptions("  heartbeat_seconds: 301\n")).message(),
      std::string(kFile) + ":7: subscriptions.heartbeat_seconds: must be from 5 to 300, got 301");
  EXPECT_EQ(std::string(ParseError(WithSubscriptions("  heartbeat: 3\n")).message()),
            std::string(kFile) + ":7: subscriptions.heartbeat: unknown key (check the spelling)");
}

TEST(DeliveryConfigTest, RedeliveryDefaultsAreReadWithinTheirBounds) {
  auto config = ParseBrokerConfig(kValid, kFile);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->delivery.ack_wait.count(), 300);
  EXPECT_EQ(config->delivery.max_deliver, 5u);
  EXPECT_EQ(config->delivery.max_in_flight, 1000u);
  config = ParseBrokerConfig(WithSubscriptions("  ack_wait_seconds: 30\n"
                                               "  max_deliver: 3\n"
                                               "  max_in_flight: 64\n"),
                             kFile);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->delivery.ack_wait.count(), 30);
  EXPECT_EQ(config->delivery.max_deliver, 3u);
  EXPECT_EQ(config->delivery.max_in_flight, 64u);
  EXPECT_EQ(std::string(ParseError(WithSubscriptions("  max_deliver: 101\n")).message()),
            std::string(kFile) + ":7: subscriptions.max_deliver: must be from 1 to 100, got 101");
  EXPECT_EQ(std::string(ParseError(WithSubscriptions("  ack_wait_seconds: 0\n")).message()),
            std::string(kFile) + ":7: subscriptions.ack_wait_seconds: must be greater than 0");
}

}  // namespace
}  // namespace safeshare::config
