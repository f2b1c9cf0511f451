// Revocation and rotation without a restart, against the real broker on its
// own copy of the development PKI (tls.refresh_seconds 1): certs/revoke.sh
// revokes police while police and cfs have streams open; a new server
// certificate and a widened CA bundle are served to new connections while
// open streams carry on; a broken change is not applied.
#include <grpcpp/grpcpp.h>

#include <filesystem>

#include "tests/integration/admin_http.h"
#include "tests/integration/raw_stream.h"
#include "tests/integration/scenario.h"

namespace safeshare::testing {
namespace {

using std::chrono::seconds;
using ::testing::HasSubstr;

// A private copy of the test PKI (keys stay mode 600), since these tests
// revoke and replace its certificates.
std::string CopyOfPki() {
  std::string dir = MakeTempDir("safeshare-pki");
  std::filesystem::copy(TestPki::Get().dir(), dir, std::filesystem::copy_options::recursive);
  return dir;
}

BrokerOptions OnPki(const std::string& pki) {
  std::string config = RepositoryConfig();
  for (const auto& [from, to] : {std::pair<std::string, std::string>{"{PKI}/", pki + "/"},
                                 {"refresh_seconds: 10", "refresh_seconds: 1"}}) {
    for (auto at = config.find(from); at != std::string::npos; at = config.find(from, at)) {
      config.replace(at, from.size(), to);
      at += to.size();
    }
  }
  BrokerOptions options;
  options.config_yaml = config;
  return options;
}

class RevocationTest : public ::testing::Test {
 protected:
  // Runs a certs/ script on this test's PKI.
  void Certs(const std::string& script_and_args) {
    const auto run = RunCommand(broker_, "bash " SAFESHARE_SOURCE_DIR "/certs/" + script_and_args);
    ASSERT_EQ(run.exit_code, 0) << run.output;
  }
  std::string Log() const { return ReadFile(broker_.dir() + "/broker.log"); }
  int64_t Audited(const std::string& action, const std::string& detail) const {
    return QueryStore(broker_, "SELECT count(*) FROM audit WHERE action='" + action +
                                   "' AND detail LIKE '%" + detail + "%'");
  }
  // The server certificate a new connection as cfs is shown.
  std::string ServedCertificate() const {
    auto stub = RawStub(broker_, "cfs");
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + seconds(10));
    v1::ListSubscriptionsRequest request;
    v1::ListSubscriptionsResponse response;
    if (!stub->ListSubscriptions(&context, request, &response).ok()) return "";
    const auto pems = context.auth_context()->FindPropertyValues("x509_pem_cert");
    return pems.empty() ? "" : std::string(pems.front().data(), pems.front().size());
  }
  absl::Status PublishAs(const std::string& agency, const std::string& key) {
    auto c = Connect(broker_, agency);
    return c.Publish(Example("investigation_outcome", key)).status();
  }

