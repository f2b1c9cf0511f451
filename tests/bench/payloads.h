#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "safeshare/v1/broker.pb.h"

namespace safeshare::bench {

// Serialized size the bench aims at for `type`: about 1 KiB for
// investigation_outcome and probation_risk_update, 2 KiB for strategy_minutes.
size_t TargetBytes(const std::string& type);

// A notification of `type` that passes every rule of broker/schema (the
// content of config/examples/, with free text padded so that, once stamped,
// it serializes to at least TargetBytes(type)). `run_prefix` is only used to
// size the idempotency key. REQUIRES: type is one of the three flow types.
v1::Notification PayloadTemplate(const std::string& type, const std::string& run_prefix);

// Makes `n` a fresh publish: idempotency key `<run_prefix><agency>-<counter>`
// (fixed width, unique per publish), one of 1000 case references, and
// created_at = now with nanosecond precision (the subscriber's latency clock).
void Stamp(v1::Notification& n, const std::string& run_prefix, const std::string& agency,
           uint64_t counter);

// A run prefix unique to this process and moment: "bench-<8 hex>-".
std::string NewRunPrefix();

}  // namespace safeshare::bench
