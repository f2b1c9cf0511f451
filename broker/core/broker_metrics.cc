#include "broker/core/broker_metrics.h"

namespace safeshare {

BrokerMetrics::BrokerMetrics()
    : publishes(registry.AddCounter("safeshare_publishes_total",
                                    "Notifications accepted (stored, or an idempotent repeat).",
                                    {"agency", "type"})),
      publish_refusals(registry.AddCounter("safeshare_publish_refusals_total",
                                           "Publishes refused, by the gRPC code answered.",
                                           {"agency", "type", "code"})),
      deliveries(registry.AddCounter("safeshare_deliveries_total",
                                     "Deliveries handed to Subscribe streams (redeliveries too).",
                                     {"agency"})),
      acknowledgements(registry.AddCounter("safeshare_acknowledgements_total",
                                           "Deliveries newly acknowledged by their recipient.",
                                           {"agency"})),
      open_streams(registry.AddGauge("safeshare_subscribe_streams_open",
                                     "Subscribe streams open now.", {"agency"})),
      commit_batch_size(registry.AddHistogram("safeshare_store_commit_batch_size",
                                              "Write operations committed together.",
                                              {1, 2, 4, 8, 16, 32, 64, 128, 256, 512})),
      commit_seconds(registry.AddHistogram(
          "safeshare_store_commit_seconds",
          "Time to apply a batch of writes and commit it durably (sync included).",
          {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5})),
      store_errors(registry.AddCounter("safeshare_store_errors_total",
                                       "Store commits that failed (nothing in them was stored).",
                                       {"code"})),
      certificate_refusals(registry.AddCounter(
          "safeshare_certificate_refusals_total",
          "Client certificates the broker's own checks refused: at the TLS handshake, at a call, "
          "or ending an open stream.",
          {"stage"})) {
  // Unlabelled: exposed (at zero) before the first commit.
  commit_batch_size.With({});
  commit_seconds.With({});
}

BrokerMetrics& Metrics() {
  static auto* metrics = new BrokerMetrics();  // never destroyed: see the header
  return *metrics;
}

void RecordCommitBatch(size_t ops, std::chrono::microseconds took, absl::StatusCode code) {
  static auto& batch_size = Metrics().commit_batch_size.With({});
  static auto& seconds = Metrics().commit_seconds.With({});
  batch_size.Observe(static_cast<double>(ops));
  seconds.Observe(std::chrono::duration<double>(took).count());
  if (code != absl::StatusCode::kOk) {
    Metrics().store_errors.With({absl::StatusCodeToString(code)}).Add();
  }
}

}  // namespace safeshare
