// The broker's start-up checks of its own TLS material, on a development PKI
// made by the real certs/gen-dev-pki.sh; `now` moves instead of the clock.
#include "broker/rpc/tls_files.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/test_pki.h"

namespace safeshare::rpc {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;
using testing::TestPki;

constexpr std::time_t kDay = std::time_t{24} * 3600;

class TlsFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::MakeTempDir("safeshare-tls");
    files_ = {Copy("broker.crt"), Copy("broker.key"), Copy("ca.crt")};
    now_ = std::time(nullptr);  // after the PKI is made: its certificates start now
  }

  // A copy of the PKI's `file` in this test's directory, mode 600.
  std::filesystem::path Copy(const std::string& file, const std::string& as = "") {
    std::filesystem::path to = dir_ + "/" + (as.empty() ? file : as);
    std::filesystem::copy_file(TestPki::Get().Path(file), to,
                               std::filesystem::copy_options::overwrite_existing);
    ::chmod(to.c_str(), 0600);
    return to;
  }

  std::string ErrorAt(std::time_t now) const {
    auto material = LoadTlsMaterial(files_, now);
    return material.ok() ? "(loaded)" : std::string(material.status().message());
  }

  std::string dir_;
  TlsFiles files_;
  std::time_t now_ = 0;
};

TEST_F(TlsFilesTest, TheDevelopmentPkiLoadsWithoutWarnings) {
  auto material = LoadTlsMaterial(files_, now_);
  ASSERT_TRUE(material.ok()) << material.status();
  EXPECT_THAT(material->certificate_pem, HasSubstr("BEGIN CERTIFICATE"));
  EXPECT_THAT(material->private_key_pem, HasSubstr("PRIVATE KEY"));
  EXPECT_THAT(material->client_ca_pem, HasSubstr("BEGIN CERTIFICATE"));
  EXPECT_THAT(material->warnings, IsEmpty());
}

TEST_F(TlsFilesTest, AKeyOthersMayReadIsRefusedWithTheChmodToRun) {
  ::chmod(files_.private_key.c_str(), 0644);
  const auto error = ErrorAt(now_);
  EXPECT_THAT(error, HasSubstr("tls.private_key " + files_.private_key.string() +
                               ": group or others may read or write it (mode 0644)"));
  EXPECT_THAT(error, HasSubstr("run `chmod 600 " + files_.private_key.string() + "`"));
  ::chmod(files_.private_key.c_str(), 0640);
  EXPECT_THAT(ErrorAt(now_), HasSubstr("(mode 0640)"));
}

TEST_F(TlsFilesTest, AMissingFileIsNamedByItsSetting) {
  files_.client_ca = dir_ + "/absent.crt";
  EXPECT_EQ(LoadTlsMaterial(files_, now_).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(ErrorAt(now_), "cannot read tls.client_ca " + dir_ + "/absent.crt");
  files_.private_key = dir_ + "/absent.key";
  EXPECT_THAT(ErrorAt(now_), HasSubstr("tls.private_key " + dir_ + "/absent.key: no such file"));
}

TEST_F(TlsFilesTest, AnExpiredCertificateIsRefusedWithItsDate) {
  // Development leaves are valid for 825 days.
  const auto error = ErrorAt(now_ + 830 * kDay);
  EXPECT_THAT(error, HasSubstr("tls.certificate " + files_.certificate.string() + " ("));
  EXPECT_THAT(error, HasSubstr(") expired on "));
  EXPECT_THAT(error, HasSubstr(" UTC: install a renewed certificate"));
  EXPECT_EQ(LoadTlsMaterial(files_, now_ + 830 * kDay).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_F(TlsFilesTest, ACertificateNotValidYetPointsAtTheClock) {
  const auto error = ErrorAt(now_ - 2 * kDay);
  EXPECT_THAT(error, HasSubstr("is not valid until "));
  EXPECT_THAT(error, HasSubstr("check the machine's clock"));
}

TEST_F(TlsFilesTest, ACertificateExpiringWithinThirtyDaysLoadsWithAWarning) {
  auto material = LoadTlsMaterial(files_, now_ + 810 * kDay);
  ASSERT_TRUE(material.ok()) << material.status();
  ASSERT_THAT(material->warnings, SizeIs(1));
  EXPECT_THAT(material->warnings[0], HasSubstr("tls.certificate " + files_.certificate.string()));
  EXPECT_THAT(material->warnings[0], HasSubstr("renew it before then"));
}

TEST_F(TlsFilesTest, AKeyThatIsNotTheCertificatesIsRefused) {
  files_.private_key = Copy("police.key");
  EXPECT_THAT(ErrorAt(now_),
              HasSubstr("tls.private_key " + files_.private_key.string() +
                        " is not the key of tls.certificate " + files_.certificate.string()));
}

TEST_F(TlsFilesTest, FilesOfTheWrongKindAreNamed) {
  files_.private_key = Copy("broker.crt", "cert-as-key.pem");
  EXPECT_THAT(ErrorAt(now_), HasSubstr("not an unencrypted PEM private key"));
  files_.private_key = Copy("broker.key");
  files_.certificate = Copy("broker.key", "key-as-cert.pem");
  EXPECT_THAT(ErrorAt(now_), HasSubstr("tls.certificate " + files_.certificate.string() +
                                       ": no PEM certificate in it"));
  files_.certificate = Copy("broker.crt");
  files_.client_ca = Copy("broker.key", "key-as-ca.pem");
  EXPECT_THAT(ErrorAt(now_), HasSubstr("tls.client_ca " + files_.client_ca.string() +
                                       ": no PEM certificate in it"));
}

TEST_F(TlsFilesTest, AnExpiredCertificateInTheCaBundleIsRefused) {
  {
    std::ofstream bundle(files_.client_ca, std::ios::app);
    std::ifstream expired(TestPki::Get().Path("expired-police.crt"));
    bundle << expired.rdbuf();
  }
  const auto error = ErrorAt(now_);
  EXPECT_THAT(error, HasSubstr("tls.client_ca " + files_.client_ca.string() + " ("));
  EXPECT_THAT(error, HasSubstr("(/O=SafeShare Dev Partnership/CN=police) expired on 2021-01-01"));
  EXPECT_THAT(error, HasSubstr("remove it from the bundle, or replace it with its renewal"));
}

}  // namespace
}  // namespace safeshare::rpc
