// The data keys that seal notification bodies at rest (AES-256-GCM).
#include "broker/core/data_keys.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace safeshare {
namespace {

using ::testing::HasSubstr;

DataKeys Keys(const std::string& current = "k1") {
  return DataKeys({{"k0", std::string(32, 'a')}, {"k1", std::string(32, 'b')}}, current);
}

TEST(DataKeysTest, SealedBodiesOpenOnlyUnderTheirKeyAndRow) {
  const DataKeys keys = Keys();
  const std::string body = R"({"child":{"name":"Alex Example"}})";
  const std::string sealed = keys.Seal(body, "n-1");
  EXPECT_EQ(sealed.size(), body.size() + DataKeys::kNonceBytes + DataKeys::kTagBytes);
  EXPECT_EQ(sealed.find("Alex"), std::string::npos);
  EXPECT_NE(keys.Seal(body, "n-1"), sealed);  // a fresh nonce each time
  auto opened = keys.Open("k1", sealed, "n-1");
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(*opened, body);

  // Another row's context, another key, an altered byte: not served.
  EXPECT_EQ(keys.Open("k1", sealed, "n-2").status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(keys.Open("k0", sealed, "n-1").status().code(), absl::StatusCode::kDataLoss);
  std::string altered = sealed;
  altered[DataKeys::kNonceBytes + 3] ^= 1;
  EXPECT_EQ(keys.Open("k1", altered, "n-1").status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(keys.Open("k1", sealed.substr(0, 10), "n-1").status().code(),
            absl::StatusCode::kDataLoss);
  const auto missing = keys.Open("k9", sealed, "n-1").status();
  EXPECT_EQ(missing.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(missing.message()), HasSubstr("put k9.key back"));
}

TEST(DataKeysTest, OldKeysStillOpenAfterTheCurrentOneChanges) {
  const std::string sealed = Keys("k0").Seal("old body", "n-1");
  auto opened = Keys("k1").Open("k0", sealed, "n-1");
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(*opened, "old body");
}

class DataKeysLoadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("safeshare-keys-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  void Write(const std::string& name, const std::string& bytes, mode_t mode = 0600) {
    std::ofstream(dir_ / name, std::ios::binary) << bytes;
    ::chmod((dir_ / name).c_str(), mode);
  }
  std::string Error(const std::string& current) {
    auto keys = DataKeys::Load(dir_, current);
    return keys.ok() ? "(loaded)" : std::string(keys.status().message());
  }
  std::filesystem::path dir_;
};

TEST_F(DataKeysLoadTest, LoadsEveryKeyFileAndRefusesUnsafeOnes) {
  Write("dev-1.key", std::string(32, 'x'));
  Write("dev-2.key", std::string(32, 'y'));
  Write("README", "not a key");
  auto keys = DataKeys::Load(dir_, "dev-2");
  ASSERT_TRUE(keys.ok()) << keys.status();
  EXPECT_THAT(keys->ids(), ::testing::ElementsAre("dev-1", "dev-2"));
  EXPECT_EQ(keys->current(), "dev-2");

  EXPECT_THAT(Error("dev-3"), HasSubstr("data_keys.current 'dev-3': no dev-3.key"));
  Write("short.key", std::string(16, 'z'));
  EXPECT_THAT(Error("dev-1"), HasSubstr("16 bytes; a data key is exactly 32 random bytes"));
  std::filesystem::remove(dir_ / "short.key");
  Write("loose.key", std::string(32, 'z'), 0644);
  EXPECT_THAT(Error("dev-1"), HasSubstr("chmod 600"));
  std::filesystem::remove(dir_ / "loose.key");
  Write("bad id!.key", std::string(32, 'z'));
  EXPECT_THAT(Error("dev-1"), HasSubstr("has no usable id"));
  EXPECT_THAT(std::string(DataKeys::Load(dir_ / "none", "dev-1").status().message()),
              HasSubstr("cannot be read"));
}

}  // namespace
}  // namespace safeshare
