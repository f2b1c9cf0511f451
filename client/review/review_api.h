#ifndef SAFESHARE_CLIENT_REVIEW_REVIEW_API_H_
#define SAFESHARE_CLIENT_REVIEW_REVIEW_API_H_

#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>
#include "absl/strings/string_view.h"

#include "absl/status/statusor.h"
#include "review_server.h"
#include "safeshare/client/client.h"
#include "safeshare/v1/audit.pb.h"

// The review page's JSON endpoints (protobuf's JSON mapping), each a broker
// call or a few over the IG lead's connection:
//   /api/entries?case=&agency=&notification=&action=A&action=B&from=&to=&after=N&limit=N
//        one Query page (v1.QueryAuditResponse): paged on the broker
//   /api/case?case=REF             the case's notifications (review.CaseReport)
//   /api/unacknowledged?case=&agency=&after=N   v1.ListUnacknowledgedResponse
//   /api/overdue?case=&agency=&after=N          v1.ListOverdueResponse: deliveries
//        past their deadline, and the open expectations (first page only)
//   /api/verify                    review.VerifyReport against the saved checkpoints
// Bad parameters: 400; a broker error: 502 (403 when it refused the
// certificate's role), each with {"error": "..."}.
namespace safeshare::review {

using QueryParams = std::vector<std::pair<std::string, std::string>>;

// "a=1&b=x%20y+z" -> {("a","1"), ("b","x y z")}, in order, repeats kept.
QueryParams ParseQuery(absl::string_view query);

// The filter the parameters describe (case, agency, notification, action
// (repeatable), from, to). INVALID_ARGUMENT naming a bad parameter.
absl::StatusOr<v1::AuditFilter> FilterFromParams(const QueryParams& params);

// What a listing of deliveries (/api/unacknowledged, /api/overdue) asks for:
// case, agency (the recipient) and after (the sequence the previous page
// ended at; 0, the first page, when absent).
struct ListingParams {
  std::string case_ref;
  std::string agency;
  uint64_t after = 0;
};

// INVALID_ARGUMENT naming a bad parameter.
absl::StatusOr<ListingParams> ListingFromParams(const QueryParams& params);

class ReviewApi {
 public:
  // `client` and the directory must outlive the API.
  ReviewApi(client::Client& client, std::filesystem::path checkpoints);

  HttpReply Handle(absl::string_view path, absl::string_view query);

 private:
  HttpReply Entries(const QueryParams& params);
  HttpReply Case(const QueryParams& params);

  client::Client& client_;
  std::filesystem::path checkpoints_;
};

}  // namespace safeshare::review

#endif  // SAFESHARE_CLIENT_REVIEW_REVIEW_API_H_
