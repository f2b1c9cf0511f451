// The review page's HTTP server (client/review/review_server.h) over real
// loopback sockets, with a recording API handler in place of the broker;
// and the parsing of its query strings (filters, listings) and time bounds.
#include <thread>

#include <gmock/gmock.h>
#include <google/protobuf/util/time_util.h>
#include <gtest/gtest.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "absl/synchronization/mutex.h"
#include "review_api.h"
#include "review_server.h"
#include "time_bound.h"

namespace safeshare::review {
namespace {

namespace http = boost::beast::http;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;
using ::testing::StartsWith;

struct Answer {
  unsigned status = 0;
  std::string content_type;
  std::string csp;
  std::string body;
};

class ReviewServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = ReviewServer::Bind(0, [this](absl::string_view path, absl::string_view query) {
      absl::MutexLock lock(&mu_);
      seen_.emplace_back(std::string(path), std::string(query));
      return HttpReply{200, "application/json", "{\"ok\":true}"};
    });
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    thread_ = std::thread([this] { server_->Run(false); });
  }
  void TearDown() override {
    server_->Stop();
    thread_.join();
  }

  Answer Send(http::verb method, const std::string& target, const std::string& host) {
    boost::asio::io_context io;
    boost::asio::ip::tcp::socket socket(io);
    socket.connect({boost::asio::ip::make_address("127.0.0.1"), server_->port()});
    http::request<http::string_body> request(method, target, 11);
    request.set(http::field::host, host);
    http::write(socket, request);
    boost::beast::flat_buffer buffer;
    http::response<http::string_body> response;
    http::read(socket, buffer, response);
    return {response.result_int(), std::string(response[http::field::content_type]),
            std::string(response["Content-Security-Policy"]), response.body()};
  }
  Answer Get(const std::string& target) {
    return Send(http::verb::get, target, "127.0.0.1:" + std::to_string(server_->port()));
  }

  std::vector<std::pair<std::string, std::string>> Seen() {
    absl::MutexLock lock(&mu_);
    return seen_;
  }

  std::unique_ptr<ReviewServer> server_;
  std::thread thread_;
  absl::Mutex mu_;
  std::vector<std::pair<std::string, std::string>> seen_ ABSL_GUARDED_BY(mu_);
};

TEST_F(ReviewServerTest, ServesTheEmbeddedPageWithAStrictContentSecurityPolicy) {
  const Answer page = Get("/");
  EXPECT_EQ(page.status, 200u);
  EXPECT_EQ(page.content_type, "text/html; charset=utf-8");
  EXPECT_THAT(page.body, HasSubstr("<script src=\"/app.js\" defer></script>"));
  EXPECT_THAT(page.body, HasSubstr("<label for=\"f-case\">Case</label>"));
  EXPECT_THAT(page.csp, HasSubstr("default-src 'none'; script-src 'self'"));
  EXPECT_THAT(Get("/app.js").body, HasSubstr("textContent"));
  EXPECT_THAT(page.body, HasSubstr("<script src=\"/listings.js\" defer></script>"));
  EXPECT_THAT(Get("/listings.js").body, HasSubstr("'/api/overdue'"));
  EXPECT_EQ(Get("/app.css").content_type, "text/css; charset=utf-8");
  EXPECT_EQ(Get("/nothing-here").status, 404u);
}

TEST_F(ReviewServerTest, HandsApiRequestsToTheHandlerWithTheirQuery) {
  const Answer answer = Get("/api/entries?case=C%2F1&action=withheld&action=delivered");
  EXPECT_EQ(answer.status, 200u);
  EXPECT_EQ(answer.body, "{\"ok\":true}");
  EXPECT_THAT(Seen(),
              ElementsAre(Pair("/api/entries", "case=C%2F1&action=withheld&action=delivered")));
}

TEST_F(ReviewServerTest, AnswersOnlyLoopbackHostNamesOfItsOwnPort) {
  const std::string port = std::to_string(server_->port());
  EXPECT_EQ(Send(http::verb::get, "/", "localhost:" + port).status, 200u);
  // DNS rebinding: a page of evil.example resolved to 127.0.0.1.
  EXPECT_EQ(Send(http::verb::get, "/api/entries", "evil.example:" + port).status, 403u);
  EXPECT_EQ(Send(http::verb::get, "/", "127.0.0.1:1").status, 403u);
  EXPECT_EQ(Send(http::verb::get, "/", "127.0.0.1").status, 403u);
  EXPECT_TRUE(Seen().empty());
}

