// Unit tests for broker/config: every error names file, line and key; paths
// are resolved against the config file's directory; the dev config parses.
#include <filesystem>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/status/status.h"
#include "broker/config/broker_config.h"
#include "tests/unit/config_fixture.h"

namespace safeshare::config {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

void ExpectPingPolicy(const ConnectionsConfig& c, int64_t min_interval_ms, size_t strikes,
                      int64_t keepalive_ms, int64_t timeout_ms) {
  EXPECT_EQ(c.client_ping_min_interval.count(), min_interval_ms);
  EXPECT_EQ(c.client_ping_strikes, strikes);
  EXPECT_EQ(c.keepalive_time.count(), keepalive_ms);
  EXPECT_EQ(c.keepalive_timeout.count(), timeout_ms);
}

TEST(ParseBrokerConfigTest, SmallValidConfigParses) {
  auto config = ParseBrokerConfig(kValid, kFile);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->listen, "127.0.0.1:0");
  ASSERT_EQ(config->agencies.size(), 2u);
  EXPECT_EQ(config->agencies[1].id, AgencyId("cfs"));
  EXPECT_EQ(config->agencies[1].role, "childrens_social_care");
  EXPECT_EQ(config->agencies[1].certificate_uri, "spiffe://t/cfs");
  // Optional sections keep their defaults.
  EXPECT_EQ(config->log_format, LogFormat::kText);
  EXPECT_EQ(config->log_level, "info");
  EXPECT_EQ(config->max_message_bytes, size_t{1} << 20);
  ExpectPingPolicy(config->connections, 5000, 2, 30000, 10000);
}

TEST(ParseBrokerConfigTest, ConnectionsSectionSetsThePingPolicy) {
  auto config = ParseBrokerConfig(With("store:\n",
                                       "connections:\n"
                                       "  client_ping_min_interval_ms: 500\n"
                                       "  client_ping_strikes: 3\n"
                                       "  keepalive_time_ms: 1000\n"
                                       "  keepalive_timeout_ms: 2000\n"
                                       "store:\n"),
                                  kFile);
  ASSERT_TRUE(config.ok()) << config.status();
  ExpectPingPolicy(config->connections, 500, 3, 1000, 2000);
}

// 0 strikes would mean "unlimited" to gRPC: a client could ping without end.
TEST(ParseBrokerConfigTest, ZeroPingStrikesIsRefused) {
  auto status = ParseError(With("store:\n", "connections:\n  client_ping_strikes: 0\nstore:\n"));
  EXPECT_EQ(status.message(),
            std::string(kFile) + ":7: connections.client_ping_strikes: must be greater than 0");
}

TEST(ParseBrokerConfigTest, PingIntervalBeyondWhatGrpcTakesIsRefused) {
  auto status =
      ParseError(With("store:\n", "connections:\n  keepalive_time_ms: 2147483648\nstore:\n"));
  EXPECT_EQ(status.message(),
            std::string(kFile) + ":7: connections.keepalive_time_ms: must be at most 2147483647");
}

TEST(ParseBrokerConfigTest, UnknownConnectionsKeyIsRefused) {
  auto status = ParseError(With("store:\n", "connections:\n  keepalive_ms: 1000\nstore:\n"));
  EXPECT_EQ(status.message(),
            std::string(kFile) + ":7: connections.keepalive_ms: unknown key (check the spelling)");
}

TEST(ParseBrokerConfigTest, UnknownRoleNamesFileLineAndKey) {
  auto status = ParseError(With("role: childrens_social_care", "role: polic"));
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()),
              StartsWith(std::string(kFile) + ":13: agencies[1].role: unknown value 'polic'"));
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("expected one of police, childrens_social_care"));
}

TEST(ParseBrokerConfigTest, MissingClientCaNamesTheKey) {
  auto status = ParseError(With("  client_ca: /etc/safeshare/ca.crt\n", ""));
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  // The line is that of the tls mapping the key is missing from.
  EXPECT_EQ(status.message(), std::string(kFile) + ":3: tls.client_ca: required key is missing");
}

TEST(ParseBrokerConfigTest, UnknownTopLevelKeyIsRefused) {
  auto status = ParseError(With("store:\n", "storage:\n  path: x\nstore:\n"));
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), std::string(kFile) + ":6: storage: unknown key (check the spelling)");
}

TEST(ParseBrokerConfigTest, UnknownNestedKeyIsRefused) {
  auto status = ParseError(With("  private_key:", "  privat_key:"));
  EXPECT_EQ(status.message(),
            std::string(kFile) + ":4: tls.privat_key: unknown key (check the spelling)");
}

