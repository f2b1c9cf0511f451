// Unit tests for broker/service Checkpointer over the in-memory FakeStore:
// a checkpoint after every N entries, after T seconds when the log grew, at
// start when the log grew while the broker was down, and at Stop; signed
// notes that verify; a log that no longer matches its checkpoint refused.
#include <sys/stat.h>

#include <chrono>
#include <string>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "broker/service/checkpointer.h"
#include "broker/store/fake_store.h"
#include "tests/unit/audit_signing_key.h"
#include "tests/unit/completion.h"
#include "tests/unit/temp_dir.h"

namespace safeshare::service {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr char kOrigin[] = "safeshare.test/audit";

// A fresh Ed25519 key, PEM, with `mode`.
std::filesystem::path WriteKey(const testing::TempDir& dir, mode_t mode) {
  auto file = testing::WriteEd25519Key(dir.path() / "audit-log.key");
  ::chmod(file.c_str(), mode);
  return file;
}

class CheckpointerTest : public ::testing::Test {
 protected:
  void TearDown() override { store_.Close(); }

  audit::CheckpointSigner Signer() {
    auto signer = LoadCheckpointSigner({WriteKey(dir_, 0600), kOrigin});
    EXPECT_TRUE(signer.ok()) << signer.status();
    return *std::move(signer);
  }
  void Record(int entries) {
    for (int i = 0; i < entries; ++i) {
      audit::Entry e;
      e.actor = "cfs";
      e.action = audit::Action::kPublished;
      e.detail = "entry " + std::to_string(i);
      unit::StatusCompletion done;
      store_.RecordEvent(std::move(e), done.Callback(), /*can_wait=*/false);
      ASSERT_TRUE(done.Get().ok());
    }
  }
  // A checkpoint at `size` over a root no log of that size has.
  void SaveBogusCheckpoint(uint64_t size) {
    unit::StatusCompletion saved;
    store_.SaveCheckpoint({size, audit::EmptyRoot(), "note", 1}, saved.Callback());
    ASSERT_TRUE(saved.Get().ok());
  }
  // Waits (at most 10 s) until `checkpointer` has saved a checkpoint of `size`.
  static bool SavedAt(const Checkpointer& checkpointer, uint64_t size) {
    for (int i = 0; i < 1000 && checkpointer.last_saved_size() != size; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return checkpointer.last_saved_size() == size;
  }
  // The checkpoint the store keeps at `size`, its signature checked.
  audit::TreeHead Verified(const audit::CheckpointSigner& signer, uint64_t size) const {
    auto stored = store_.ReadCheckpoint(size);
    EXPECT_TRUE(stored.ok()) << stored.status();
    if (!stored.ok()) return {};
    auto verifier = audit::CheckpointVerifier::Parse(signer.VerifierKey());
    EXPECT_TRUE(verifier.ok()) << verifier.status();
    auto head = verifier->Open(stored->note);
    EXPECT_TRUE(head.ok()) << head.status();
    EXPECT_EQ(head->origin, kOrigin);
    EXPECT_EQ(head->tree_size, size);
    EXPECT_EQ(head->root, *store_.AuditRoot(size));
    EXPECT_EQ(stored->root, head->root);
    return *head;
  }

  testing::TempDir dir_{"checkpointer"};
  ManualClock clock_;
  store::FakeStore store_{clock_};
  const CheckpointSchedule fast_{
      .every_entries = 5, .every = std::chrono::seconds(60), .poll = std::chrono::milliseconds(5)};
};

TEST_F(CheckpointerTest, SignsOnceTheLogGrewByEveryEntries) {
  auto signer = Signer();
  const auto verifier_key = signer.VerifierKey();
  Checkpointer checkpointer(store_, std::move(signer), fast_, clock_);
  ASSERT_TRUE(checkpointer.Start().ok());
  Record(4);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(checkpointer.last_saved_size(), 0u);  // 4 < 5, and no time passed
  Record(1);
  ASSERT_TRUE(SavedAt(checkpointer, 5));
  EXPECT_THAT(verifier_key, StartsWith(std::string(kOrigin) + "+"));
  EXPECT_TRUE(checkpointer.Stop().ok());
  EXPECT_EQ(store_.ReadCheckpoint(0)->tree_size, 5u);  // Stop: nothing new to sign
}

TEST_F(CheckpointerTest, SignedNoteVerifiesWithTheVerifierKey) {
  auto signer = Signer();
  auto copy = LoadCheckpointSigner({dir_.path() / "audit-log.key", kOrigin});
  ASSERT_TRUE(copy.ok());
  Checkpointer checkpointer(store_, std::move(signer), fast_, clock_);
  ASSERT_TRUE(checkpointer.Start().ok());
  Record(5);
  ASSERT_TRUE(SavedAt(checkpointer, 5));
  Verified(*copy, 5);
  EXPECT_EQ(store_.ReadCheckpoint(5)->signed_at_micros, clock_.WallMicros());
}

TEST_F(CheckpointerTest, SignsAfterEverySecondsOnlyWhenTheLogGrew) {
  Checkpointer checkpointer(store_, Signer(), fast_, clock_);
  ASSERT_TRUE(checkpointer.Start().ok());
  clock_.Advance(std::chrono::seconds(61));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(checkpointer.last_saved_size(), 0u);  // time passed, but nothing to sign
  EXPECT_EQ(store_.ReadCheckpoint(0).status().code(), absl::StatusCode::kNotFound);
  // One entry at a time: a poll between two would sign the first alone.
  Record(1);
  ASSERT_TRUE(SavedAt(checkpointer, 1));  // already due by time
  Record(1);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(checkpointer.last_saved_size(), 1u);  // the period starts again
  clock_.Advance(std::chrono::seconds(61));
  ASSERT_TRUE(SavedAt(checkpointer, 2));
}

TEST_F(CheckpointerTest, StopSignsTheLastEntries) {
  Checkpointer checkpointer(store_, Signer(), fast_, clock_);
  ASSERT_TRUE(checkpointer.Start().ok());
  Record(2);
  ASSERT_TRUE(checkpointer.Stop().ok());
  EXPECT_EQ(checkpointer.last_saved_size(), 2u);
  EXPECT_EQ(store_.ReadCheckpoint(0)->tree_size, 2u);
  EXPECT_TRUE(checkpointer.Stop().ok());  // idempotent
}

TEST_F(CheckpointerTest, StartSignsALogThatGrewWhileTheBrokerWasDown) {
  Record(3);
  Checkpointer checkpointer(store_, Signer(), fast_, clock_);
  ASSERT_TRUE(checkpointer.Start().ok());
  ASSERT_TRUE(SavedAt(checkpointer, 3));
}

TEST_F(CheckpointerTest, ALogThatNoLongerMatchesItsCheckpointIsRefused) {
  Record(3);
  // A checkpoint whose root is not the log's: the log was rewritten since.
  SaveBogusCheckpoint(2);
  Checkpointer checkpointer(store_, Signer(), fast_, clock_);
  const auto started = checkpointer.Start();
  EXPECT_EQ(started.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(started.message()), HasSubstr("first 2 entries no longer hash"));
}

TEST_F(CheckpointerTest, ALogShorterThanItsCheckpointIsRefused) {
  Record(1);
  SaveBogusCheckpoint(4);
  Checkpointer checkpointer(store_, Signer(), fast_, clock_);
  const auto started = checkpointer.Start();
  EXPECT_EQ(started.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(started.message()), HasSubstr("holds 1 entries"));
}

TEST_F(CheckpointerTest, SigningKeyReadableByOthersIsRefused) {
  const auto file = WriteKey(dir_, 0644);
  const auto signer = LoadCheckpointSigner({file, kOrigin});
  EXPECT_EQ(signer.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(signer.status().message(), "audit.signing_key " + file.string() +
                                           ": group or others may read or write it (mode "
                                           "0644); run `chmod 600 " +
                                           file.string() + "`");
  const auto missing = LoadCheckpointSigner({dir_.path() / "none.key", kOrigin});
  EXPECT_THAT(std::string(missing.status().message()), HasSubstr("no such file"));
  EXPECT_THAT(std::string(missing.status().message()), HasSubstr("openssl genpkey"));
}

}  // namespace
}  // namespace safeshare::service