TEST_F(ReviewServerTest, AnswersOnlyGet) {
  const std::string host = "127.0.0.1:" + std::to_string(server_->port());
  EXPECT_EQ(Send(http::verb::post, "/api/entries", host).status, 405u);
  EXPECT_EQ(Send(http::verb::put, "/", host).status, 405u);
  EXPECT_TRUE(Seen().empty());
}

TEST(ReviewApiParamsTest, ParsesQueryStringsWithRepeatsAndEscapes) {
  EXPECT_THAT(ParseQuery("case=C%2F1&action=a&action=b&q=x+y&empty=&flag"),
              ElementsAre(Pair("case", "C/1"), Pair("action", "a"), Pair("action", "b"),
                          Pair("q", "x y"), Pair("empty", ""), Pair("flag", "")));
  EXPECT_THAT(ParseQuery("bad=%zz%4"), ElementsAre(Pair("bad", "%zz%4")));
}

TEST(ReviewApiParamsTest, FiltersFromParameters) {
  auto filter = FilterFromParams(ParseQuery(
      "case=CASE-1&agency=police&notification=n-1&action=withheld&action=publish_refused&"
      "from=2026-11-30&to=2026-11-30"));
  ASSERT_TRUE(filter.ok()) << filter.status();
  EXPECT_EQ(filter->case_ref(), "CASE-1");
  EXPECT_EQ(filter->agency(), "police");
  EXPECT_EQ(filter->notification_id(), "n-1");
  EXPECT_THAT(filter->actions(), ElementsAre("withheld", "publish_refused"));
  using google::protobuf::util::TimeUtil;
  EXPECT_EQ(TimeUtil::ToString(filter->from()), "2026-11-30T00:00:00Z");
  EXPECT_EQ(TimeUtil::ToString(filter->to()), "2026-12-01T00:00:00Z");  // the whole day
  auto bad = FilterFromParams(ParseQuery("from=yesterday"));
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr("from: 'yesterday' is neither"));
  auto reversed = FilterFromParams(ParseQuery("from=2026-11-30T10:00:00Z&to=2026-11-30T09:00:00Z"));
  EXPECT_EQ(reversed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(reversed.status().message()),
              StartsWith("to 2026-11-30T09:00:00Z is not later than from 2026-11-30T10:00:00Z: "
                         "give from before to"));
}

TEST(ReviewApiParamsTest, ListingsOfDeliveriesFromParameters) {
  auto listing = ListingFromParams(ParseQuery("case=CASE%2F1&agency=cfs&after=42"));
  ASSERT_TRUE(listing.ok()) << listing.status();
  EXPECT_EQ(listing->case_ref, "CASE/1");
  EXPECT_EQ(listing->agency, "cfs");
  EXPECT_EQ(listing->after, 42u);
  auto first = ListingFromParams(ParseQuery(""));
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->case_ref, "");
  EXPECT_EQ(first->agency, "");
  EXPECT_EQ(first->after, 0u);  // the first page
  for (const char* bad : {"after=x", "after=-1", "after=4 2", "after=18446744073709551616"}) {
    auto refused = ListingFromParams(ParseQuery(bad));
    EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_EQ(refused.status().message(), "after: give a whole number") << bad;
  }
}

TEST(TimeBoundTest, ReadsRfc3339WithOffsetsAndFractions) {
  using google::protobuf::util::TimeUtil;
  auto at = ParseTimeBound("2026-11-30T10:00:00.25+01:00", false);
  ASSERT_TRUE(at.ok()) << at.status();
  EXPECT_EQ(TimeUtil::ToString(*at), "2026-11-30T09:00:00.250Z");
  EXPECT_FALSE(ParseTimeBound("2026-11-30 10:00", false).ok());
  EXPECT_FALSE(ParseTimeBound("2026-13-01", true).ok());
}

}  // namespace
}  // namespace safeshare::review
