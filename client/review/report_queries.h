#ifndef SAFESHARE_CLIENT_REVIEW_REPORT_QUERIES_H_
#define SAFESHARE_CLIENT_REVIEW_REPORT_QUERIES_H_

#include <string>

#include "absl/status/statusor.h"
#include "safeshare/client/client.h"
#include "safeshare/review/review.pb.h"
#include "safeshare/v1/common.pb.h"

// The reports an IG lead asks for, built from Query pages (each call is
// audited by the broker as an audit read).
namespace safeshare::review {

// Every notification of the case, from all the entries filed under it.
absl::StatusOr<CaseReport> BuildCaseReport(client::Client& client, const std::string& case_ref);

// Everything shared about the person: the entries carrying their keyed hash
// (the broker hashes `person`; the identifier is never stored or logged),
// then, for each notification among them, its whole history.
absl::StatusOr<SubjectReport> BuildSubjectReport(client::Client& client,
                                                 const v1::PersonIdentifier& person);

}  // namespace safeshare::review

#endif  // SAFESHARE_CLIENT_REVIEW_REPORT_QUERIES_H_
