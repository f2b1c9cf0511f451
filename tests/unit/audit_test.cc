// Unit tests for broker/audit: content hashes and the hash chain that lets an
// IG lead prove the log was not altered, truncated in the middle or reordered.
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "broker/audit/audit_entry.h"
#include "broker/audit/audit_report.h"
#include "broker/audit/chain.h"
#include "broker/audit/encoding.h"
#include "broker/audit/merkle.h"
#include "sample_audit_entries.h"

namespace safeshare::audit {
namespace {

using samples::GoldenEntry;
using samples::GoldenEntryV2;
using ::testing::HasSubstr;

TEST(ContentHashTest, IsHexSha256) {
  // FIPS 180-2 test vector.
  EXPECT_EQ(ContentHash("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(ContentHash(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(ActionNameTest, RoundTripsEveryAction) {
  for (auto action :
       {Action::kPublished, Action::kDuplicate, Action::kPublishRefused, Action::kWithheld,
        Action::kSubscribed, Action::kDelivered, Action::kAcknowledged, Action::kRouted,
        Action::kUrgentDisclosure, Action::kCaseChanged, Action::kInterestChanged,
        Action::kPolicyChanged, Action::kAccessRefused, Action::kAuditRead,
        Action::kSubscriptionCreated, Action::kSubscriptionReset, Action::kSubscriptionDeleted}) {
    Action parsed = action == Action::kPublished ? Action::kAcknowledged : Action::kPublished;
    ASSERT_TRUE(ParseAction(ActionName(action), parsed)) << ActionName(action);
    EXPECT_EQ(parsed, action);
  }
  EXPECT_EQ(ActionName(Action::kPublishRefused), "publish_refused");
  EXPECT_EQ(ActionName(Action::kUrgentDisclosure), "urgent_disclosure");
  EXPECT_EQ(ActionName(Action::kCaseChanged), "case_changed");
  EXPECT_EQ(ActionName(Action::kInterestChanged), "interest_changed");
  EXPECT_EQ(ActionName(Action::kPolicyChanged), "policy_changed");
  EXPECT_EQ(ActionName(Action::kAccessRefused), "access_refused");
  EXPECT_EQ(ActionName(Action::kAuditRead), "audit_read");
  EXPECT_EQ(ActionName(Action::kSubscriptionCreated), "subscription_created");
  EXPECT_EQ(ActionName(Action::kSubscriptionReset), "subscription_reset");
  EXPECT_EQ(ActionName(Action::kSubscriptionDeleted), "subscription_deleted");
  EXPECT_EQ(ActionName(Action::kTlsChanged), "tls_changed");
  EXPECT_EQ(ActionName(Action::kContentDeleted), "content_deleted");
  EXPECT_EQ(ActionName(Action::kActioned), "actioned");
  EXPECT_EQ(ActionNames().size(), 24u);  // every action, the new ones last
  EXPECT_EQ(ActionNames().back(), "actioned");
  Action unused = Action::kPublished;
  EXPECT_FALSE(ParseAction("deleted", unused));
}

// Five linked entries, ids 1..5, as the store writes them.
std::vector<Entry> Chain() {
  std::vector<Entry> entries;
  std::string head(kGenesisHash);
  for (int64_t id = 1; id <= 5; ++id) {
    Entry e{.id = id,
            .at_micros = 1'714'000'000'000'000 + id,
            .actor = id % 2 ? "cfs" : "police",
            .action = id == 1 ? Action::kPublished : Action::kDelivered,
            .notification_id = "n-" + std::to_string(id),
            .case_ref = "CASE-1",
            .recipient = "police",
            .rule = "ISA-03",
            .lawful_basis = "legal_obligation",
            .purpose = "PURPOSE_STRATEGY_DISCUSSION",
            .detail = "sequence " + std::to_string(id),
            .content_hash = ContentHash("body " + std::to_string(id))};
    head = Link(head, e);
    entries.push_back(std::move(e));
  }
  return entries;
}

TEST(ChainTest, LinkSetsPrevAndEntryHashes) {
  const auto entries = Chain();
  EXPECT_EQ(entries[0].prev_hash, kGenesisHash);
  for (size_t i = 1; i < entries.size(); ++i) {
    EXPECT_EQ(entries[i].prev_hash, entries[i - 1].entry_hash);
    EXPECT_EQ(entries[i].entry_hash, EntryHash(entries[i].prev_hash, entries[i]));
    EXPECT_EQ(entries[i].entry_hash.size(), 64u);
  }
}

TEST(ChainTest, IntactChainVerifies) { EXPECT_TRUE(VerifyChain(Chain()).ok()); }

TEST(ChainTest, EmptyChainVerifies) { EXPECT_TRUE(VerifyChain({}).ok()); }

TEST(ChainTest, SuffixVerifiesFromItsPredecessorsHash) {
  const auto entries = Chain();
  const std::vector<Entry> tail(entries.begin() + 2, entries.end());
  EXPECT_TRUE(VerifyChain(tail, entries[1].entry_hash).ok());
  EXPECT_EQ(VerifyChain(tail).code(), absl::StatusCode::kDataLoss);  // not from genesis
}

// Each field the hash covers: altering it in entry 3 must be detected there.
TEST(ChainTest, AlteringAnyFieldOfEntryThreeIsDataLossNamingIt) {
  const std::vector<std::pair<std::string, void (*)(Entry&)>> alterations = {
      {"at_micros", [](Entry& e) { e.at_micros += 1; }},
      {"clock_stepped_back_from", [](Entry& e) { e.clock_stepped_back_from = 1; }},
      {"actor", [](Entry& e) { e.actor = "health"; }},
      {"action", [](Entry& e) { e.action = Action::kWithheld; }},
      {"notification_id", [](Entry& e) { e.notification_id = "n-99"; }},
      {"case_ref", [](Entry& e) { e.case_ref = "CASE-2"; }},
      {"recipient", [](Entry& e) { e.recipient = "education"; }},
      {"subscription", [](Entry& e) { e.subscription = "feed"; }},
      {"rule", [](Entry& e) { e.rule = "ISA-01"; }},
      {"lawful_basis", [](Entry& e) { e.lawful_basis = "law_enforcement"; }},
      {"purpose", [](Entry& e) { e.purpose = "PURPOSE_RISK_MANAGEMENT"; }},
      {"detail", [](Entry& e) { e.detail = "sequence 33"; }},
      {"content_hash", [](Entry& e) { e.content_hash = ContentHash("other"); }},
  };
  for (const auto& [field, alter] : alterations) {
    auto entries = Chain();
    alter(entries[2]);
    const auto status = VerifyChain(entries);
    EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss) << field;
    EXPECT_THAT(std::string(status.message()), HasSubstr("audit entry 3 was altered")) << field;
  }
}

TEST(ChainTest, RehashingAnAlteredEntryIsStillDetectedAtTheNextEntry) {
  auto entries = Chain();
  entries[2].detail = "sequence 33";
  entries[2].entry_hash = EntryHash(entries[2].prev_hash, entries[2]);  // forger fixes entry 3
  const auto status = VerifyChain(entries);
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(status.message()), HasSubstr("audit entry 4 does not follow"));
}

TEST(ChainTest, RemovingAnEntryIsDataLoss) {
  auto entries = Chain();
  entries.erase(entries.begin() + 2);
  const auto status = VerifyChain(entries);
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(status.message()), HasSubstr("audit entry 4 does not follow"));
}

TEST(ChainTest, RemovingTheFirstEntryIsDataLoss) {
  auto entries = Chain();
  entries.erase(entries.begin());
  EXPECT_EQ(VerifyChain(entries).code(), absl::StatusCode::kDataLoss);
}

TEST(ChainTest, ReorderingEntriesIsDataLoss) {
  auto entries = Chain();
  std::swap(entries[2], entries[3]);
  const auto status = VerifyChain(entries);
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(status.message()), HasSubstr("audit entry 4 does not follow"));
}

