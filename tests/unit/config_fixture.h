#pragma once
// The valid configuration text config tests start from, and helpers to vary
// it and to read a refusal.
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/status/status.h"
#include "absl/strings/str_replace.h"
#include "broker/config/broker_config.h"

namespace safeshare::config {

inline constexpr char kFile[] = "/srv/safeshare/conf/broker.yaml";

// A small valid configuration. Line numbers matter: tests that break a line
// expect the error to name it.
inline constexpr char kValid[] = R"(listen: 127.0.0.1:0
tls:
  certificate: certs/broker.crt
  private_key: ../keys/broker.key
  client_ca: /etc/safeshare/ca.crt
store:
  path: var/safeshare.db
agencies:
  - id: police
    role: police
    certificate_uri: spiffe://t/police
  - id: cfs
    role: childrens_social_care
    certificate_uri: spiffe://t/cfs
agreements: agreements
person_hash_key: ../keys/person-hash.key
data_keys: {directory: ../keys/data, current: k1}
audit:
  signing_key: ../keys/audit-log.key
  origin: safeshare.example/audit
)";

// kValid with one piece of text replaced; fails the test if `from` is absent.
inline std::string With(const std::string& from, const std::string& to) {
  const std::string text = kValid;
  EXPECT_THAT(text, ::testing::HasSubstr(from)) << "test setup: text to replace is not in kValid";
  return absl::StrReplaceAll(text, {{from, to}});
}

inline absl::Status ParseError(const std::string& yaml) {
  auto parsed = ParseBrokerConfig(yaml, kFile);
  EXPECT_FALSE(parsed.ok()) << "expected the configuration to be refused";
  return parsed.status();
}

}  // namespace safeshare::config
