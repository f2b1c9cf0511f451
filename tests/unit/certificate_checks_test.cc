// What an agency certificate must be beyond signed by the partnership CA,
// and the CRLs that revoke one, on a development PKI made by the real
// certs/gen-dev-pki.sh and revoked with the real certs/revoke.sh.
#include "broker/identity/certificate_checks.h"

#include <filesystem>
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/broker_process.h"
#include "tests/support/test_pki.h"

namespace safeshare::identity {
namespace {

using ::testing::HasSubstr;
using testing::ReadFile;
using testing::TestPki;

PeerCertificate Parsed(const std::string& pki, const std::string& name) {
  auto cert = ParsePeerCertificate(ReadFile(pki + "/" + name + ".crt"));
  EXPECT_TRUE(cert.ok()) << name << ": " << cert.status();
  return cert.ok() ? *cert : PeerCertificate{};
}

// `now` 0: the time of the check (after the PKI is made, on first use).
std::string Refusal(const std::string& name, std::time_t now = 0) {
  const auto cert = Parsed(TestPki::Get().dir(), name);
  const auto status = CheckAgencyCertificate(cert, {}, now == 0 ? std::time(nullptr) : now);
  EXPECT_TRUE(status.code() == absl::StatusCode::kUnauthenticated || status.ok()) << status;
  return status.ok() ? "(accepted)" : std::string(status.message());
}

class RevocationListTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pki_ = testing::MakeTempDir("safeshare-crl");
    std::filesystem::copy(TestPki::Get().dir(), pki_, std::filesystem::copy_options::recursive);
  }
  void Revoke(const std::string& name) {
    const std::string command = "bash " SAFESHARE_SOURCE_DIR "/certs/revoke.sh --dir " + pki_ +
                                " " + name + " >/dev/null 2>&1";
    ASSERT_EQ(std::system(command.c_str()), 0);
  }
  absl::StatusOr<RevocationList> Load(const std::string& bundle = "ca.crt") const {
    return RevocationList::Load(pki_ + "/crl", ReadFile(pki_ + "/" + bundle), std::time(nullptr));
  }
  std::string pki_;
};

TEST(PeerCertificateTest, ReadsWhatTheChecksNeed) {
  const auto police = Parsed(TestPki::Get().dir(), "police");
  EXPECT_THAT(police.subject, HasSubstr("CN=police"));
  EXPECT_THAT(police.issuer, HasSubstr("CN=SafeShare Dev Partnership CA"));
  EXPECT_THAT(police.uris, ::testing::ElementsAre("spiffe://safeshare.test/agency/police"));
  EXPECT_TRUE(police.client_auth);
  EXPECT_EQ(police.serial.size(), 32u);  // 16 random bytes, upper-case hex
  EXPECT_LT(police.not_before, police.not_after);
  EXPECT_FALSE(ParsePeerCertificate("not a certificate").ok());
}

TEST(CheckAgencyCertificateTest, EachRuleIsCheckedWithItsReason) {
  EXPECT_EQ(Refusal("police"), "(accepted)");
  EXPECT_THAT(Refusal("future-police"), HasSubstr("is not valid until"));
  EXPECT_THAT(Refusal("expired-police"), HasSubstr("expired on 2021-01-01"));
  EXPECT_THAT(Refusal("no-eku-police"), HasSubstr("extended key usage clientAuth"));
  EXPECT_THAT(Refusal("no-uri-police"), HasSubstr("names 0 SAN URIs; an agency certificate"));
  EXPECT_THAT(Refusal("two-uri-police"), HasSubstr("names 2 SAN URIs"));
  // Validity is checked against the time given: a connection outliving its
  // certificate is refused from then on.
  const auto police = Parsed(TestPki::Get().dir(), "police");
  EXPECT_THAT(Refusal("police", police.not_after), HasSubstr("expired on"));
}

TEST_F(RevocationListTest, ARevokedCertificateIsFoundAndOthersAreNot) {
  auto empty = Load();
  ASSERT_TRUE(empty.ok()) << empty.status();
  EXPECT_EQ(empty->size(), 0u);
  Revoke("police");
  auto list = Load();
  ASSERT_TRUE(list.ok()) << list.status();
  const auto police = Parsed(pki_, "police");
  const Revocation* found = list->Find(police);
  ASSERT_NE(found, nullptr);
  EXPECT_EQ(found->serial, police.serial);
  EXPECT_EQ(found->file, "ca.crl");
  EXPECT_EQ(list->Find(Parsed(pki_, "cfs")), nullptr);
  // The same serial from another issuer is another certificate.
  auto elsewhere = police;
  elsewhere.issuer_der = Parsed(pki_, "rogue-police").issuer_der;
  EXPECT_EQ(list->Find(elsewhere), nullptr);
  EXPECT_EQ(list->AddedSince(*empty).size(), 1u);
  EXPECT_TRUE(empty->AddedSince(*list).empty());

  const auto status = CheckAgencyCertificate(police, *list, std::time(nullptr));
  EXPECT_THAT(std::string(status.message()), HasSubstr("was revoked on"));
  EXPECT_THAT(std::string(status.message()), HasSubstr("(CRL ca.crl)"));
}

TEST_F(RevocationListTest, OnlyCrlsOfTheBundlesCasAreBelieved) {
  Revoke("police");
  // Checked against a bundle without the partnership CA.
  auto foreign = Load("rogue-ca.crt");
  ASSERT_FALSE(foreign.ok());
  EXPECT_THAT(std::string(foreign.status().message()),
              HasSubstr("which is not a CA of tls.client_ca"));

  // A CRL signed by the rogue CA with the partnership CA's name would fail
  // the signature; a damaged signature does the same.
  std::string crl = ReadFile(pki_ + "/crl/ca.crl");
  const auto end = crl.find("-----END X509 CRL-----");
  ASSERT_NE(end, std::string::npos);
  crl[end - 6] = crl[end - 6] == 'A' ? 'B' : 'A';  // inside the base64 signature
  std::ofstream(pki_ + "/crl/ca.crl") << crl;
  auto damaged = Load();
  ASSERT_FALSE(damaged.ok());
  EXPECT_THAT(std::string(damaged.status().message()), HasSubstr("a forged or damaged CRL"));

  std::ofstream(pki_ + "/crl/ca.crl") << "not a CRL\n";
  auto junk = Load();
  ASSERT_FALSE(junk.ok());
  EXPECT_THAT(std::string(junk.status().message()), HasSubstr("holds no CRL"));

  auto missing = RevocationList::Load(pki_ + "/no-such-dir", ReadFile(pki_ + "/ca.crt"), 0);
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(std::string(missing.status().message()), HasSubstr("tls.crl_directory"));
}

TEST_F(RevocationListTest, ChecksParseEachCertificateOnceAndApplyTheListInForce) {
  CertificateChecks checks;
  const std::string pem = ReadFile(pki_ + "/police.crt");
  auto first = checks.Parse(pem);
  auto second = checks.Parse(pem);
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(first->get(), second->get());
  EXPECT_TRUE(checks.Check(**first, std::time(nullptr)).ok());
  Revoke("police");
  auto list = Load();
  ASSERT_TRUE(list.ok()) << list.status();
  checks.SetRevocations(std::make_shared<const RevocationList>(*std::move(list)));
  EXPECT_EQ(checks.Check(**first, std::time(nullptr)).code(), absl::StatusCode::kUnauthenticated);
}

}  // namespace
}  // namespace safeshare::identity
