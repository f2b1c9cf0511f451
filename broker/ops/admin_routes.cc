#include "broker/ops/admin_routes.h"

#include "broker/core/prometheus_text.h"

namespace safeshare::ops {
namespace {

std::string_view PathOf(std::string_view target) { return target.substr(0, target.find('?')); }

AdminAnswer Text(int status, std::string body) {
  return {status, "text/plain; charset=utf-8", std::move(body) + "\n"};
}

}  // namespace

ReadinessCheck AllOf(std::vector<ReadinessCheck> checks) {
  return [checks = std::move(checks)] {
    std::string reasons;
    for (const auto& check : checks) {
      std::string reason = check ? check() : std::string();
      if (reason.empty()) continue;
      if (!reasons.empty()) reasons += "\n";
      reasons += reason;
    }
    return reasons;
  };
}

bool AdminRoutes::IsScrape(std::string_view method, std::string_view target) {
  return method == "GET" && PathOf(target) == "/metrics";
}

AdminAnswer AdminRoutes::Answer(std::string_view method, std::string_view target) const {
  const std::string_view path = PathOf(target);
  if (path != "/healthz" && path != "/readyz" && path != "/metrics") {
    return Text(404, "not found: the admin listener serves /healthz, /readyz and /metrics");
  }
  if (method != "GET") return Text(405, "method not allowed: only GET");
  if (path == "/healthz") return Text(200, "ok");
  if (path == "/readyz") {
    std::string reason = readiness_ ? readiness_() : std::string();
    return reason.empty() ? Text(200, "ready") : Text(503, "not ready: " + reason);
  }
  return {200, std::string(kPrometheusTextType), PrometheusText(metrics_.Collect())};
}

}  // namespace safeshare::ops