TEST(ParseBrokerConfigTest, DuplicateAgencyIdIsRefused) {
  auto status = ParseError(With("- id: cfs", "- id: police"));
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), std::string(kFile) + ":12: agencies[1].id: duplicate agency id");
}

TEST(ParseBrokerConfigTest, SharedCertificateUriIsRefused) {
  auto status = ParseError(With("spiffe://t/cfs", "spiffe://t/police"));
  EXPECT_THAT(std::string(status.message()),
              StartsWith(std::string(kFile) + ":14: agencies[1].certificate_uri: two agencies"));
}

TEST(ParseBrokerConfigTest, ARepeatedKeyIsRefused) {
  EXPECT_EQ(
      ParseError(With("  path: var/safeshare.db\n", "  path: var/safeshare.db\n  path: b.db\n"))
          .message(),
      std::string(kFile) +
          ":8: store.path: duplicate key: give each key once (the second "
          "would be ignored)");
}

TEST(ParseBrokerConfigTest, InvalidYamlNamesLine) {
  auto status = ParseError(With("  path: var/safeshare.db\n", "  path: [var/safeshare.db\n"));
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), StartsWith(std::string(kFile) + ":"));
  EXPECT_THAT(std::string(status.message()), HasSubstr(": not valid YAML: "));
}

TEST(ParseBrokerConfigTest, EmptyAgencyListIsRefused) {
  const std::string text = kValid;
  const auto agencies = text.find("agencies:");
  const auto agreements = text.find("agreements:");
  auto status = ParseError(text.substr(0, agencies) + "agencies: []\n" + text.substr(agreements));
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("agencies: at least one agency is required"));
}

TEST(ParseBrokerConfigTest, NonNumericLimitIsRefused) {
  auto status = ParseError(With("store:\n", "limits:\n  max_message_bytes: 1MB\nstore:\n"));
  EXPECT_EQ(status.message(), std::string(kFile) +
                                  ":7: limits.max_message_bytes: expected a positive whole "
                                  "number, got '1MB'");
}

// A limit of 0 would make the broker refuse every message.
TEST(ParseBrokerConfigTest, ZeroMessageLimitIsRefused) {
  auto status = ParseError(With("store:\n", "limits:\n  max_message_bytes: 0\nstore:\n"));
  EXPECT_THAT(std::string(status.message()), HasSubstr("limits.max_message_bytes"));
}

// No queue at all would refuse every write.
TEST(ParseBrokerConfigTest, ZeroQueuedWritesIsRefused) {
  auto status = ParseError(With("store:\n", "limits:\n  max_queued_writes: 0\nstore:\n"));
  EXPECT_THAT(std::string(status.message()), HasSubstr(":7: limits.max_queued_writes"));
}

TEST(ParseBrokerConfigTest, RelativePathsResolveAgainstConfigDirectory) {
  auto config = ParseBrokerConfig(kValid, kFile);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->tls.certificate, std::filesystem::path("/srv/safeshare/conf/certs/broker.crt"));
  EXPECT_EQ(config->tls.private_key, std::filesystem::path("/srv/safeshare/keys/broker.key"));
  EXPECT_EQ(config->tls.client_ca, std::filesystem::path("/etc/safeshare/ca.crt"));  // absolute
  EXPECT_EQ(config->store.path, std::filesystem::path("/srv/safeshare/conf/var/safeshare.db"));
}

// A config named by a relative path: its paths are absolute all the same,
// and an error naming one can say where the config wrote it.
TEST(ParseBrokerConfigTest, PathsOfARelativeConfigAreAbsoluteAndExplainedAsWritten) {
  auto config = ParseBrokerConfig(kValid, "conf/broker.yaml");
  ASSERT_TRUE(config.ok()) << config.status();
  const auto dir = (std::filesystem::current_path() / "conf").lexically_normal();
  const auto key = (dir / "../keys/person-hash.key").lexically_normal();
  EXPECT_EQ(config->person_hash_key, key);
  EXPECT_EQ(config->tls.client_ca, std::filesystem::path("/etc/safeshare/ca.crt"));
  EXPECT_EQ(config->relative_paths.size(), 7u);  // all but client_ca
  EXPECT_EQ(
      ExplainConfigPaths(*config, "person_hash_key " + key.string() + ": no such file"),
      "person_hash_key " + key.string() +
          ": no such file (conf/broker.yaml:16: person_hash_key: \"../keys/person-hash.key\", "
          "relative to the config file's directory " +
          dir.string() + ")");
  EXPECT_EQ(ExplainConfigPaths(*config, "cannot read /etc/safeshare/ca.crt"),
            "cannot read /etc/safeshare/ca.crt");
}

