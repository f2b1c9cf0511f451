// Unit tests for broker/service AuditService and AuditExport over the
// in-memory FakeStore: IG only (others refused, the refusal audited), every
// call served audited, filters, paging, exports in bounded pieces (JSON
// lines that parse back, CSV quoted per RFC 4180), checkpoints and proofs.
#include <google/protobuf/util/json_util.h>

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "broker/audit/merkle.h"
#include "broker/service/audit_service.h"
#include "broker/store/fake_store.h"
#include "tests/unit/completion.h"
#include "tests/unit/test_partnership.h"

namespace safeshare::service {
namespace {

using ::safeshare::unit::Completion;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::SizeIs;
using ::testing::StartsWith;

const identity::Caller kIg{AgencyId("ig"), "information_governance"};
const identity::Caller kPolice{AgencyId("police"), "police"};
constexpr char kScheme[] = "IDENTIFIER_SCHEME_NHS_NUMBER";
constexpr char kNhsNumber[] = "943 476 5919";

class AuditServiceTest : public ::testing::Test {
 protected:
  void TearDown() override { store_.Close(); }

  // Appends an entry as the broker's own writes would, and waits for it.
  void Record(audit::Entry entry) {
    unit::StatusCompletion done;
    store_.RecordEvent(std::move(entry), done.Callback(), /*can_wait=*/false);
    ASSERT_TRUE(done.Get().ok());
  }
  void RecordPublished(const std::string& case_ref, const std::string& actor,
                       std::vector<std::string> persons = {}) {
    audit::Entry e;
    e.actor = actor;
    e.action = audit::Action::kPublished;
    e.case_ref = case_ref;
    e.notification_id = "n-" + std::to_string(++published_);
    e.detail = "strategy_minutes sequence " + std::to_string(published_);
    e.person_hashes = std::move(persons);
    audit::Line line;
    line.outcome = audit::Action::kRouted;
    line.agency = "health";
    line.notification_id = e.notification_id;
    line.case_ref = case_ref;
    line.rule = "ISA-03";
    e.lines.push_back(line);
    Record(std::move(e));
  }
  std::vector<audit::Entry> Log(audit::Action action) const {
    auto all = store_.ReadAudit(0, 1'000'000);
    EXPECT_TRUE(all.ok());
    std::vector<audit::Entry> out;
    for (auto& e : *all) {
      if (e.action == action) out.push_back(std::move(e));
    }
    return out;
  }
  absl::StatusOr<AuditPage> Query(const identity::Caller& caller, const AuditFilter& filter,
                                  int64_t after = 0, uint32_t limit = 0) {
    Completion<AuditPage> done;
    service_.Query(caller, filter, after, limit, done.Callback());
    return done.Get();
  }
  absl::StatusOr<std::unique_ptr<AuditExport>> Export(const identity::Caller& caller,
                                                      ExportFormat format,
                                                      const AuditFilter& filter = {}) {
    Completion<std::unique_ptr<AuditExport>> done;
    service_.StartExport(caller, filter, format, done.Callback());
    return done.Get();
  }
  void SaveCheckpoint(uint64_t size) {
    unit::StatusCompletion done;
    store_.SaveCheckpoint({size, *store_.AuditRoot(size), "note " + std::to_string(size), 1},
                          done.Callback());
    ASSERT_TRUE(done.Get().ok());
  }

