#pragma once

// The fixtures of the `safeshare audit verify` tests: logs and checkpoints
// made with the broker's own audit code and an Ed25519 key from `openssl
// genpkey`, and the real command run on them.
#include <sqlite3.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <sstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "broker/audit/chain.h"
#include "broker/audit/checkpoint.h"
#include "broker/audit/entry_proto.h"
#include "broker/store/audit_log_reader.h"
#include "broker/store/sql_store.h"
#include "tests/unit/sample_audit_entries.h"

namespace safeshare::testing {

namespace fs = std::filesystem;
using audit::Entry;
using ::testing::HasSubstr;

constexpr char kOrigin[] = "safeshare.test/audit";

// The hint verify adds to missing entries in a whole-export verify.
constexpr char kUseFiltered[] =
    ". If the file is a filtered export (made with --case, --agency, --notification, --person, "
    "--action, --from or --to), verify it with --filtered";

struct Result {
  int exit_code = -1;
  std::string out;  // stdout and stderr
};

inline std::string ReadText(const fs::path& file) {
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Runs a shell command line; its exit code and output.
inline Result RunShell(const std::string& command, const fs::path& output) {
  const int status = std::system((command + " >" + output.string() + " 2>&1").c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, ReadText(output)};
}

inline void WriteJsonLines(const std::vector<Entry>& entries, const fs::path& file) {
  std::ofstream out(file);
  for (const auto& entry : entries) out << audit::ToJsonLine(audit::ToProto(entry)) << '\n';
}

class AuditVerifyCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) /
           ("audit_verify_" +
            std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "saved");
    const auto key = dir_ / "audit-log.key";
    ASSERT_EQ(
        RunShell("openssl genpkey -algorithm ed25519 -out " + key.string(), dir_ / "openssl.out")
            .exit_code,
        0);
    auto signer = audit::CheckpointSigner::Load(key, kOrigin);
    ASSERT_TRUE(signer.ok()) << signer.status();
    signer_.emplace(std::move(*signer));
    std::ofstream(dir_ / "verifier.key") << signer_->VerifierKey() << '\n';
  }
  void TearDown() override { fs::remove_all(dir_); }

  // What `audit checkpoint --save` keeps: the signed note at `size` and the
  // entries since the checkpoint before (`from`).
  void SaveCheckpoint(const std::vector<Entry>& log, uint64_t from, uint64_t size) {
    audit::MerkleTree tree;
    for (uint64_t i = 0; i < size; ++i) tree.Append(audit::EntryLeafHash(log[i]));
    std::ofstream(dir_ / "saved" / ("checkpoint-" + std::to_string(size) + ".txt"))
        << signer_->Sign(size, *tree.Root(size));
    WriteJsonLines({log.begin() + static_cast<std::ptrdiff_t>(from - 1),
                    log.begin() + static_cast<std::ptrdiff_t>(size)},
                   dir_ / "saved" /
                       ("entries-" + std::to_string(from) + "-" + std::to_string(size) + ".jsonl"));
  }

  // `safeshare audit verify` on `log` as an export, with checkpoints of the
  // original log at 50 and 100 entries.
  Result VerifyExport(const std::vector<Entry>& log) {
    WriteJsonLines(log, dir_ / "export.jsonl");
    return Verify("--export " + (dir_ / "export.jsonl").string());
  }
  Result Verify(const std::string& source) {
    return RunShell(std::string(SAFESHARE_CLI_BINARY) + " audit verify --checkpoints " +
                        (dir_ / "saved").string() + " --key " + (dir_ / "verifier.key").string() +
                        " " + source,
                    dir_ / "verify.out");
  }

  fs::path dir_;
  std::optional<audit::CheckpointSigner> signer_;
};

// A log of 120 publish decisions with checkpoints saved at 50 and 100.
class ExportTest : public AuditVerifyCliTest {
 protected:
  void SetUp() override {
    AuditVerifyCliTest::SetUp();
    SaveCheckpoint(original_, 1, 50);
    SaveCheckpoint(original_, 51, 100);
  }
  // The export of `log` does not verify, for `problem`.
  void ExpectNotVerified(const std::vector<Entry>& log, const std::string& problem) {
    const auto r = VerifyExport(log);
    EXPECT_EQ(r.exit_code, 4);
    EXPECT_EQ(r.out, "NOT VERIFIED: " + problem + "\n");
  }
  const std::vector<Entry> original_ = audit::samples::Log(120);
};

}  // namespace safeshare::testing