TEST(ParseBrokerConfigTest, AgreementsAndPersonKeyResolveAgainstConfigDirectory) {
  auto config = ParseBrokerConfig(kValid, kFile);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->agreements, std::filesystem::path("/srv/safeshare/conf/agreements"));
  EXPECT_EQ(config->person_hash_key, std::filesystem::path("/srv/safeshare/keys/person-hash.key"));
  EXPECT_TRUE(config->urgent_disclosure.barred_roles.empty());  // optional; no role barred
}

TEST(ParseBrokerConfigTest, AgreementsAndPersonKeyAreRequired) {
  EXPECT_EQ(ParseError(With("agreements: agreements\n", "")).message(),
            std::string(kFile) + ":1: agreements: required key is missing");
  EXPECT_EQ(ParseError(With("person_hash_key: ../keys/person-hash.key\n", "")).message(),
            std::string(kFile) + ":1: person_hash_key: required key is missing");
}

TEST(ParseBrokerConfigTest, TheOldSharingTableIsRefusedPointingToAgreements) {
  const auto status = ParseError(std::string(kValid) + "sharing: []\n");
  EXPECT_THAT(std::string(status.message()),
              StartsWith(std::string(kFile) + ":21: sharing: the sharing table is replaced by "
                                              "information-sharing agreements"));
}

TEST(ParseBrokerConfigTest, UrgentDisclosureBarredRoles) {
  auto config = ParseBrokerConfig(
      std::string(kValid) +
          "urgent_disclosure:\n  barred_roles: [information_governance, education]\n",
      kFile);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_THAT(config->urgent_disclosure.barred_roles,
              ElementsAre("information_governance", "education"));
  EXPECT_EQ(
      ParseError(std::string(kValid) + "urgent_disclosure:\n  barred_roles: [ig]\n").message(),
      std::string(kFile) +
          ":22: urgent_disclosure.barred_roles[0]: unknown value 'ig'; expected one of "
          "police, childrens_social_care, probation, health, education, "
          "information_governance, safeguarding_lead");
  EXPECT_EQ(ParseError(std::string(kValid) + "urgent_disclosure:\n  barred: []\n").message(),
            std::string(kFile) + ":22: urgent_disclosure.barred: unknown key (check the spelling)");
}

TEST(ParseBrokerConfigTest, AuditSectionDefaultsAndPaths) {
  auto config = ParseBrokerConfig(kValid, kFile);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->audit.signing_key, std::filesystem::path("/srv/safeshare/keys/audit-log.key"));
  EXPECT_EQ(config->audit.origin, "safeshare.example/audit");
  EXPECT_EQ(config->audit.checkpoint_every_entries, 1000u);
  EXPECT_EQ(config->audit.checkpoint_every_seconds, std::chrono::seconds(60));

  config = ParseBrokerConfig(std::string(kValid) +
                                 "  checkpoint_every_entries: 50\n"
                                 "  checkpoint_every_seconds: 5\n",
                             kFile);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->audit.checkpoint_every_entries, 50u);
  EXPECT_EQ(config->audit.checkpoint_every_seconds, std::chrono::seconds(5));
}

TEST(ParseBrokerConfigTest, AuditSectionKeyAndOriginAreRequired) {
  EXPECT_EQ(ParseError(With("audit:\n  signing_key: ../keys/audit-log.key\n"
                            "  origin: safeshare.example/audit\n",
                            ""))
                .message(),
            std::string(kFile) + ":1: audit: required key is missing");
  EXPECT_EQ(ParseError(With("  signing_key: ../keys/audit-log.key\n", "")).message(),
            std::string(kFile) + ":19: audit.signing_key: required key is missing");
  EXPECT_EQ(ParseError(With("  origin: safeshare.example/audit\n", "")).message(),
            std::string(kFile) + ":19: audit.origin: required key is missing");
}

// The origin is also the signing key's name in every signed note, where a
// space or '+' would make the signature line unparseable.
TEST(ParseBrokerConfigTest, AuditOriginWithSpaceOrPlusIsRefused) {
  for (const std::string origin : {"safeshare example", "safeshare+audit"}) {
    EXPECT_THAT(
        std::string(
            ParseError(With("origin: safeshare.example/audit", "origin: \"" + origin + "\""))
                .message()),
        StartsWith(std::string(kFile) + ":20: audit.origin: must not contain white space or '+'"))
        << origin;
  }
}

TEST(ParseBrokerConfigTest, AuditCheckpointIntervalsMustBePositive) {
  EXPECT_EQ(ParseError(std::string(kValid) + "  checkpoint_every_entries: 0\n").message(),
            std::string(kFile) + ":21: audit.checkpoint_every_entries: must be greater than 0");
  EXPECT_EQ(ParseError(std::string(kValid) + "  checkpoint_every_seconds: soon\n").message(),
            std::string(kFile) +
                ":21: audit.checkpoint_every_seconds: expected a positive whole number, got "
                "'soon'");
  EXPECT_EQ(ParseError(std::string(kValid) + "  checkpoint_every: 5\n").message(),
            std::string(kFile) + ":21: audit.checkpoint_every: unknown key (check the spelling)");
}