  store::FakeStore store_;
  const PersonKey key_ = unit::TestPersonKey();
  routing::PolicyHolder policy_{std::make_shared<const policy::Policy>(
      policy::AgreementSet{}, std::vector<config::Agency>{}, std::vector<std::string>{})};
  const policy::WorkingCalendar calendar_{config::CalendarConfig{}};
  AuditService service_{store_, key_, "safeshare.test/audit+01020304+AQ==", policy_, calendar_};
  int published_ = 0;
};

TEST_F(AuditServiceTest, EveryCallOfAnotherRoleIsRefusedAndTheRefusalAudited) {
  RecordPublished("CASE-1", "cfs");
  std::vector<absl::Status> refusals;
  {
    Completion<AuditPage> done;
    service_.Query(kPolice, {}, 0, 0, done.Callback());
    refusals.push_back(done.Get().status());
  }
  refusals.push_back(Export(kPolice, ExportFormat::kJsonLines).status());
  {
    Completion<CheckpointAnswer> done;
    service_.GetCheckpoint(kPolice, 0, done.Callback());
    refusals.push_back(done.Get().status());
  }
  {
    Completion<InclusionAnswer> done;
    service_.GetInclusionProof(kPolice, 1, 1, done.Callback());
    refusals.push_back(done.Get().status());
  }
  {
    Completion<ConsistencyAnswer> done;
    service_.GetConsistencyProof(kPolice, 1, 1, done.Callback());
    refusals.push_back(done.Get().status());
  }
  {
    Completion<UnacknowledgedPage> done;
    service_.ListUnacknowledged(kPolice, {}, done.Callback());
    refusals.push_back(done.Get().status());
  }
  for (const auto& status : refusals) {
    EXPECT_EQ(status.code(), absl::StatusCode::kPermissionDenied) << status;
    EXPECT_THAT(std::string(status.message()), HasSubstr("information_governance"));
    EXPECT_THAT(std::string(status.message()), HasSubstr("role 'police'"));
  }
  const auto entries = Log(audit::Action::kAccessRefused);
  ASSERT_THAT(entries, SizeIs(6));
  std::vector<std::string> calls;
  for (const auto& e : entries) {
    EXPECT_EQ(e.actor, "police");
    calls.push_back(e.detail.substr(0, e.detail.find(':')));
  }
  EXPECT_THAT(calls, ::testing::ElementsAre("Audit.Query", "Audit.Export", "Audit.GetCheckpoint",
                                            "Audit.GetInclusionProof", "Audit.GetConsistencyProof",
                                            "Audit.ListUnacknowledged"));
  EXPECT_THAT(Log(audit::Action::kAuditRead), SizeIs(0));  // nothing was served
}

TEST_F(AuditServiceTest, QueryByCaseIsServedThenAuditedAsRead) {
  RecordPublished("CASE-1", "cfs");
  RecordPublished("CASE-2", "police");
  RecordPublished("CASE-1", "police");
  AuditFilter filter;
  filter.case_ref = "CASE-1";
  auto page = Query(kIg, filter);
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_THAT(page->entries, SizeIs(2));
  EXPECT_EQ(page->entries[0].index(), 1u);
  EXPECT_EQ(page->entries[1].index(), 3u);
  EXPECT_EQ(page->entries[1].lines(0).agency(), "health");
  EXPECT_EQ(page->next_after_id, 0);
  EXPECT_EQ(page->tree_size, 3u);  // before its own audit_read entry
  const auto reads = Log(audit::Action::kAuditRead);
  ASSERT_THAT(reads, SizeIs(1));
  EXPECT_EQ(reads[0].actor, "ig");
  EXPECT_EQ(reads[0].detail, "Audit.Query case_ref=CASE-1 after_index=0 limit=100");
  EXPECT_EQ(reads[0].case_ref, "");  // the read is not itself an entry of the case
}

TEST_F(AuditServiceTest, PersonIsSearchedByItsKeyedHashAndNeverRecorded) {
  const std::string hash = key_.Hash(kScheme, kNhsNumber);
  RecordPublished("CASE-1", "cfs", {hash});
  RecordPublished("CASE-2", "cfs", {key_.Hash(kScheme, "401 023 2137")});
  AuditFilter filter;
  filter.person.emplace(kScheme, "9434765919");  // written without spaces: the same person
  auto page = Query(kIg, filter);
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_THAT(page->entries, SizeIs(1));
  EXPECT_EQ(page->entries[0].case_ref(), "CASE-1");
  const auto reads = Log(audit::Action::kAuditRead);
  ASSERT_THAT(reads, SizeIs(1));
  EXPECT_THAT(reads[0].detail, HasSubstr("person_hash=" + hash));
  EXPECT_THAT(reads[0].detail, Not(HasSubstr("9434765919")));
  EXPECT_THAT(reads[0].person_hashes, SizeIs(0));

  filter.person.emplace(kScheme, "  ");
  EXPECT_THAT(std::string(Query(kIg, filter).status().message()), StartsWith("filter.person:"));
}

TEST_F(AuditServiceTest, QueryPagesAndBoundsItsLimit) {
  for (int i = 0; i < 150; ++i) RecordPublished("CASE-P", "cfs");
  auto first = Query(kIg, {});  // limit 0: 100
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_THAT(first->entries, SizeIs(100));
  EXPECT_EQ(first->next_after_id, 100);
  auto second = Query(kIg, {}, first->next_after_id, 100);
  ASSERT_TRUE(second.ok());
  // The 50 entries left, and the first page's audit_read entry.
  ASSERT_THAT(second->entries, SizeIs(51));
  EXPECT_EQ(second->entries.back().action(), "audit_read");
  EXPECT_EQ(second->next_after_id, 0);

  const auto too_many = Query(kIg, {}, 0, 1001);
  EXPECT_EQ(too_many.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(too_many.status().message()), StartsWith("limit: at most 1000"));
}

TEST_F(AuditServiceTest, FilterMistakesNameTheField) {
  AuditFilter unknown;
  unknown.actions = {"published", "shared"};
  const auto status = Query(kIg, unknown).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()),
              StartsWith("filter.actions[1]: unknown action 'shared'; give one of published,"));
  EXPECT_THAT(std::string(status.message()), HasSubstr("access_refused, audit_read"));

