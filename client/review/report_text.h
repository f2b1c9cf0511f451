#ifndef SAFESHARE_CLIENT_REVIEW_REPORT_TEXT_H_
#define SAFESHARE_CLIENT_REVIEW_REPORT_TEXT_H_

#include <ostream>
#include <string>

#include <google/protobuf/message.h>
#include <google/protobuf/timestamp.pb.h>

#include "safeshare/review/review.pb.h"
#include "safeshare/v1/audit.pb.h"

// The reports as text for a reader, and as JSON (protobuf's JSON mapping)
// for programs.
namespace safeshare::review {

// "2026-11-30 12:00:01Z", or "-" when unset.
std::string FormatTime(const google::protobuf::Timestamp& at);

// An entry's detail and its lines in a few words, e.g.
// "strategy_minutes sequence 7; policy ...; routed: police, health; withheld: probation";
// a retention deletion's lines with their reasons ("content_deleted: <id> (why)").
std::string EntrySummary(const v1::AuditEntry& entry);

void PrintCaseReport(const CaseReport& report, std::ostream& out);
void PrintSubjectReport(const SubjectReport& report, std::ostream& out);

// One line of JSON, lowerCamelCase names, every field printed (so a program
// sees `acknowledged: false` rather than a missing key).
std::string ToJson(const google::protobuf::Message& message);

}  // namespace safeshare::review

#endif  // SAFESHARE_CLIENT_REVIEW_REPORT_TEXT_H_
