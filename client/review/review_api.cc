#include "review_api.h"

#include <charconv>
#include <cstdint>

#include <google/protobuf/struct.pb.h>

#include "absl/strings/str_cat.h"
#include "checkpoint_archive.h"
#include "report_queries.h"
#include "report_text.h"
#include "time_bound.h"

namespace safeshare::review {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string Decode(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out += ' ';
    } else if (text[i] == '%' && i + 2 < text.size() && HexValue(text[i + 1]) >= 0 &&
               HexValue(text[i + 2]) >= 0) {
      out += static_cast<char>(HexValue(text[i + 1]) * 16 + HexValue(text[i + 2]));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

std::string Param(const QueryParams& params, absl::string_view name) {
  for (const auto& [key, value] : params) {
    if (key == name) return value;
  }
  return "";
}

// An unsigned parameter; `fallback` when absent.
absl::StatusOr<uint64_t> Number(const QueryParams& params, absl::string_view name,
                                uint64_t fallback) {
  const std::string text = Param(params, name);
  if (text.empty()) return fallback;
  uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) {
    return absl::InvalidArgumentError(absl::StrCat(name, ": give a whole number"));
  }
  return value;
}

HttpReply Error(unsigned status, absl::string_view message) {
  google::protobuf::Struct body;
  (*body.mutable_fields())["error"].set_string_value(std::string(message));
  return {status, "application/json", ToJson(body)};
}

HttpReply FromBroker(const absl::Status& status) {
  const unsigned code = status.code() == absl::StatusCode::kInvalidArgument    ? 400
                        : status.code() == absl::StatusCode::kPermissionDenied ? 403
                                                                               : 502;
  return Error(code, absl::StrCat("broker: ", absl::StatusCodeToString(status.code()), ": ",
                                  status.message()));
}

HttpReply Json(const google::protobuf::Message& message) {
  return {200, "application/json", ToJson(message)};
}

// One page of a listing of deliveries: `Request` is ListUnacknowledgedRequest
// or ListOverdueRequest (the same fields), `list` the client's call.
template <typename Request, typename List>
HttpReply Listing(const QueryParams& params, List list) {
  absl::StatusOr<ListingParams> listing = ListingFromParams(params);
  if (!listing.ok()) return Error(400, listing.status().message());
  Request request;
  request.set_case_ref(listing->case_ref);
  request.set_agency(listing->agency);
  request.set_after_sequence(listing->after);
  request.set_limit(100);
  auto page = list(request);
  if (!page.ok()) return FromBroker(page.status());
  return Json(*page);
}

}  // namespace

QueryParams ParseQuery(absl::string_view query) {
  QueryParams params;
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const absl::string_view pair = query.substr(0, amp);
    query = amp == absl::string_view::npos ? absl::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    params.emplace_back(Decode(pair.substr(0, eq)),
                        eq == absl::string_view::npos ? "" : Decode(pair.substr(eq + 1)));
  }
  return params;
}

absl::StatusOr<v1::AuditFilter> FilterFromParams(const QueryParams& params) {
  v1::AuditFilter filter;
  filter.set_case_ref(Param(params, "case"));
  filter.set_agency(Param(params, "agency"));
  filter.set_notification_id(Param(params, "notification"));
  for (const auto& [key, value] : params) {
    if (key == "action" && !value.empty()) filter.add_actions(value);
  }
  for (const auto& [name, end] : {std::pair{"from", false}, std::pair{"to", true}}) {
    const std::string text = Param(params, name);
    if (text.empty()) continue;
    auto bound = ParseTimeBound(text, end);
    if (!bound.ok())
      return absl::InvalidArgumentError(absl::StrCat(name, ": ", bound.status().message()));
    *(end ? filter.mutable_to() : filter.mutable_from()) = *bound;
  }
  if (auto range = CheckTimeRange({"from", Param(params, "from"), filter.from()},
                                  {"to", Param(params, "to"), filter.to()});
      !range.ok()) {
    return range;
  }
  return filter;
}

absl::StatusOr<ListingParams> ListingFromParams(const QueryParams& params) {
  absl::StatusOr<uint64_t> after = Number(params, "after", 0);
  if (!after.ok()) return after.status();
  return ListingParams{Param(params, "case"), Param(params, "agency"), *after};
}

ReviewApi::ReviewApi(client::Client& client, std::filesystem::path checkpoints)
    : client_(client), checkpoints_(std::move(checkpoints)) {}

HttpReply ReviewApi::Handle(absl::string_view path, absl::string_view query) {
  const QueryParams params = ParseQuery(query);
  if (path == "/api/entries") return Entries(params);
  if (path == "/api/case") return Case(params);
  if (path == "/api/unacknowledged") {
    return Listing<v1::ListUnacknowledgedRequest>(
        params, [this](const auto& request) { return client_.ListUnacknowledged(request); });
  }
  if (path == "/api/overdue") {
    return Listing<v1::ListOverdueRequest>(
        params, [this](const auto& request) { return client_.ListOverdue(request); });
  }
  if (path == "/api/verify") return Json(VerifyAgainstSaved(client_, checkpoints_));
  return Error(404, absl::StrCat("no such endpoint: ", path));
}

HttpReply ReviewApi::Entries(const QueryParams& params) {
  absl::StatusOr<v1::AuditFilter> filter = FilterFromParams(params);
  if (!filter.ok()) return Error(400, filter.status().message());
  absl::StatusOr<uint64_t> after = Number(params, "after", 0);
  absl::StatusOr<uint64_t> limit = Number(params, "limit", 100);
  if (!after.ok() || !limit.ok()) return Error(400, "after and limit are whole numbers");
  v1::QueryAuditRequest request;
  *request.mutable_filter() = *filter;
  request.set_after_index(*after);
  request.set_limit(static_cast<uint32_t>(std::min<uint64_t>(*limit, 1000)));
  absl::StatusOr<v1::QueryAuditResponse> page = client_.QueryAudit(request);
  if (!page.ok()) return FromBroker(page.status());
  return Json(*page);
}

HttpReply ReviewApi::Case(const QueryParams& params) {
  const std::string case_ref = Param(params, "case");
  if (case_ref.empty()) return Error(400, "case: give a case reference");
  absl::StatusOr<CaseReport> report = BuildCaseReport(client_, case_ref);
  if (!report.ok()) return FromBroker(report.status());
  return Json(*report);
}

}  // namespace safeshare::review
