#include "review_server.h"

#include <chrono>
#include <utility>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "absl/strings/str_cat.h"

namespace safeshare::review {

// The embedded page (generated from page/ by embed_asset.cmake).
extern const char kIndexHtml[];
extern const char kAppCss[];
extern const char kAppJs[];
extern const char kListingsJs[];

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

constexpr auto kIdleTimeout = std::chrono::seconds(30);
constexpr char kSecurityPolicy[] =
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

HttpReply Text(unsigned status, std::string body) {
  return {status, "text/plain; charset=utf-8", std::move(body)};
}

// What to answer, before any I/O: the checks, the page, or the API.
HttpReply Route(const Request& request, uint16_t port, const ApiHandler& api) {
  const std::string host(request[http::field::host]);
  if (host != absl::StrCat("127.0.0.1:", port) && host != absl::StrCat("localhost:", port)) {
    return Text(
        403, absl::StrCat("refused: Host must be 127.0.0.1:", port, " or localhost:", port, "\n"));
  }
  if (request.method() != http::verb::get) return Text(405, "only GET is served\n");
  const absl::string_view target(request.target().data(), request.target().size());
  const size_t question = target.find('?');
  const absl::string_view path = target.substr(0, question);
  const absl::string_view query =
      question == absl::string_view::npos ? absl::string_view() : target.substr(question + 1);
  if (path == "/") return {200, "text/html; charset=utf-8", kIndexHtml};
  if (path == "/app.css") return {200, "text/css; charset=utf-8", kAppCss};
  if (path == "/app.js") return {200, "text/javascript; charset=utf-8", kAppJs};
  if (path == "/listings.js") return {200, "text/javascript; charset=utf-8", kListingsJs};
  if (path.substr(0, 5) == "/api/") return api(path, query);
  return Text(404, "not found\n");
}

Response ToResponse(const Request& request, HttpReply reply) {
  Response response(static_cast<http::status>(reply.status), request.version());
  response.set(http::field::content_type, reply.content_type);
  response.set(http::field::cache_control, "no-store");
  response.set("X-Content-Type-Options", "nosniff");
  response.set("Content-Security-Policy", kSecurityPolicy);
  response.set("Referrer-Policy", "no-referrer");
  if (reply.status == 405) response.set(http::field::allow, "GET");
  response.keep_alive(request.keep_alive());
  response.body() = std::move(reply.body);
  response.prepare_payload();
  return response;
}

// One connection: read a request, answer it, repeat while kept alive.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, uint16_t port, const ApiHandler& api)
      : stream_(std::move(socket)), port_(port), api_(api) {}

  void Read() {
    request_ = {};
    stream_.expires_after(kIdleTimeout);
    http::async_read(stream_, buffer_, request_,
                     beast::bind_front_handler(&Session::OnRead, shared_from_this()));
  }

 private:
  void OnRead(beast::error_code error, size_t /*bytes*/) {
    if (error) return Close();
    auto response = std::make_shared<Response>(ToResponse(request_, Route(request_, port_, api_)));
    http::async_write(stream_, *response,
                      [self = shared_from_this(), response](beast::error_code e, size_t) {
                        if (e || !response->keep_alive()) return self->Close();
                        self->Read();
                      });
  }

  void Close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  Request request_;
  uint16_t port_;
  const ApiHandler& api_;
};

}  // namespace

// Declared so that sessions (owned by pending handlers in `io`) go before
// the handler they refer to.
struct ReviewServer::State {
  ApiHandler api;
  uint16_t port = 0;
  asio::io_context io{1};
  tcp::acceptor acceptor{io};

  void Accept() {
    acceptor.async_accept(io, [this](beast::error_code error, tcp::socket s) {
      if (error) return;  // the acceptor was closed: stopping
      std::make_shared<Session>(std::move(s), port, api)->Read();
      Accept();
    });
  }
};

absl::StatusOr<std::unique_ptr<ReviewServer>> ReviewServer::Bind(uint16_t port, ApiHandler api) {
  auto state = std::make_unique<State>();
  state->api = std::move(api);
  beast::error_code error;
  const tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), port);
  state->acceptor.open(endpoint.protocol(), error);
  if (!error) state->acceptor.set_option(asio::socket_base::reuse_address(true), error);
  if (!error) state->acceptor.bind(endpoint, error);
  if (!error) state->acceptor.listen(asio::socket_base::max_listen_connections, error);
  if (error) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on 127.0.0.1:", port, ": ", error.message()));
  }
  state->port = state->acceptor.local_endpoint().port();
  return std::unique_ptr<ReviewServer>(new ReviewServer(std::move(state)));
}

ReviewServer::ReviewServer(std::unique_ptr<State> state) : state_(std::move(state)) {}
ReviewServer::~ReviewServer() = default;

uint16_t ReviewServer::port() const { return state_->port; }

void ReviewServer::Run(bool stop_on_signals) {
  asio::signal_set signals(state_->io);
  if (stop_on_signals) {
    signals.add(SIGINT);
    signals.add(SIGTERM);
    signals.async_wait([this](beast::error_code error, int) {
      if (!error) state_->io.stop();
    });
  }
  state_->Accept();
  state_->io.run();
}

void ReviewServer::Stop() {
  asio::post(state_->io, [this] { state_->io.stop(); });
}

}  // namespace safeshare::review
