// The broker rereading its TLS material and CRLs while it serves, on a copy
// of the development PKI: what is served, what is applied, what is refused.
// Polls are called directly (the watch's own period is an hour here).
#include "broker/rpc/tls_watch.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/broker_process.h"
#include "tests/support/test_pki.h"

namespace safeshare::rpc {
namespace {

using ::testing::HasSubstr;
using testing::ReadFile;

class TlsWatchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pki_ = testing::MakeTempDir("safeshare-watch");
    std::filesystem::copy(testing::TestPki::Get().dir(), pki_,
                          std::filesystem::copy_options::recursive);
    auto watch = TlsWatch::Start({{pki_ + "/broker.crt", pki_ + "/broker.key", pki_ + "/ca.crt"},
                                  pki_ + "/crl",
                                  pki_ + "/served",
                                  std::chrono::seconds(3600)},
                                 checks_, std::time(nullptr));
    ASSERT_TRUE(watch.ok()) << watch.status();
    watch_ = *std::move(watch);
    watch_->SetListeners([this](const std::string& change) { changes_.push_back(change); },
                         [this] { ++polls_; });
  }
  void Script(const std::string& script_and_args) {
    const std::string command =
        "bash " SAFESHARE_SOURCE_DIR "/certs/" + script_and_args + " >/dev/null 2>&1";
    ASSERT_EQ(std::system(command.c_str()), 0) << command;
  }
  void Poll() { watch_->Poll(std::time(nullptr)); }

  std::string pki_;
  identity::CertificateChecks checks_;
  std::unique_ptr<TlsWatch> watch_;
  std::vector<std::string> changes_;
  int polls_ = 0;
};

TEST_F(TlsWatchTest, ServesAnOwnerOnlyCopyOfTheCheckedMaterial) {
  EXPECT_EQ(ReadFile(watch_->served_certificate()), ReadFile(pki_ + "/broker.crt"));
  EXPECT_EQ(ReadFile(watch_->served_private_key()), ReadFile(pki_ + "/broker.key"));
  EXPECT_EQ(ReadFile(watch_->served_client_ca()), ReadFile(pki_ + "/ca.crt"));
  struct stat key {};
  ASSERT_EQ(::stat(watch_->served_private_key().c_str(), &key), 0);
  EXPECT_EQ(key.st_mode & 0777, 0600u);
  struct stat dir {};
  ASSERT_EQ(::stat((pki_ + "/served").c_str(), &dir), 0);
  EXPECT_EQ(dir.st_mode & 0777, 0700u);
  Poll();  // nothing changed: nothing applied, listeners still told of the poll
  EXPECT_TRUE(changes_.empty());
  EXPECT_EQ(polls_, 1);
}

TEST_F(TlsWatchTest, ARevocationIsAppliedAndDescribedOnce) {
  const auto police = identity::ParsePeerCertificate(ReadFile(pki_ + "/police.crt"));
  ASSERT_TRUE(police.ok());
  EXPECT_TRUE(checks_.Check(*police, std::time(nullptr)).ok());
  Script("revoke.sh --dir " + pki_ + " police");
  Poll();
  EXPECT_EQ(checks_.Check(*police, std::time(nullptr)).code(), absl::StatusCode::kUnauthenticated);
  ASSERT_EQ(changes_.size(), 1u);
  EXPECT_THAT(changes_[0], HasSubstr("1 in force; newly revoked: serial " + police->serial));
  Poll();
  EXPECT_EQ(changes_.size(), 1u);
}

TEST_F(TlsWatchTest, ARenewedServerCertificateIsServedAsANewGeneration) {
  std::filesystem::remove(pki_ + "/broker.crt");
  std::filesystem::remove(pki_ + "/broker.key");
  Script("gen-dev-pki.sh " + pki_);
  Poll();
  EXPECT_EQ(ReadFile(watch_->served_certificate()), ReadFile(pki_ + "/broker.crt"));
  EXPECT_EQ(ReadFile(watch_->served_private_key()), ReadFile(pki_ + "/broker.key"));
  ASSERT_EQ(changes_.size(), 1u);
  EXPECT_THAT(changes_[0], HasSubstr("server certificate serial"));
  EXPECT_THAT(changes_[0], HasSubstr(" replaces serial "));
  EXPECT_EQ(std::filesystem::read_symlink(pki_ + "/served/current"), "gen-2");
}

TEST_F(TlsWatchTest, UnsoundMaterialIsNotServedAndRevocationsAreNeverDropped) {
  const std::string served = ReadFile(watch_->served_certificate());
  std::filesystem::copy_file(pki_ + "/cfs.key", pki_ + "/broker.key",
                             std::filesystem::copy_options::overwrite_existing);
  ::chmod((pki_ + "/broker.key").c_str(), 0600);
  Poll();
  EXPECT_EQ(ReadFile(watch_->served_certificate()), served);
  EXPECT_EQ(ReadFile(watch_->served_private_key()), ReadFile(pki_ + "/served/gen-1/key.pem"));
  EXPECT_TRUE(changes_.empty());

  Script("revoke.sh --dir " + pki_ + " police");
  Poll();
  ASSERT_EQ(checks_.revocations()->size(), 1u);
  // A CRL directory that no longer loads leaves the revocation in force.
  std::ofstream(pki_ + "/crl/ca.crl") << "damaged";
  Poll();
  EXPECT_EQ(checks_.revocations()->size(), 1u);
}

TEST(TlsWatchStartTest, StartRefusesWhatTheBrokerMayNotServe) {
  const std::string pki = testing::MakeTempDir("safeshare-watch-start");
  std::filesystem::copy(testing::TestPki::Get().dir(), pki,
                        std::filesystem::copy_options::recursive);
  identity::CertificateChecks checks;
  TlsWatchOptions options{{pki + "/broker.crt", pki + "/broker.key", pki + "/ca.crt"},
                          pki + "/crl",
                          pki + "/served",
                          std::chrono::seconds(3600)};
  std::ofstream(pki + "/crl/extra.crl") << "not a CRL";
  auto refused = TlsWatch::Start(options, checks, std::time(nullptr));
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(std::string(refused.status().message()), HasSubstr("extra.crl: holds no CRL"));

  options.crl_directory.reset();
  auto unrevocable = TlsWatch::Start(options, checks, std::time(nullptr));
  ASSERT_TRUE(unrevocable.ok()) << unrevocable.status();
  EXPECT_THAT((*unrevocable)->warnings(), ::testing::Contains(HasSubstr("no tls.crl_directory")));
}

}  // namespace
}  // namespace safeshare::rpc