  AuditFilter backwards;
  backwards.from_micros = 2'000;
  backwards.to_micros = 1'000;
  EXPECT_THAT(std::string(Query(kIg, backwards).status().message()), StartsWith("filter.to:"));
  EXPECT_THAT(Log(audit::Action::kAuditRead), SizeIs(0));  // refused, not served
}

TEST_F(AuditServiceTest, ACallThatCannotBeAuditedIsNotServed) {
  RecordPublished("CASE-1", "cfs");
  store_.FillDisk(true);
  const auto page = Query(kIg, {});
  EXPECT_EQ(page.status().code(), absl::StatusCode::kResourceExhausted);
  store_.FillDisk(false);
}

// Reads every piece of `exported`; fails the test on an error.
std::vector<ExportChunk> Drain(AuditExport& exported) {
  std::vector<ExportChunk> pieces;
  while (true) {
    auto piece = exported.Next();
    EXPECT_TRUE(piece.ok()) << piece.status();
    if (!piece.ok() || piece->data.empty()) return pieces;
    pieces.push_back(std::move(*piece));
  }
}

TEST_F(AuditServiceTest, JsonLinesExportComesInBoundedPiecesOfWholeEntries) {
  for (int i = 0; i < 600; ++i) RecordPublished("CASE-X", "cfs");
  auto exported = Export(kIg, ExportFormat::kJsonLines);
  ASSERT_TRUE(exported.ok()) << exported.status();
  RecordPublished("CASE-X", "cfs");  // after the export began: not part of it
  const auto pieces = Drain(**exported);
  ASSERT_GT(pieces.size(), 1u);
  uint64_t entries = 0, index = 0;
  for (const auto& piece : pieces) {
    const size_t largest_line = 2048;
    EXPECT_LE(piece.data.size(), AuditExport::kChunkBytes + largest_line);
    EXPECT_EQ(piece.data.back(), '\n');
    entries += piece.entries;
    std::istringstream lines(piece.data);
    for (std::string line; std::getline(lines, line);) {
      v1::AuditEntry parsed;
      ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(line, &parsed).ok()) << line;
      EXPECT_EQ(parsed.index(), ++index);
      EXPECT_THAT(line, HasSubstr("\"subscription\":\"\""));  // empty fields printed too
    }
  }
  EXPECT_EQ(entries, 600u);
  EXPECT_EQ(index, 600u);
  const auto reads = Log(audit::Action::kAuditRead);
  ASSERT_THAT(reads, SizeIs(1));
  EXPECT_EQ(reads[0].detail, "Audit.Export format=jsonl every entry of 600 entries");
}

TEST_F(AuditServiceTest, CsvExportQuotesFieldsAndWritesOneRowPerLine) {
  audit::Entry e;
  e.actor = "cfs";
  e.action = audit::Action::kPublished;
  e.case_ref = "CASE-Q";
  e.detail = "strategy_minutes, \"urgent\"\nsecond line";
  for (const auto* agency : {"health", "police"}) {
    audit::Line line;
    line.agency = agency;
    line.sequence = 7;
    e.lines.push_back(line);
  }
  Record(e);
  RecordPublished("CASE-R", "police");
  auto exported = Export(kIg, ExportFormat::kCsv);
  ASSERT_TRUE(exported.ok()) << exported.status();
  const auto pieces = Drain(**exported);
  ASSERT_THAT(pieces, SizeIs(1));  // the header, then the rows
  const std::string header = AuditExport::CsvHeader();
  EXPECT_THAT(pieces[0].data, StartsWith(header));
  EXPECT_THAT(header, StartsWith("index,version,at,"));
  const std::string quoted = "\"strategy_minutes, \"\"urgent\"\"\nsecond line\"";
  const std::string rows = pieces[0].data.substr(header.size());
  EXPECT_EQ(pieces[0].entries, 2u);
  // Two rows for the entry with two lines, one for the other.
  size_t at = 0, count = 0;
  while ((at = rows.find(quoted, at)) != std::string::npos) {
    ++count;
    at += quoted.size();
  }
  EXPECT_EQ(count, 2u);
  EXPECT_THAT(rows, HasSubstr(",routed,health,"));
  EXPECT_THAT(rows, HasSubstr(",routed,police,,,7,"));
  size_t row_ends = 0;
  for (size_t i = rows.find("\r\n"); i != std::string::npos; i = rows.find("\r\n", i + 2)) {
    ++row_ends;
  }
  EXPECT_EQ(row_ends, 3u);
}

