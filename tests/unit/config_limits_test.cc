// Unit tests for broker/config's per-agency settings: subscriptions
// (create_on_subscribe, limits.per_agency.subscriptions) and call limits
// (limits.per_agency.publishes_in_flight, open_streams), broker-wide and
// overridden under agencies[].limits; errors name file, line and key.
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_replace.h"
#include "broker/config/broker_config.h"
#include "tests/unit/config_fixture.h"

namespace safeshare::config {
namespace {

TEST(ParseBrokerConfigTest, SubscriptionPolicyDefaultsAndPerAgencyOverrides) {
  auto defaults = ParseBrokerConfig(kValid, kFile);
  ASSERT_TRUE(defaults.ok()) << defaults.status();
  EXPECT_TRUE(defaults->agencies[0].subscriptions.create_on_subscribe);
  EXPECT_EQ(defaults->agencies[0].subscriptions.max_subscriptions, 100u);

  auto config = ParseBrokerConfig(With("store:\n",
                                       "subscriptions:\n"
                                       "  create_on_subscribe: false\n"
                                       "limits:\n"
                                       "  per_agency:\n"
                                       "    subscriptions: 20\n"
                                       "store:\n"),
                                  kFile);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_FALSE(config->agencies[0].subscriptions.create_on_subscribe);
  EXPECT_EQ(config->agencies[0].subscriptions.max_subscriptions, 20u);

  auto overridden = ParseBrokerConfig(With("    certificate_uri: spiffe://t/cfs\n",
                                           "    certificate_uri: spiffe://t/cfs\n"
                                           "    create_on_subscribe: false\n"
                                           "    limits: {subscriptions: 5}\n"),
                                      kFile);
  ASSERT_TRUE(overridden.ok()) << overridden.status();
  EXPECT_TRUE(overridden->agencies[0].subscriptions.create_on_subscribe);
  EXPECT_FALSE(overridden->agencies[1].subscriptions.create_on_subscribe);
  EXPECT_EQ(overridden->agencies[1].subscriptions.max_subscriptions, 5u);
}

TEST(ParseBrokerConfigTest, SubscriptionKeysAreCheckedWithFileLineAndKey) {
  EXPECT_EQ(
      ParseError(With("store:\n", "subscriptions:\n  create_on_subscribe: no\nstore:\n")).message(),
      std::string(kFile) +
          ":7: subscriptions.create_on_subscribe: expected true or false, got 'no'");
  EXPECT_EQ(
      ParseError(With("store:\n", "limits:\n  per_agency:\n    subscriptions: 10001\nstore:\n"))
          .message(),
      std::string(kFile) +
          ":8: limits.per_agency.subscriptions: must be from 1 to 10000, got 10001");
  EXPECT_EQ(
      ParseError(With("    certificate_uri: spiffe://t/cfs\n",
                      "    certificate_uri: spiffe://t/cfs\n"
                      "    limits: {streams: 5}\n"))
          .message(),
      std::string(kFile) + ":15: agencies[1].limits.streams: unknown key (check the spelling)");
}

TEST(ParseBrokerConfigTest, CallLimitsDefaultsBrokerWideValuesAndPerAgencyOverrides) {
  auto defaults = ParseBrokerConfig(kValid, kFile);
  ASSERT_TRUE(defaults.ok()) << defaults.status();
  EXPECT_EQ(defaults->agencies[0].calls.publishes_in_flight, 256u);
  EXPECT_EQ(defaults->agencies[0].calls.open_streams, 32u);

  auto config = ParseBrokerConfig(With("store:\n",
                                       "limits:\n"
                                       "  per_agency:\n"
                                       "    publishes_in_flight: 100000\n"
                                       "    open_streams: 1\n"
                                       "store:\n"),
                                  kFile);
  ASSERT_TRUE(config.ok()) << config.status();
  for (const auto& agency : config->agencies) {
    EXPECT_EQ(agency.calls.publishes_in_flight, 100'000u) << agency.id.value();
    EXPECT_EQ(agency.calls.open_streams, 1u) << agency.id.value();
  }

  // An agency's own key replaces the broker-wide value; its other keys
  // keep the broker-wide ones.
  const std::string broker_wide = With("store:\n",
                                       "limits:\n"
                                       "  per_agency: {open_streams: 4}\n"
                                       "store:\n");
  auto cfs = ParseBrokerConfig(
      absl::StrReplaceAll(broker_wide,
                          {{"    certificate_uri: spiffe://t/cfs\n",
                            "    certificate_uri: spiffe://t/cfs\n"
                            "    limits: {publishes_in_flight: 8, subscriptions: 3}\n"}}),
      kFile);
  ASSERT_TRUE(cfs.ok()) << cfs.status();
  EXPECT_EQ(cfs->agencies[0].calls.publishes_in_flight, 256u);
  EXPECT_EQ(cfs->agencies[0].calls.open_streams, 4u);
  EXPECT_EQ(cfs->agencies[1].calls.publishes_in_flight, 8u);
  EXPECT_EQ(cfs->agencies[1].calls.open_streams, 4u);
  EXPECT_EQ(cfs->agencies[1].subscriptions.max_subscriptions, 3u);
}

TEST(ParseBrokerConfigTest, CallLimitsOutOfBoundsNameFileLineAndKey) {
  EXPECT_EQ(ParseError(With("store:\n",
                            "limits:\n  per_agency:\n    publishes_in_flight: 100001\nstore:\n"))
                .message(),
            std::string(kFile) +
                ":8: limits.per_agency.publishes_in_flight: must be from 1 to 100000, got 100001");
  EXPECT_EQ(ParseError(With("store:\n", "limits:\n  per_agency:\n    open_streams: 0\nstore:\n"))
                .message(),
            std::string(kFile) + ":8: limits.per_agency.open_streams: must be greater than 0");
  EXPECT_EQ(ParseError(With("    certificate_uri: spiffe://t/cfs\n",
                            "    certificate_uri: spiffe://t/cfs\n"
                            "    limits:\n"
                            "      open_streams: 10001\n"))
                .message(),
            std::string(kFile) +
                ":16: agencies[1].limits.open_streams: must be from 1 to 10000, got 10001");
}

}  // namespace
}  // namespace safeshare::config