TEST(ChainTest, RenumberingAnEntryIsDataLoss) {
  auto entries = Chain();
  entries[2].id = 30;
  EXPECT_EQ(VerifyChain(entries).code(), absl::StatusCode::kDataLoss);
}

std::string Hex(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 0xf]);
  }
  return out;
}

TEST(EncodeTest, StartsWithVersionThenBigEndianIntegersThenLengthPrefixedStrings) {
  const auto bytes = Encode(GoldenEntry());
  EXPECT_EQ(bytes.size(), 268u);
  EXPECT_EQ(Hex(bytes.substr(0, 39)),
            "01"                    // version
            "0000000000000007"      // id
            "000616dfb9270240"      // at_micros
            "000616dfb9282d40"      // clock_stepped_back_from
            "00000006706f6c696365"  // "police"
            "00000009");            // length of "published"
}

TEST(EntryHashTest, MatchesAnIndependentlyComputedGoldenVector) {
  EXPECT_EQ(EntryHash(ContentHash("prev"), GoldenEntry()),
            "ae305a5d74f81e445747c741e1b11de9192521406365680c788d92172169949d");
}

TEST(EncodeTest, VersionTwoMatchesAnIndependentlyComputedGoldenVector) {
  const auto entry = GoldenEntryV2();
  const auto bytes = Encode(entry);
  EXPECT_EQ(bytes.size(), 686u);
  EXPECT_EQ(Hex(bytes.substr(0, 1)), "02");
  EXPECT_EQ(EntryHash(ContentHash("prev"), entry),
            "fe7a74f0ee51fe630aeac143d0ce6a0068b4a232513aec689c5760f13b30470c");
  EXPECT_EQ(HexOf(EntryLeafHash(entry)),
            "56c17fb0dba4297e6f02d07c1c9b340719e58173c5e79151cdd6c171f71fd57f");
}