TEST_F(AuditServiceTest, ExportFormatMustBeChosen) {
  EXPECT_THAT(std::string(Export(kIg, ExportFormat::kUnspecified).status().message()),
              StartsWith("format:"));
}

TEST_F(AuditServiceTest, InclusionProofVerifiesAgainstTheTreeAndDefaultsToTheCheckpoint) {
  for (int i = 0; i < 7; ++i) RecordPublished("CASE-M", "cfs");
  const auto proof = [&](uint64_t index, uint64_t size) {
    Completion<InclusionAnswer> done;
    service_.GetInclusionProof(kIg, index, size, done.Callback());
    return done.Get();
  };
  EXPECT_EQ(proof(3, 0).status().code(), absl::StatusCode::kFailedPrecondition);  // none signed
  SaveCheckpoint(5);
  auto answer = proof(3, 0);
  ASSERT_TRUE(answer.ok()) << answer.status();
  EXPECT_EQ(answer->tree_size, 5u);
  EXPECT_EQ(answer->entry.index(), 3u);
  std::vector<audit::Hash> path;
  for (const auto& h : answer->proof) path.push_back(*audit::HashFromBytes(h));
  auto entry = store_.ReadAudit(2, 1);
  ASSERT_TRUE(entry.ok());
  EXPECT_TRUE(
      audit::VerifyInclusion(audit::EntryLeafHash(entry->front()), 2, 5, path, *store_.AuditRoot(5))
          .ok());

  EXPECT_THAT(std::string(proof(6, 5).status().message()), StartsWith("index: "));
  EXPECT_THAT(std::string(proof(0, 5).status().message()), StartsWith("index: "));
  EXPECT_THAT(std::string(proof(1, 999).status().message()), StartsWith("tree_size: "));
}

TEST_F(AuditServiceTest, ConsistencyProofAndCheckpointFetch) {
  for (int i = 0; i < 9; ++i) RecordPublished("CASE-C", "cfs");
  SaveCheckpoint(4);
  SaveCheckpoint(9);
  Completion<ConsistencyAnswer> done;
  service_.GetConsistencyProof(kIg, 4, 0, done.Callback());
  auto answer = done.Get();
  ASSERT_TRUE(answer.ok()) << answer.status();
  EXPECT_EQ(answer->to_size, 9u);
  std::vector<audit::Hash> path;
  for (const auto& h : answer->proof) path.push_back(*audit::HashFromBytes(h));
  EXPECT_TRUE(
      audit::VerifyConsistency(4, 9, *store_.AuditRoot(4), *store_.AuditRoot(9), path).ok());

  Completion<ConsistencyAnswer> zero;
  service_.GetConsistencyProof(kIg, 0, 9, zero.Callback());
  EXPECT_THAT(std::string(zero.Get().status().message()), StartsWith("from_size: "));

  Completion<CheckpointAnswer> latest;
  service_.GetCheckpoint(kIg, 0, latest.Callback());
  auto checkpoint = latest.Get();
  ASSERT_TRUE(checkpoint.ok()) << checkpoint.status();
  EXPECT_EQ(checkpoint->tree_size, 9u);
  EXPECT_EQ(checkpoint->note, "note 9");
  EXPECT_EQ(checkpoint->root, audit::BytesOf(*store_.AuditRoot(9)));
  EXPECT_EQ(checkpoint->verifier_key, "safeshare.test/audit+01020304+AQ==");
  Completion<CheckpointAnswer> missing;
  service_.GetCheckpoint(kIg, 5, missing.Callback());
  EXPECT_EQ(missing.Get().status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace safeshare::service
