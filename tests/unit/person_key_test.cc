// Unit tests for broker/core PersonKey: the key file's checks (missing,
// short, readable by others), identifier normalisation and the HMAC itself.
#include <sys/stat.h>

#include <filesystem>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "broker/core/person_key.h"
#include "temp_dir.h"

namespace safeshare {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class PersonKeyTest : public ::testing::Test {
 protected:
  // Writes `bytes` to a key file with `mode`; returns its path.
  std::filesystem::path KeyFile(const std::string& bytes, mode_t mode,
                                const std::string& name = "person-hash.key") const {
    auto file = dir_.Write(name, bytes);
    ::chmod(file.c_str(), mode);
    return file;
  }

  static std::string Bytes(unsigned char first) {
    std::string key;
    for (unsigned char i = 0; i < 32; ++i) key += static_cast<char>(first + i);
    return key;
  }

  testing::TempDir dir_{"person-key"};
};

TEST_F(PersonKeyTest, HashIsHmacSha256OverSchemeAndNormalisedValue) {
  auto key = PersonKey::Load(KeyFile(Bytes(0), 0600));
  ASSERT_TRUE(key.ok()) << key.status();
  // python3: hmac.new(bytes(range(32)), b"IDENTIFIER_SCHEME_NHS_NUMBER\x1f9434765919", sha256)
  EXPECT_EQ(key->Hash("IDENTIFIER_SCHEME_NHS_NUMBER", "943 476 5919"),
            "1702fbf765339f184cc28b90d57e7f5aff9cd316dda3c54bb6f1da39ddd6a857");
}

TEST_F(PersonKeyTest, SpacesAndCaseDoNotChangeTheHash) {
  auto key = PersonKey::Load(KeyFile(Bytes(0), 0600));
  ASSERT_TRUE(key.ok()) << key.status();
  const auto hash = key->Hash("IDENTIFIER_SCHEME_NATIONAL_INSURANCE", "AB123456C");
  EXPECT_EQ(hash, "9701bce814ab0dabb8585e2167a314377f30b78afce8506ce0f3231feb309cd0");
  EXPECT_EQ(key->Hash("IDENTIFIER_SCHEME_NATIONAL_INSURANCE", "  ab 12 34 56 c\t"), hash);
  EXPECT_EQ(PersonKey::Normalise(" x12 3456\n"), "X123456");
}

TEST_F(PersonKeyTest, SchemeAndKeyBothChangeTheHash) {
  auto key = PersonKey::Load(KeyFile(Bytes(0), 0600));
  auto other = PersonKey::Load(KeyFile(Bytes(1), 0600, "other.key"));
  ASSERT_TRUE(key.ok() && other.ok());
  const auto hash = key->Hash("IDENTIFIER_SCHEME_PNC_NUMBER", "2001/123456A");
  EXPECT_NE(key->Hash("IDENTIFIER_SCHEME_POLICE_LOCAL", "2001/123456A"), hash);
  EXPECT_NE(other->Hash("IDENTIFIER_SCHEME_PNC_NUMBER", "2001/123456A"), hash);
}

TEST_F(PersonKeyTest, KeyReadableByGroupOrOthersIsRefused) {
  for (const mode_t mode : {0640, 0604, 0620, 0602}) {
    const auto file = KeyFile(Bytes(0), mode);
    auto key = PersonKey::Load(file);
    ASSERT_EQ(key.status().code(), absl::StatusCode::kFailedPrecondition) << mode;
    EXPECT_THAT(std::string(key.status().message()), HasSubstr("chmod 600 " + file.string()));
  }
  EXPECT_TRUE(PersonKey::Load(KeyFile(Bytes(0), 0400)).ok());  // owner read-only is fine
}

TEST_F(PersonKeyTest, ShortOrMissingKeyIsRefusedWithoutItsContent) {
  const std::string secret = "short-secret-31-bytes-long-abcd";
  ASSERT_EQ(secret.size(), 31u);
  const auto file = KeyFile(secret, 0600);
  auto key = PersonKey::Load(file);
  ASSERT_EQ(key.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(key.status().message()), HasSubstr("31 bytes; at least 32"));
  EXPECT_THAT(std::string(key.status().message()), Not(HasSubstr(secret)));

  auto missing = PersonKey::Load(dir_.path() / "absent.key");
  ASSERT_EQ(missing.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(missing.status().message()),
              HasSubstr((dir_.path() / "absent.key").string()));
  EXPECT_THAT(std::string(missing.status().message()), HasSubstr("no such file"));
}

}  // namespace
}  // namespace safeshare
