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
  return Print(review::BuildCaseReport(client, flags.case_ref), flags.json, "audit report",
               review::PrintCaseReport);
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
