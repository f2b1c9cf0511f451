// Unit tests for broker/audit's entry <-> v1::AuditEntry conversion: an entry
// exported (Audit service, JSON lines) and read back encodes to the same
// bytes, so an export verifies offline exactly as the broker's store does.
#include <google/protobuf/util/json_util.h>

#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "broker/audit/chain.h"
#include "broker/audit/encoding.h"
#include "broker/audit/entry_proto.h"
#include "broker/audit/merkle.h"
#include "sample_audit_entries.h"

namespace safeshare::audit {
namespace {

using ::testing::HasSubstr;

// The entry linked after ContentHash("prev"), as the store would hold it.
Entry Linked(Entry entry) {
  Link(ContentHash("prev"), entry);
  return entry;
}

void ExpectSameEntry(const Entry& a, const Entry& b) {
  EXPECT_EQ(Encode(a), Encode(b));  // every field the hash covers
  EXPECT_EQ(a.version, b.version);
  EXPECT_EQ(a.lines, b.lines);
  EXPECT_EQ(a.person_hashes, b.person_hashes);
  EXPECT_EQ(a.prev_hash, b.prev_hash);
  EXPECT_EQ(a.entry_hash, b.entry_hash);
}

TEST(EntryProtoTest, CarriesEveryFieldAndTheLeafHash) {
  const Entry entry = Linked(samples::GoldenEntryV2());
  const auto proto = ToProto(entry);
  EXPECT_EQ(proto.index(), 8u);
  EXPECT_EQ(proto.version(), 2u);
  EXPECT_EQ(proto.at().seconds(), 1'714'000'000);
  EXPECT_EQ(proto.at().nanos(), 123'456'000);
  EXPECT_FALSE(proto.has_clock_stepped_back_from());
  EXPECT_EQ(proto.action(), "published");
  ASSERT_EQ(proto.lines_size(), 2);
  EXPECT_EQ(proto.lines(0).outcome(), "routed");
  EXPECT_EQ(proto.lines(0).agreement(), "ISA-SM-01 v2");
  EXPECT_EQ(proto.lines(1).outcome(), "withheld");
  EXPECT_EQ(proto.lines(1).sequence(), 8u);
  EXPECT_EQ(proto.person_hashes_size(), 1);
  EXPECT_EQ(proto.entry_hash(), entry.entry_hash);
  // The leaf computed independently (sample_audit_entries.h).
  EXPECT_EQ(proto.leaf_hash(), "56c17fb0dba4297e6f02d07c1c9b340719e58173c5e79151cdd6c171f71fd57f");
}

TEST(EntryProtoTest, RoundTripsVersionOneAndTwoAndASteppedBackClock) {
  for (const Entry& entry : {Linked(samples::GoldenEntry()), Linked(samples::GoldenEntryV2())}) {
    const auto back = FromProto(ToProto(entry));
    ASSERT_TRUE(back.ok()) << back.status();
    ExpectSameEntry(*back, entry);
    EXPECT_EQ(back->clock_stepped_back_from, entry.clock_stepped_back_from);
  }
  Entry before_epoch = samples::GoldenEntryV2();
  before_epoch.at_micros = -1;  // a badly set clock is recorded as read
  const auto back = FromProto(ToProto(before_epoch));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->at_micros, -1);
}

TEST(EntryProtoTest, RoundTripsThroughJsonLines) {
  const Entry entry = Linked(samples::GoldenEntryV2());
  const std::string json = ToJsonLine(ToProto(entry));
  EXPECT_EQ(json.find('\n'), std::string::npos);  // one line per entry
  EXPECT_THAT(json, HasSubstr("\"at\":\"2024-04-24T23:06:40.123456Z\""));
  v1::AuditEntry parsed;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(json, &parsed).ok());
  const auto back = FromProto(parsed);
  ASSERT_TRUE(back.ok()) << back.status();
  ExpectSameEntry(*back, entry);
  EXPECT_TRUE(VerifyChain({*back}, ContentHash("prev")).ok());
}

TEST(EntryProtoTest, UnknownNamesAndVersionsAreInvalidArgumentNamingTheField) {
  const auto proto = ToProto(samples::GoldenEntryV2());
  auto action = proto;
  action.set_action("deleted");
  auto outcome = proto;
  outcome.mutable_lines(1)->set_outcome("forwarded");
  auto version = proto;
  version.set_version(3);
  auto unset_version = proto;
  unset_version.clear_version();
  auto nanos = proto;
  nanos.mutable_at()->set_nanos(1);
  const std::vector<std::pair<v1::AuditEntry, std::string>> cases = {
      {action, "action: unknown \"deleted\""},
      {outcome, "lines[1].outcome: unknown \"forwarded\""},
      {version, "version: 3"},
      {unset_version, "version: 0"},
      {nanos, "at: not a time in whole microseconds"},
  };
  for (const auto& [message, why] : cases) {
    const auto entry = FromProto(message);
    EXPECT_EQ(entry.status().code(), absl::StatusCode::kInvalidArgument) << why;
    EXPECT_THAT(entry.status().message(), HasSubstr(why));
  }
}

}  // namespace
}  // namespace safeshare::audit
