// Unit tests of the client's reconnect policy: full-jitter delays that grow
// by doubling up to the cap, the draw's range, the first attempt again after
// a reset, and which ends of a stream are worth a reconnect.
#include <chrono>

#include <gtest/gtest.h>

#include "client/src/backoff.h"

namespace safeshare::client {
namespace {

using std::chrono::milliseconds;

TEST(BackoffTest, TheCeilingDoublesFromTheBaseUpToTheCap) {
  const Backoff policy;  // 250 ms, capped at 30 s
  EXPECT_EQ(BackoffDelay(policy, 0, 1.0), milliseconds(250));
  EXPECT_EQ(BackoffDelay(policy, 1, 1.0), milliseconds(500));
  EXPECT_EQ(BackoffDelay(policy, 2, 1.0), milliseconds(1000));
  EXPECT_EQ(BackoffDelay(policy, 6, 1.0), milliseconds(16000));
  EXPECT_EQ(BackoffDelay(policy, 7, 1.0), milliseconds(30000));               // 32 s, capped
  EXPECT_EQ(BackoffDelay(policy, 4'000'000'000u, 1.0), milliseconds(30000));  // no overflow
}

TEST(BackoffTest, FullJitterDrawsAnywhereFromZeroToTheCeiling) {
  const Backoff policy{milliseconds(100), milliseconds(1000), 0};
  EXPECT_EQ(BackoffDelay(policy, 3, 0.0), milliseconds(0));
  EXPECT_EQ(BackoffDelay(policy, 3, 0.5), milliseconds(400));   // half of 800
  EXPECT_EQ(BackoffDelay(policy, 9, 0.25), milliseconds(250));  // a quarter of the cap
  for (double draw : {-1.0, 0.1, 0.99, 2.0}) {                  // out-of-range draws are clamped
    const auto delay = BackoffDelay(policy, 2, draw);
    EXPECT_GE(delay, milliseconds(0)) << draw;
    EXPECT_LE(delay, milliseconds(400)) << draw;
  }
}

TEST(BackoffTest, AResetAttemptCountStartsAgainAtTheBase) {
  const Backoff policy;
  EXPECT_EQ(BackoffDelay(policy, 10, 1.0), milliseconds(30000));
  EXPECT_EQ(BackoffDelay(policy, 0, 1.0), policy.base);  // attempt 0 after a healthy stream
}

TEST(BackoffTest, ReconnectsOnlyWhereRetryingCanHelp) {
  for (auto code :
       {absl::StatusCode::kUnavailable, absl::StatusCode::kCancelled, absl::StatusCode::kAborted,
        absl::StatusCode::kInternal, absl::StatusCode::kResourceExhausted}) {
    EXPECT_TRUE(ReconnectAfter(code)) << absl::StatusCodeToString(code);
  }
  for (auto code : {absl::StatusCode::kInvalidArgument, absl::StatusCode::kNotFound,
                    absl::StatusCode::kPermissionDenied, absl::StatusCode::kUnauthenticated,
                    absl::StatusCode::kFailedPrecondition, absl::StatusCode::kDeadlineExceeded,
                    absl::StatusCode::kOk}) {
    EXPECT_FALSE(ReconnectAfter(code)) << absl::StatusCodeToString(code);
  }
}

}  // namespace
}  // namespace safeshare::client