  const std::string pki_ = CopyOfPki();
  BrokerProcess broker_{OnPki(pki_)};
};

TEST_F(RevocationTest, ARevokedCertificateLosesItsStreamsCallsAndConnections) {
  RawStream police_stream(broker_, "police-feed", 0, {}, seconds(30), "police");
  RawStream cfs_stream(broker_, "cfs-feed");
  auto police = Connect(broker_, "police");  // a connection made before the revocation
  ASSERT_TRUE(police.Publish(Example("investigation_outcome", "rev-before")).ok());
  ASSERT_TRUE(Eventually([&] { return cfs_stream.deliveries() == 1; }));

  Certs("revoke.sh --dir " + pki_ + " police");

  // Within the refresh period (1 s) and the audit write: its stream ends.
  ASSERT_TRUE(police_stream.Ended(seconds(10)));
  const auto ended = police_stream.Finish();
  EXPECT_EQ(ended.error_code(), grpc::StatusCode::UNAUTHENTICATED) << ended.error_message();
  EXPECT_THAT(ended.error_message(), HasSubstr("was revoked on"));
  // Its open connection may make no further call...
  const auto call = police.Publish(Example("investigation_outcome", "rev-after"));
  EXPECT_EQ(call.status().code(), absl::StatusCode::kUnauthenticated) << call.status();
  // ...and no new connection gets through the handshake.
  EXPECT_EQ(PublishAs("police", "rev-new").code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(Log(), HasSubstr("TLS handshake refused"));
  EXPECT_EQ(QueryStore(broker_, "SELECT count(*) FROM notifications"), 1);

  // Everyone else is untouched.
  EXPECT_FALSE(cfs_stream.Ended(seconds(0)));
  EXPECT_TRUE(Connect(broker_, "cfs").ListSubscriptions("").ok());

  // On the record: the revocation the broker applied, the stream it ended
  // and the call it refused.
  EXPECT_EQ(Audited("tls_changed", "newly revoked: serial"), 1);
  EXPECT_EQ(Audited("access_refused", "Broker.Subscribe (open stream)%was revoked"), 1);
  EXPECT_EQ(Audited("access_refused", "Broker.Publish%was revoked"), 1);
  // And counted, by where the broker's checks refused the certificate.
  const std::string metrics = Http(broker_.admin_port(), "GET", "/metrics").body;
  const std::string refusals = "safeshare_certificate_refusals_total";
  EXPECT_EQ(MetricValue(metrics, refusals + R"({stage="open_stream"})"), 1);
  EXPECT_EQ(MetricValue(metrics, refusals + R"({stage="call"})"), 1);
  EXPECT_GE(MetricValue(metrics, refusals + R"({stage="handshake"})"), 1);
}

TEST_F(RevocationTest, ANewServerCertificateIsServedWithoutDroppingOpenStreams) {
  RawStream cfs_stream(broker_, "cfs-rotation");
  const std::string before = ServedCertificate();
  ASSERT_EQ(before, ReadFile(pki_ + "/broker.crt"));

  std::filesystem::remove(pki_ + "/broker.crt");
  std::filesystem::remove(pki_ + "/broker.key");
  Certs("gen-dev-pki.sh " + pki_);  // remakes the missing leaf only
  const std::string renewed = ReadFile(pki_ + "/broker.crt");
  ASSERT_NE(renewed, before);

  ASSERT_TRUE(Eventually([&] { return ServedCertificate() == renewed; }, seconds(15)));
  EXPECT_EQ(Audited("tls_changed", "server certificate serial"), 1);
  // The stream opened under the old certificate still delivers.
  ASSERT_TRUE(PublishAs("police", "rot-after").ok());
  EXPECT_TRUE(Eventually([&] { return cfs_stream.deliveries() == 1; }));
  EXPECT_FALSE(cfs_stream.Ended(seconds(0)));
}

TEST_F(RevocationTest, ACaAddedToTheBundleIsTrustedWithoutARestart) {
  EXPECT_EQ(PublishAs("rogue-police", "ca-before").code(), absl::StatusCode::kUnavailable);
  {
    std::ofstream bundle(pki_ + "/ca.crt", std::ios::app);
    bundle << ReadFile(pki_ + "/rogue-ca.crt");
  }
  ASSERT_TRUE(Eventually([&] { return PublishAs("rogue-police", "ca-after").ok(); }, seconds(15)));
  EXPECT_EQ(Audited("tls_changed", "client CA bundle now 2 CA(s)"), 1);
}

TEST_F(RevocationTest, ABrokenChangeIsNotAppliedAndTheBrokerKeepsServing) {
  const std::string before = ServedCertificate();
  // A key that is not the certificate's, as a half-finished renewal leaves.
  std::filesystem::copy_file(pki_ + "/cfs.key", pki_ + "/broker.key",
                             std::filesystem::copy_options::overwrite_existing);
  ASSERT_TRUE(Eventually([&] { return Log().find("not applied") != std::string::npos; }));
  EXPECT_THAT(Log(), HasSubstr("is not the key of tls.certificate"));
  EXPECT_EQ(ServedCertificate(), before);
  EXPECT_TRUE(PublishAs("police", "broken-change").ok());
  EXPECT_EQ(QueryStore(broker_, "SELECT count(*) FROM audit WHERE action='tls_changed'"), 0);
}

}  // namespace
}  // namespace safeshare::testing
