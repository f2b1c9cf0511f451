#pragma once

#include <chrono>
#include <cstddef>

#include "absl/status/status.h"
#include "broker/core/metric_registry.h"

namespace safeshare {

// The broker's own metrics, recorded by the modules that see each event and
// served by the admin listener (broker/ops/README.md lists them with their
// labels). One per process, like the module loggers: the modules record
// without being handed it, and a family's series are looked up once per
// event (or kept, where the labels are fixed for a stream's life).
//
// Label values are bounded: agencies are the configured ones (a call is
// counted only once its certificate names one), notification types are the
// `payload` oneof's field names, codes are gRPC's or Abseil's status code
// names. Families cap their series anyway (Family::kMaxSeries).
struct BrokerMetrics {
  BrokerMetrics();

  MetricRegistry registry;
  CounterFamily& publishes;             // agency, type: accepted (duplicates too)
  CounterFamily& publish_refusals;      // agency, type, code
  CounterFamily& deliveries;            // agency: handed to a Subscribe stream
  CounterFamily& acknowledgements;      // agency: deliveries newly acknowledged
  GaugeFamily& open_streams;            // agency: Subscribe streams open
  HistogramFamily& commit_batch_size;   // write operations per store commit
  HistogramFamily& commit_seconds;      // time to apply and commit a batch
  CounterFamily& store_errors;          // code: failed store commits
  CounterFamily& certificate_refusals;  // stage: handshake, call, open_stream
};

// The process's metrics; constructed on first use, never destroyed (threads
// may record while the process exits).
BrokerMetrics& Metrics();

// Records one store commit attempt (GroupCommit::Options::on_batch): its
// size and latency, and a store error when `code` is not OK.
void RecordCommitBatch(size_t ops, std::chrono::microseconds took, absl::StatusCode code);

}  // namespace safeshare
