// `safeshare audit report` and `safeshare audit subject`.
#include <iostream>

#include "audit_review_commands.h"
#include "case_commands.h"
#include "exit_code.h"
#include "report_queries.h"
#include "report_text.h"

namespace safeshare::cli {
namespace {

// The report as one JSON line (--json) or as text.
template <typename Report>
int Print(const absl::StatusOr<Report>& report, bool json, const char* what,
          void (*print_text)(const Report&, std::ostream&)) {
  if (!report.ok()) return FailBroker(what, report.status());
  if (json) {
    std::cout << review::ToJson(*report) << std::endl;
  } else {
    print_text(*report, std::cout);
    std::cout.flush();
  }
  return kExitOk;
}

}  // namespace

int RunAuditReport(client::Client& client, const AuditReviewFlags& flags) {
  absl::StatusOr<review::CaseReport> report = review::BuildCaseReport(client, flags.case_ref);
  // An empty report of a reference no entry names reads like a case with
  // nothing shared; a mistyped reference is far likelier. Exit 1 with
  // NOT_FOUND, as `case show` does for a case the broker does not know.
  if (report.ok() && report->entries_read() == 0) {
    report = absl::NotFoundError("no audit entry names case " + flags.case_ref +
                                 ": case references match exactly and are case-sensitive, so "
                                 "check its spelling and capitals as the publishing agency wrote "
                                 "it (safeshare audit query lists the cases entries name)");
  }
  return Print(report, flags.json, "audit report", review::PrintCaseReport);
}

int RunAuditSubject(client::Client& client, const AuditReviewFlags& flags) {
  v1::PersonIdentifier person;
  if (!ParseIdentifier(flags.identifier, person)) {
    return Fail(kExitUsage,
                "--identifier: give SCHEME:VALUE with scheme one of ndelius_crn, pnc_number, "
                "nhs_number, local_authority, police_local");
  }
  return Print(review::BuildSubjectReport(client, person), flags.json, "audit subject",
               review::PrintSubjectReport);
}

}  // namespace safeshare::cli
