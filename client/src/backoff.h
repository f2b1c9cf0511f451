#ifndef SAFESHARE_CLIENT_SRC_BACKOFF_H_
#define SAFESHARE_CLIENT_SRC_BACKOFF_H_

#include <chrono>
#include <cstdint>

#include "absl/status/status.h"
#include "safeshare/client/client.h"

namespace safeshare::client {

// The pause before reconnect attempt `attempt` (0 first): `uniform01` (in
// [0, 1), the caller's random draw) times min(policy.cap, policy.base *
// 2^attempt). Pure, so tests give the draw.
std::chrono::milliseconds BackoffDelay(const Backoff& policy, uint32_t attempt, double uniform01);

// Whether a stream that ended with `code` is worth opening again: the
// broker or network failed, the subscription was reset, or the stream was
// cancelled by someone other than this client. Never for a request the
// broker refused as it stands (INVALID_ARGUMENT, NOT_FOUND,
// PERMISSION_DENIED, UNAUTHENTICATED, FAILED_PRECONDITION, ...).
bool ReconnectAfter(absl::StatusCode code);

}  // namespace safeshare::client

#endif  // SAFESHARE_CLIENT_SRC_BACKOFF_H_