TEST(EncodeTest, VersionTwoIsVersionOneFieldsThenLines) {
  auto v1 = GoldenEntryV2();
  v1.version = 1;
  v1.lines.clear();
  v1.person_hashes.clear();
  const auto v2 = GoldenEntryV2();
  const auto bytes = Encode(v2);
  EXPECT_EQ(bytes.substr(1), Encode(v1).substr(1) + EncodeLines(v2));
}

TEST(EncodeTest, VersionTwoWithoutLinesStillCountsThem) {
  Entry entry{.version = 2, .actor = "police"};
  auto v1 = entry;
  v1.version = 1;
  EXPECT_EQ(Encode(entry).size(), Encode(v1).size() + 8);  // two zero counts
}

TEST(EncodeTest, AVersionOneEntryWithLinesDoesNotHashAsItsPlainSelf) {
  auto entry = GoldenEntry();
  const auto plain = EntryHash(kGenesisHash, entry);
  entry.lines.push_back(Line{.agency = "cfs"});
  EXPECT_NE(EntryHash(kGenesisHash, entry), plain);
  entry.lines.clear();
  entry.person_hashes.push_back(ContentHash("person"));
  EXPECT_NE(EntryHash(kGenesisHash, entry), plain);
}

TEST(DecodeLinesTest, RoundTripsLinesAndPersonHashes) {
  const auto original = GoldenEntryV2();
  Entry decoded{.lines = {Line{.agency = "stale"}}, .person_hashes = {"stale"}};
  ASSERT_TRUE(DecodeLines(EncodeLines(original), decoded).ok());
  EXPECT_EQ(decoded.lines, original.lines);
  EXPECT_EQ(decoded.person_hashes, original.person_hashes);
}

TEST(DecodeLinesTest, EmptyBytesAreAVersionOneRowWithoutLines) {
  Entry decoded{.lines = {Line{.agency = "stale"}}, .person_hashes = {"stale"}};
  ASSERT_TRUE(DecodeLines("", decoded).ok());
  EXPECT_TRUE(decoded.lines.empty());
  EXPECT_TRUE(decoded.person_hashes.empty());
}

TEST(DecodeLinesTest, TruncatedOrPaddedOrUnknownOutcomeIsDataLoss) {
  const auto bytes = EncodeLines(GoldenEntryV2());
  Entry decoded;
  for (size_t cut : {size_t{1}, size_t{20}, bytes.size() - 1}) {
    const auto status = DecodeLines(bytes.substr(0, cut), decoded);
    EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss) << cut;
    EXPECT_THAT(std::string(status.message()), HasSubstr("truncated")) << cut;
  }
  EXPECT_THAT(std::string(DecodeLines(bytes + "x", decoded).message()),
              HasSubstr("1 bytes after the last person hash"));
  auto unknown = GoldenEntryV2();
  unknown.lines.resize(1);
  auto forged = EncodeLines(unknown);
  forged.replace(forged.find("routed"), 6, "posted");
  EXPECT_THAT(std::string(DecodeLines(forged, decoded).message()),
              HasSubstr("unknown outcome \"posted\""));
  // A count no remaining bytes could hold is refused before allocating.
  EXPECT_THAT(
      std::string(DecodeLines(std::string("\xff\xff\xff\xff", 4) + std::string(8, '\0'), decoded)
                      .message()),
      HasSubstr("does not fit"));
}

