#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "broker/core/metric_registry.h"

namespace safeshare::ops {

// "" when the broker is ready to serve, else why it is not (e.g. "store:
// failed ..."). Called on the admin listener's thread at each /readyz: it
// must be quick and must not block on the network or the disk.
using ReadinessCheck = std::function<std::string()>;

// Ready when every check is; otherwise the reasons of those that are not,
// one per line.
ReadinessCheck AllOf(std::vector<ReadinessCheck> checks);

// What the admin listener answers.
struct AdminAnswer {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

// The admin endpoints, without the HTTP plumbing: GET /healthz, /readyz,
// /metrics (a query string is ignored); any other method 405, any other
// path 404. /metrics collects the registry, which may read the store, so
// the listener runs it off its I/O thread. `readiness` and `metrics` must
// outlive this.
class AdminRoutes {
 public:
  AdminRoutes(ReadinessCheck readiness, const MetricRegistry& metrics)
      : readiness_(std::move(readiness)), metrics_(metrics) {}

  // True for a request Answer may block on (a scrape).
  static bool IsScrape(std::string_view method, std::string_view target);
  AdminAnswer Answer(std::string_view method, std::string_view target) const;

 private:
  ReadinessCheck readiness_;
  const MetricRegistry& metrics_;
};

}  // namespace safeshare::ops
