// An export of 100,000 audit entries streams through the real broker in
// bounded memory. The store is built beforehand with the store API in this
// process (publishing 100,000 notifications would take minutes), then the
// broker is started on it and the JSON-lines export read through gRPC.
//
// The bound: the broker's peak resident memory (VmHWM, reset just before the
// export through /proc/PID/clear_refs) may grow by at most 64 MiB while it
// streams an export of more than 64 MiB, so the export cannot have been held
// in memory. In practice it grows by a few MiB: one page of entries (256)
// and one piece (64 KiB) in flight per stream.
#include <google/protobuf/util/json_util.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "broker/core/sha256.h"
#include "broker/store/sql_store.h"
#include "tests/integration/audit_checks.h"
#include "tests/support/test_data_keys.h"

namespace safeshare::testing {
namespace {

constexpr int kEntries = 100'000;
constexpr int64_t kBoundBytes = int64_t{64} << 20;

// One field of /proc/PID/status, in bytes ("VmHWM", "VmRSS").
int64_t ProcStatus(pid_t pid, const std::string& field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(field + ":", 0) == 0) return std::stoll(line.substr(field.size() + 1)) * 1024;
  }
  ADD_FAILURE() << "no " << field << " for " << pid;
  return -1;
}

// A routing decision as the broker audits one: two recipients, content hashes, a person hash.
audit::Entry Decision(int i) {
  const std::string n = std::to_string(i);
  audit::Entry e;
  e.actor = "cfs";
  e.action = audit::Action::kPublished;
  char id[40];
  std::snprintf(id, sizeof id, "0190f3c2-7a1b-7c3d-9e4f-%012d", i);
  e.notification_id = id;
  e.case_ref = "CASE-BULK-" + std::to_string(i % 1000);
  e.detail = "strategy_minutes sequence " + n + "; policy 2026-11-30.0f3a9c";
  e.content_hash = Sha256Hex("body " + n);
  e.person_hashes = {Sha256Hex("person " + std::to_string(i % 5000))};
  for (const char* agency : {"police", "health"}) {
    audit::Line line;
    line.outcome = audit::Action::kRouted;
    line.agency = agency;
    line.notification_id = e.notification_id;
    line.case_ref = e.case_ref;
    line.sequence = i + 1;
    line.agreement = "ISA-SM-01 v2";
    line.rule = "SM-R1";
    line.purpose = "strategy_discussion";
    line.lawful_basis = "public_task_safeguarding";
    line.content_hash = Sha256Hex(std::string(agency) + " view " + n);
    line.detail = "withheld: strategy_minutes.decisions.rationale";
    e.lines.push_back(std::move(line));
  }
  return e;
}

// Writes kEntries entries into a new store at `path` with the store API,
// a few thousand in flight at a time (the store's queue is bounded).
void BuildStore(const std::string& path) {
  auto store = store::SqlStore::OpenSqlite(path, TestDataKeys());
  ASSERT_TRUE(store.ok()) << store.status();
  absl::Mutex mu;
  int in_flight = 0;
  std::atomic<int> failed{0};
  for (int i = 0; i < kEntries; ++i) {
    {
      absl::MutexLock lock(&mu);
      mu.Await(absl::Condition(
          +[](int* n) { return *n < 4000; }, &in_flight));
      ++in_flight;
    }
    (*store)->RecordEvent(
        Decision(i),
        [&](const absl::Status& st) {
          if (!st.ok()) ++failed;
          absl::MutexLock lock(&mu);
          --in_flight;
        },
        /*can_wait=*/true);
  }
  {
    absl::MutexLock lock(&mu);
    mu.Await(absl::Condition(
        +[](int* n) { return *n == 0; }, &in_flight));
  }
  (*store)->Close();
  ASSERT_EQ(failed.load(), 0);
}

TEST(AuditExportMemoryTest, HundredThousandEntriesStreamInBoundedMemory) {
  const std::string dir = MakeTempDir("safeshare-audit-export");
  ASSERT_NO_FATAL_FAILURE(BuildStore(dir + "/store.db"));
  BrokerProcess broker(dir);
  auto ig = AuditStub(broker, "ig");

  const pid_t pid = broker.pid();
  // Forget the start-up peak (reading the log into the Merkle tree), so the
  // peak measured is the export's.
  std::ofstream("/proc/" + std::to_string(pid) + "/clear_refs") << "5";
  const int64_t before = ProcStatus(pid, "VmHWM");
  ASSERT_LE(before, ProcStatus(pid, "VmRSS") + (1 << 20)) << "the peak was not reset";
  std::atomic<bool> exporting{true};
  std::atomic<int64_t> sampled_peak{0};
  std::thread sampler([&] {
    while (exporting) {
      sampled_peak = std::max(sampled_peak.load(), ProcStatus(pid, "VmRSS"));
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });

  grpc::ClientContext context;
  v1::ExportAuditRequest request;
  request.set_format(v1::EXPORT_FORMAT_JSONL);
  auto reader = ig->Export(&context, request);
  v1::ExportChunk chunk;
  int64_t bytes = 0;
  uint64_t entries = 0, lines = 0, chunks = 0;
  bool parsed = true;  // every line so far is an entry, in index order
  while (reader->Read(&chunk)) {
    ++chunks;
    bytes += static_cast<int64_t>(chunk.data().size());
    entries += chunk.entries();
    EXPECT_EQ(chunk.data().back(), '\n');  // pieces end at a line boundary
    std::istringstream text(chunk.data());
    for (std::string line; std::getline(text, line) && parsed;) {
      v1::AuditEntry e;
      parsed = google::protobuf::util::JsonStringToMessage(line, &e).ok() && e.index() == ++lines;
      EXPECT_TRUE(parsed) << "line " << lines << ": " << line;
    }
  }
  const auto status = reader->Finish();
  exporting = false;
  sampler.join();
  ASSERT_TRUE(status.ok()) << status.error_message();
  const int64_t after = ProcStatus(pid, "VmHWM");

  EXPECT_EQ(entries, static_cast<uint64_t>(kEntries));
  EXPECT_EQ(lines, static_cast<uint64_t>(kEntries));
  EXPECT_GT(chunks, 100u);
  EXPECT_GT(bytes, kBoundBytes) << "the export must be larger than the bound for it to mean much";
  std::printf(
      "export: %lld bytes in %llu pieces; broker peak RSS %lld -> %lld KiB (+%lld KiB), "
      "sampled RSS peak %lld KiB\n",
      static_cast<long long>(bytes), static_cast<unsigned long long>(chunks),
      static_cast<long long>(before >> 10), static_cast<long long>(after >> 10),
      static_cast<long long>((after - before) >> 10),
      static_cast<long long>(sampled_peak.load() >> 10));
  EXPECT_LT(after - before, kBoundBytes);
  EXPECT_LT(sampled_peak.load() - before, kBoundBytes);
}

}  // namespace
}  // namespace safeshare::testing
