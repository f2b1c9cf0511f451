// Unit tests for broker/ops's admin endpoints without the network: which
// method and path get which answer, readiness reasons, the metrics
// content type.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "broker/core/metric_registry.h"
#include "broker/ops/admin_routes.h"

namespace safeshare::ops {
namespace {

using ::testing::HasSubstr;

TEST(AdminRoutesTest, HealthzIsOkWhateverTheReadiness) {
  MetricRegistry registry;
  const AdminRoutes routes([] { return std::string("store failed"); }, registry);
  const auto answer = routes.Answer("GET", "/healthz");
  EXPECT_EQ(answer.status, 200);
  EXPECT_EQ(answer.body, "ok\n");
}

TEST(AdminRoutesTest, ReadyzSays503WithEveryReasonUntilAllChecksPass) {
  MetricRegistry registry;
  std::string store = "store failed: DATA_LOSS", stopping;
  const AdminRoutes routes(
      AllOf({[&] { return store; }, [] { return std::string(); }, [&] { return stopping; }}),
      registry);
  auto answer = routes.Answer("GET", "/readyz");
  EXPECT_EQ(answer.status, 503);
  EXPECT_EQ(answer.body, "not ready: store failed: DATA_LOSS\n");
  stopping = "shutting down";
  EXPECT_EQ(routes.Answer("GET", "/readyz").body,
            "not ready: store failed: DATA_LOSS\nshutting down\n");
  store.clear();
  stopping.clear();
  answer = routes.Answer("GET", "/readyz?verbose=1");
  EXPECT_EQ(answer.status, 200);
  EXPECT_EQ(answer.body, "ready\n");
}

TEST(AdminRoutesTest, MetricsServesTheRegistryAsPrometheusText) {
  MetricRegistry registry;
  registry.AddCounter("safeshare_x_total", "x").With({}).Add(5);
  const AdminRoutes routes(nullptr, registry);
  EXPECT_TRUE(AdminRoutes::IsScrape("GET", "/metrics"));
  const auto answer = routes.Answer("GET", "/metrics");
  EXPECT_EQ(answer.status, 200);
  EXPECT_THAT(answer.content_type, ::testing::StartsWith("text/plain; version=0.0.4"));
  EXPECT_THAT(answer.body, HasSubstr("\nsafeshare_x_total 5\n"));
}

TEST(AdminRoutesTest, OtherMethodsAre405AndOtherPaths404) {
  MetricRegistry registry;
  const AdminRoutes routes(nullptr, registry);
  for (const char* method : {"POST", "PUT", "DELETE", "HEAD"}) {
    EXPECT_EQ(routes.Answer(method, "/metrics").status, 405) << method;
    EXPECT_FALSE(AdminRoutes::IsScrape(method, "/metrics")) << method;
  }
  for (const char* path : {"/", "/metrics/", "/healthz/x", "/admin", "healthz"}) {
    EXPECT_EQ(routes.Answer("GET", path).status, 404) << path;
  }
  EXPECT_EQ(routes.Answer("POST", "/nowhere").status, 404);
}

}  // namespace
}  // namespace safeshare::ops
