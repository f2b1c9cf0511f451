// The admin HTTP listener of the real broker process (config `admin:`, on a
// free port read from --admin-port-file): /healthz, /readyz and /metrics over
// real TCP; the counters move with the right labels when agencies publish,
// receive and acknowledge through the real gRPC client; 404, 405, and a
// hostile client (oversized header, silent connection) neither gets an
// answer it should not nor stops the broker serving.
#include <chrono>
#include <thread>

#include "tests/integration/admin_http.h"
#include "tests/integration/scenario.h"

namespace safeshare::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

class AdminTest : public ::testing::Test {
 protected:
  std::string Metrics() {
    const auto reply = Http(broker_.admin_port(), "GET", "/metrics");
    EXPECT_EQ(reply.status, 200);
    return reply.body;
  }
  // Scrapes until `series` reads `expected` (the counters the store's
  // completion thread records may lag the client's answer by a moment).
  void ExpectEventually(const std::string& series, double expected) {
    double value = -1;
    for (int i = 0; i < 50 && value != expected; ++i) {
      if (i > 0) std::this_thread::sleep_for(std::chrono::milliseconds(100));
      value = MetricValue(Metrics(), series);
    }
    EXPECT_EQ(value, expected) << series;
  }
  void ExpectStillServing() {
    EXPECT_TRUE(broker_.running());
    EXPECT_EQ(Http(broker_.admin_port(), "GET", "/healthz").status, 200);
    auto cfs = Connect(broker_, "cfs");
    auto health = cfs.Health();
    ASSERT_TRUE(health.ok()) << health.status();
    EXPECT_EQ(*health, client::ServingStatus::kServing);
  }

  BrokerProcess broker_;
};

TEST_F(AdminTest, ServesHealthReadinessAndPrometheusMetricsOverTcp) {
  ASSERT_GT(broker_.admin_port(), 0);
  ASSERT_NE(broker_.admin_port(), broker_.port());
  const auto health = Http(broker_.admin_port(), "GET", "/healthz");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.body, "ok\n");
  const auto ready = Http(broker_.admin_port(), "GET", "/readyz");
  EXPECT_EQ(ready.status, 200) << ready.body;

  const auto metrics = Http(broker_.admin_port(), "GET", "/metrics");
  ASSERT_EQ(metrics.status, 200);
  EXPECT_THAT(metrics.headers, HasSubstr("Content-Type: text/plain; version=0.0.4"));
  for (const char* type : {"# TYPE safeshare_publishes_total counter",
                           "# TYPE safeshare_publish_refusals_total counter",
                           "# TYPE safeshare_deliveries_total counter",
                           "# TYPE safeshare_acknowledgements_total counter",
                           "# TYPE safeshare_subscribe_streams_open gauge",
                           "# TYPE safeshare_store_commit_batch_size histogram",
                           "# TYPE safeshare_store_commit_seconds histogram",
                           "# TYPE safeshare_store_errors_total counter",
                           "# TYPE safeshare_certificate_refusals_total counter",
                           "# TYPE safeshare_subscription_backlog gauge",
                           "# TYPE safeshare_subscription_oldest_unacknowledged_seconds gauge",
                           "# TYPE safeshare_policy_info gauge",
                           "# TYPE safeshare_process_start_time_seconds gauge"}) {
    EXPECT_THAT(metrics.body, HasSubstr(type));
  }
  const double started = MetricValue(metrics.body, "safeshare_process_start_time_seconds");
  const double now = static_cast<double>(std::time(nullptr));
  EXPECT_GT(started, now - 120);
  EXPECT_LE(started, now + 1);
  EXPECT_THAT(metrics.body, HasSubstr("safeshare_policy_info{version=\""));
}

