#include "broker/audit/entry_proto.h"

#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/time_util.h>

#include <cstdlib>
#include <string>

#include "broker/audit/encoding.h"
#include "broker/audit/merkle.h"

namespace safeshare::audit {
namespace {

using google::protobuf::Timestamp;
using google::protobuf::util::TimeUtil;

v1::AuditLine LineToProto(const Line& line) {
  v1::AuditLine out;
  out.set_outcome(std::string(ActionName(line.outcome)));
  out.set_agency(line.agency);
  out.set_notification_id(line.notification_id);
  out.set_case_ref(line.case_ref);
  out.set_sequence(static_cast<uint64_t>(line.sequence));
  out.set_agreement(line.agreement);
  out.set_rule(line.rule);
  out.set_purpose(line.purpose);
  out.set_lawful_basis(line.lawful_basis);
  out.set_content_hash(line.content_hash);
  out.set_detail(line.detail);
  return out;
}

// The microseconds a timestamp stands for; INVALID_ARGUMENT when it holds a
// fraction of one (the log records whole microseconds, so such a time was
// not written by a broker).
absl::StatusOr<int64_t> Micros(const Timestamp& at, const std::string& field) {
  const bool valid = at.seconds() >= TimeUtil::kTimestampMinSeconds &&
                     at.seconds() <= TimeUtil::kTimestampMaxSeconds && at.nanos() >= 0 &&
                     at.nanos() < 1'000'000'000;
  if (!valid || at.nanos() % 1000 != 0) {
    return absl::InvalidArgumentError(field + ": not a time in whole microseconds");
  }
  return TimeUtil::TimestampToMicroseconds(at);
}

absl::StatusOr<Line> LineFromProto(const v1::AuditLine& line, const std::string& field) {
  Line out;
  if (!ParseAction(line.outcome(), out.outcome)) {
    return absl::InvalidArgumentError(field + ".outcome: unknown \"" + line.outcome() + "\"");
  }
  out.agency = line.agency();
  out.notification_id = line.notification_id();
  out.case_ref = line.case_ref();
  out.sequence = static_cast<int64_t>(line.sequence());
  out.agreement = line.agreement();
  out.rule = line.rule();
  out.purpose = line.purpose();
  out.lawful_basis = line.lawful_basis();
  out.content_hash = line.content_hash();
  out.detail = line.detail();
  return out;
}

}  // namespace

v1::AuditEntry ToProto(const Entry& entry) {
  v1::AuditEntry out;
  out.set_index(static_cast<uint64_t>(entry.id));
  out.set_version(entry.version);
  *out.mutable_at() = TimeUtil::MicrosecondsToTimestamp(entry.at_micros);
  // Unset when the clock did not step back (0), so 0 reads back as 0.
  if (entry.clock_stepped_back_from != 0) {
    *out.mutable_clock_stepped_back_from() =
        TimeUtil::MicrosecondsToTimestamp(entry.clock_stepped_back_from);
  }
  out.set_actor(entry.actor);
  out.set_action(std::string(ActionName(entry.action)));
  out.set_notification_id(entry.notification_id);
  out.set_case_ref(entry.case_ref);
  out.set_recipient(entry.recipient);
  out.set_subscription(entry.subscription);
  out.set_rule(entry.rule);
  out.set_lawful_basis(entry.lawful_basis);
  out.set_purpose(entry.purpose);
  out.set_detail(entry.detail);
  out.set_content_hash(entry.content_hash);
  for (const auto& line : entry.lines) *out.add_lines() = LineToProto(line);
  for (const auto& person : entry.person_hashes) out.add_person_hashes(person);
  out.set_prev_hash(entry.prev_hash);
  out.set_entry_hash(entry.entry_hash);
  out.set_leaf_hash(HexOf(EntryLeafHash(entry)));
  return out;
}

absl::StatusOr<Entry> FromProto(const v1::AuditEntry& in) {
  Entry out;
  if (in.version() != kEncodingVersion1 && in.version() != kEncodingVersion2) {
    return absl::InvalidArgumentError("version: " + std::to_string(in.version()) +
                                      " is not an encoding this build reads (1 or 2)");
  }
  out.version = static_cast<uint8_t>(in.version());
  out.id = static_cast<int64_t>(in.index());
  auto at = Micros(in.at(), "at");
  if (!at.ok()) return at.status();
  out.at_micros = *at;
  if (in.has_clock_stepped_back_from()) {
    auto from = Micros(in.clock_stepped_back_from(), "clock_stepped_back_from");
    if (!from.ok()) return from.status();
    out.clock_stepped_back_from = *from;
  }
  out.actor = in.actor();
  if (!ParseAction(in.action(), out.action)) {
    return absl::InvalidArgumentError("action: unknown \"" + in.action() + "\"");
  }
  out.notification_id = in.notification_id();
  out.case_ref = in.case_ref();
  out.recipient = in.recipient();
  out.subscription = in.subscription();
  out.rule = in.rule();
  out.lawful_basis = in.lawful_basis();
  out.purpose = in.purpose();
  out.detail = in.detail();
  out.content_hash = in.content_hash();
  out.lines.reserve(static_cast<size_t>(in.lines_size()));
  for (int i = 0; i < in.lines_size(); ++i) {
    auto line = LineFromProto(in.lines(i), "lines[" + std::to_string(i) + "]");
    if (!line.ok()) return line.status();
    out.lines.push_back(std::move(*line));
  }
  out.person_hashes.assign(in.person_hashes().begin(), in.person_hashes().end());
  out.prev_hash = in.prev_hash();
  out.entry_hash = in.entry_hash();
  return out;
}

std::string ToJsonLine(const v1::AuditEntry& entry) {
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;
  std::string line;
  // Printing an entry ToProto made cannot fail but for memory.
  if (!google::protobuf::util::MessageToJsonString(entry, &line, options).ok()) std::abort();
  return line;
}

}  // namespace safeshare::audit