TEST(LoadBrokerConfigTest, DevelopmentConfigParsesFully) {
  auto config = LoadBrokerConfig(SAFESHARE_DEV_CONFIG);
  ASSERT_TRUE(config.ok()) << config.status();
  const std::filesystem::path root = SAFESHARE_SOURCE_DIR;
  EXPECT_EQ(config->listen, "127.0.0.1:50051");
  EXPECT_EQ(config->tls.certificate, (root / "certs/out/broker.crt").lexically_normal());
  EXPECT_EQ(config->tls.private_key, (root / "certs/out/broker.key").lexically_normal());
  EXPECT_EQ(config->tls.client_ca, (root / "certs/out/ca.crt").lexically_normal());
  EXPECT_EQ(config->store.path, (root / "var/safeshare.db").lexically_normal());
  EXPECT_EQ(config->agreements, (root / "config/agreements").lexically_normal());
  EXPECT_EQ(config->person_hash_key, (root / "certs/out/person-hash.key").lexically_normal());
  EXPECT_EQ(config->audit.signing_key, (root / "certs/out/audit-log.key").lexically_normal());
  EXPECT_EQ(config->audit.origin, "safeshare.test/audit");
  EXPECT_EQ(config->audit.checkpoint_every_entries, 1000u);
  EXPECT_EQ(config->audit.checkpoint_every_seconds, std::chrono::seconds(5));
  EXPECT_THAT(config->urgent_disclosure.barred_roles, ElementsAre("information_governance"));
  EXPECT_EQ(config->log_format, LogFormat::kText);
  EXPECT_EQ(config->log_level, "info");
  EXPECT_EQ(config->max_message_bytes, 1048576u);
  EXPECT_EQ(config->memory_quota_bytes, size_t{512} << 20);
  EXPECT_EQ(config->max_queued_writes, 20000u);
  ExpectPingPolicy(config->connections, 5000, 2, 30000, 10000);

  std::vector<std::string> ids, roles;
  for (const auto& agency : config->agencies) {
    ids.push_back(agency.id.value());
    roles.push_back(agency.role);
  }
  EXPECT_THAT(ids, ElementsAre("police", "cfs", "probation", "health", "education", "ig", "lead"));
  EXPECT_THAT(roles, ElementsAre("police", "childrens_social_care", "probation", "health",
                                 "education", "information_governance", "safeguarding_lead"));
  // Working days on the UK's clocks, without the bank holidays of England
  // and Wales; the second level to the safeguarding lead.
  EXPECT_EQ(config->deadlines.calendar.time_zone, "GMT0BST,M3.5.0/1,M10.5.0");
  EXPECT_EQ(config->deadlines.calendar.weekend, (std::vector<int>{0, 6}));
  EXPECT_THAT(config->deadlines.calendar.non_working_days, ::testing::Contains("2026-12-28"));
  EXPECT_THAT(config->deadlines.lead_roles, ElementsAre("safeguarding_lead"));
  EXPECT_EQ(config->agencies[1].certificate_uri, "spiffe://safeshare.test/agency/cfs");
  EXPECT_TRUE(config->agencies[1].subscriptions.create_on_subscribe);
  EXPECT_EQ(config->agencies[1].subscriptions.max_subscriptions, 100u);
}

TEST(LoadBrokerConfigTest, MissingFileIsNotFound) {
  auto config = LoadBrokerConfig("/nonexistent/safeshare/broker.yaml");
  EXPECT_EQ(config.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(config.status().message()),
              HasSubstr("/nonexistent/safeshare/broker.yaml"));
}

// Bodies are sealed at rest: the key directory and the current key are
// read (paths relative to the config), and neither may be missing.
TEST(ParseBrokerConfigTest, DataKeysAreRequired) {
  auto config = ParseBrokerConfig(kValid, kFile);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->data_keys_directory, std::filesystem::path("/srv/safeshare/keys/data"));
  EXPECT_EQ(config->data_key_current, "k1");
  EXPECT_EQ(ParseError(With(", current: k1}", "}")).message(),
            std::string(kFile) + ":17: data_keys.current: required key is missing");
  EXPECT_EQ(ParseError(With("data_keys: {directory: ../keys/data, current: k1}\n", "")).message(),
            std::string(kFile) + ":1: data_keys: required key is missing");
}

}  // namespace

}  // namespace safeshare::config