TEST(EntryHashTest, MalformedPreviousHashLinksNothing) {
  EXPECT_EQ(EntryHash("prefill", GoldenEntry()), "");
  // A forged row whose empty hash "matches" the empty result is still caught.
  auto forged = GoldenEntry();
  forged.prev_hash = "prefill";
  forged.entry_hash = "";
  EXPECT_EQ(VerifyChain({forged}, "prefill").code(), absl::StatusCode::kDataLoss);
}

TEST(EntryHashTest, FieldBoundariesMatter) {
  // Length prefixes keep ("ab","c") and ("a","bc") apart.
  Entry a{.actor = "ab", .notification_id = "c"};
  Entry b{.actor = "a", .notification_id = "bc"};
  EXPECT_NE(EntryHash(kGenesisHash, a), EntryHash(kGenesisHash, b));
  EXPECT_NE(EntryHash(kGenesisHash, a), EntryHash(std::string(64, '1'), a));
}

TEST(AuditReportTest, FormatTimeIsUtcWithMilliseconds) {
  EXPECT_EQ(FormatTime(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatTime(1'714'000'000'123'456), "2024-04-24T23:06:40.123Z");
}

TEST(AuditReportTest, FormatTableHasHeaderAndOneRowPerEntry) {
  auto entries = Chain();
  entries[0].notification_id = "0190f1e2-1234-7abc-8def-000000000001";
  const auto table = FormatTable(entries);
  EXPECT_EQ(std::count(table.begin(), table.end(), '\n'), 6);
  EXPECT_THAT(table, ::testing::StartsWith("time (UTC)"));
  EXPECT_THAT(table, HasSubstr("0190f1e2-1234 "));  // ids shortened to 13 characters
  EXPECT_THAT(table, ::testing::Not(HasSubstr("0190f1e2-1234-")));
  EXPECT_THAT(table, HasSubstr("published"));
  EXPECT_THAT(table, HasSubstr("sequence 5\n"));
}

TEST(AuditReportTest, EachLineIsARowUnderItsEntry) {
  const auto table = FormatTable({samples::Decision(1), GoldenEntryV2(), samples::Decision(2)});
  EXPECT_EQ(std::count(table.begin(), table.end(), '\n'),
            1 + 3 * 3);  // header, 3 entries of 2 lines
  const std::string decision = "referral sequence 8; policy 3\n";
  const auto entry = table.find(decision);
  ASSERT_NE(entry, std::string::npos);
  const std::string routed = table.substr(
      entry + decision.size(), table.find('\n', entry + decision.size()) - entry - decision.size());
  EXPECT_THAT(routed, ::testing::StartsWith("  line 1/2               routed            "));
  EXPECT_THAT(routed, HasSubstr(" cfs        CASE-1          ISA-03 "));
  EXPECT_THAT(routed, HasSubstr(" legal_obligation "));
  EXPECT_THAT(routed, ::testing::EndsWith(
                          "0190f1e2-1234 sequence 8; ISA-SM-01 v2; PURPOSE_STRATEGY_DISCUSSION; "
                          "withheld: address"));
  EXPECT_THAT(table, HasSubstr("  line 2/2               withheld                     education  "
                               "CASE-1"));
  EXPECT_THAT(table, HasSubstr("sequence 8; no agreement shares referral with education\n"));
}

TEST(AuditReportTest, AnEntryAfterTheClockSteppedBackSaysSo) {
  auto entries = Chain();
  entries[1].clock_stepped_back_from = 1'714'000'000'123'456;
  const auto table = FormatTable(entries);
  EXPECT_THAT(table, HasSubstr("sequence 2 [clock stepped back: the entry before is stamped "
                               "2024-04-24T23:06:40.123Z]\n"));
  EXPECT_THAT(table, HasSubstr("sequence 3\n"));  // no note where the clock did not step back
}

// BUG (broker/audit/audit_report.cc:12-13, Row): each row is formatted into a
// fixed char line[512] with snprintf, so a row longer than 511 characters
// (a long refusal reason, or "routed to [...]" for many agencies) is cut
// silently and loses its trailing newline: the next entry is printed on the
// same line, and the IG lead's report misreads. Enable once rows are built
// without a fixed buffer.
TEST(AuditReportTest, LongDetailStaysOnItsOwnRowUncut) {
  auto entries = Chain();
  entries[0].detail = std::string(400, 'x');
  const auto table = FormatTable(entries);
  EXPECT_EQ(std::count(table.begin(), table.end(), '\n'), 6);
  EXPECT_THAT(table, HasSubstr(std::string(400, 'x') + "\n"));
}

}  // namespace
}  // namespace safeshare::audit