TEST_F(AdminTest, PublishDeliveryAndAcknowledgementMoveTheirCountersWithTheirLabels) {
  auto police = Connect(broker_, "police");
  ASSERT_TRUE(police.Publish(Example("investigation_outcome", "adm-1")).ok());
  ASSERT_TRUE(police.Publish(Example("investigation_outcome", "adm-2")).ok());
  auto bad = Example("investigation_outcome", "adm-bad");
  bad.mutable_investigation_outcome()->clear_rationale();
  ASSERT_EQ(police.Publish(bad).status().code(), absl::StatusCode::kInvalidArgument);

  auto text = Metrics();
  EXPECT_EQ(MetricValue(
                text, R"(safeshare_publishes_total{agency="police",type="investigation_outcome"})"),
            2);
  EXPECT_EQ(
      MetricValue(
          text,
          R"(safeshare_publish_refusals_total{agency="police",type="investigation_outcome",code="INVALID_ARGUMENT"})"),
      1);
  EXPECT_GT(MetricValue(text, "safeshare_store_commit_batch_size_count"), 0);
  EXPECT_GT(MetricValue(text, R"(safeshare_store_commit_seconds_bucket{le="+Inf"})"), 0);
  EXPECT_EQ(MetricValue(text, R"(safeshare_store_commit_seconds_bucket{le="+Inf"})"),
            MetricValue(text, "safeshare_store_commit_seconds_count"));

  // cfs (the agreements route outcomes to it) takes and acknowledges one
  // of the two; the other stays in its backlog.
  auto cfs = Connect(broker_, "cfs");
  Receive(cfs, "cfs-inbox", 1);
  ExpectEventually(R"(safeshare_acknowledgements_total{agency="cfs"})", 1);
  ExpectEventually(R"(safeshare_subscription_backlog{agency="cfs",subscription="cfs-inbox"})", 1);
  ExpectEventually(R"(safeshare_subscribe_streams_open{agency="cfs"})", 0);
  text = Metrics();
  EXPECT_GE(MetricValue(text, R"(safeshare_deliveries_total{agency="cfs"})"), 1);
  EXPECT_GE(
      MetricValue(
          text,
          R"(safeshare_subscription_oldest_unacknowledged_seconds{agency="cfs",subscription="cfs-inbox"})"),
      0);
  EXPECT_EQ(
      MetricValue(text, R"(safeshare_publishes_total{agency="cfs",type="investigation_outcome"})"),
      -1);
}

TEST_F(AdminTest, CertificatesRefusedByTheBrokersChecksAreCountedByStage) {
  // No SAN URI: passes OpenSSL's chain check, fails the broker's at the
  // handshake. A valid certificate naming no agency: refused at the call.
  EXPECT_FALSE(
      Connect(broker_, "no-uri-police").Publish(Example("investigation_outcome", "adm-x")).ok());
  EXPECT_FALSE(Connect(broker_, "unknown").Publish(Example("investigation_outcome", "adm-y")).ok());
  const auto text = Metrics();
  EXPECT_GE(MetricValue(text, R"(safeshare_certificate_refusals_total{stage="handshake"})"), 1);
  EXPECT_EQ(MetricValue(text, R"(safeshare_certificate_refusals_total{stage="call"})"), 1);
}

TEST_F(AdminTest, UnknownPathsAre404AndOtherMethods405) {
  EXPECT_EQ(Http(broker_.admin_port(), "GET", "/").status, 404);
  EXPECT_EQ(Http(broker_.admin_port(), "GET", "/admin/config").status, 404);
  const auto post = Http(broker_.admin_port(), "POST", "/metrics");
  EXPECT_EQ(post.status, 405);
  EXPECT_THAT(post.headers, HasSubstr("Allow: GET"));
  EXPECT_EQ(Http(broker_.admin_port(), "DELETE", "/healthz").status, 405);
}

TEST_F(AdminTest, AnOversizedRequestIsRefusedAndTheBrokerKeepsServing) {
  const std::string huge =
      "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Pad: " + std::string(size_t{64} * 1024, 'a') +
      "\r\n\r\n";
  const auto refused = SendRaw(broker_.admin_port(), huge);
  EXPECT_EQ(refused.status, 431);
  EXPECT_THAT(refused.body, ::testing::Not(HasSubstr("safeshare_")));
  const auto with_body = SendRaw(
      broker_.admin_port(), "GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello");
  EXPECT_EQ(with_body.status, 413);
  ExpectStillServing();
}

TEST_F(AdminTest, ASilentClientDoesNotHoldOthersAndIsDisconnected) {
  const int silent = ConnectLoopback(broker_.admin_port());
  ASSERT_GE(silent, 0);
  (void)::send(silent, "GET /hea", 8, MSG_NOSIGNAL);  // and nothing more
  const auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(Http(broker_.admin_port(), "GET", "/healthz").status, 200);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(2));
  // The read timeout (5 s) closes it without an answer.
  const std::string got = ReadUntilClosed(silent, std::chrono::seconds(15));
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));
  EXPECT_EQ(got, "");
  ::close(silent);
}

TEST_F(AdminTest, ReadyzIs503WithTheReasonOnceShutdownBegins) {
  const int port = broker_.admin_port();
  ASSERT_EQ(Http(port, "GET", "/readyz").status, 200);
  std::thread stop([this] { broker_.Terminate(); });
  // Ready until SIGTERM arrives; 503 through the shutdown grace period
  // (300 ms) and the drain; then the listener is gone (no reply).
  HttpReply reply;
  const auto limit = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  do {
    reply = Http(port, "GET", "/readyz", std::chrono::seconds(2));
    if (reply.status == 200) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  } while (reply.status == 200 && std::chrono::steady_clock::now() < limit);
  stop.join();
  EXPECT_EQ(reply.status, 503);
  EXPECT_EQ(reply.body, "not ready: shutting down\n");
}

}  // namespace
}  // namespace safeshare::testing
