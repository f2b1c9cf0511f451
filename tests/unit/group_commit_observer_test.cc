// Unit test for GroupCommit::Options::on_batch, the hook the broker's
// metrics use: each batch is reported once, with its size, a latency and
// the code of the error that failed it (OK when it committed).
#include <stdlib.h>

#include <filesystem>
#include <future>
#include <memory>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>

#include "absl/synchronization/mutex.h"
#include "broker/store/group_commit.h"
#include "broker/store/sqlite_database.h"

namespace safeshare::store {
namespace {

TEST(GroupCommitObserverTest, EachBatchIsReportedWithItsSizeLatencyAndErrorCode) {
  std::string dir = (std::filesystem::path(::testing::TempDir()) / "observer-XXXXXX").string();
  ASSERT_NE(mkdtemp(dir.data()), nullptr);
  auto writer =
      Writer::Open(std::make_shared<SqliteDatabase>(std::filesystem::path(dir) / "store.db"));
  ASSERT_TRUE(writer.ok()) << writer.status();

  absl::Mutex mu;
  std::vector<std::tuple<size_t, std::chrono::microseconds, absl::StatusCode>> seen;
  GroupCommit::Options options;
  options.on_batch = [&](size_t ops, std::chrono::microseconds took, absl::StatusCode code) {
    absl::MutexLock lock(&mu);
    seen.emplace_back(ops, took, code);
  };
  GroupCommit commits(*std::move(writer), SystemClock(), options, nullptr, nullptr);
  // One op at a time, each its own batch: one that commits, then one that a
  // full disk fails (the whole batch; the op is told the client's words).
  const auto submit = [&](const absl::Status& outcome) {
    std::promise<absl::Status> done;
    commits.Submit({[outcome](Writer&) { return outcome; },
                    [&done](absl::Status status) { done.set_value(std::move(status)); }});
    return done.get_future().get();
  };
  EXPECT_TRUE(submit(absl::OkStatus()).ok());
  EXPECT_TRUE(absl::IsResourceExhausted(submit(absl::ResourceExhaustedError("disk full"))));
  commits.Close();

  absl::MutexLock lock(&mu);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(std::get<0>(seen[0]), 1u);
  EXPECT_GE(std::get<1>(seen[0]).count(), 0);
  EXPECT_EQ(std::get<2>(seen[0]), absl::StatusCode::kOk);
  EXPECT_EQ(std::get<0>(seen[1]), 1u);
  EXPECT_EQ(std::get<2>(seen[1]), absl::StatusCode::kResourceExhausted);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace safeshare::store
