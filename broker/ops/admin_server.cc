#include "broker/ops/admin_server.h"

#include <array>
#include <charconv>
#include <optional>

#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "broker/core/logging.h"

namespace safeshare::ops {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

const std::shared_ptr<spdlog::logger>& Log() {
  static const auto log = ModuleLogger("ops");
  return log;
}

// One connection: reads a request, answers it, and reads the next while the
// client keeps the connection alive. One operation at a time, so its
// handlers never overlap. Owns itself through the handlers it has queued.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, const AdminRoutes& routes, asio::thread_pool& scrapes,
          std::atomic<int>& connections)
      : stream_(std::move(socket)), routes_(routes), scrapes_(scrapes), connections_(connections) {}
  ~Session() { connections_.fetch_sub(1); }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  void Read() {
    parser_.emplace();
    parser_->header_limit(AdminServer::kMaxHeaderBytes);
    parser_->body_limit(0);
    stream_.expires_after(AdminServer::kReadTimeout);
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code error, size_t) { self->OnRead(error); });
  }

 private:
  void OnRead(beast::error_code error) {
    if (error == http::error::header_limit || error == asio::error::no_buffer_space ||
        error == beast::error_code(http::error::buffer_overflow)) {
      return Write({431, "text/plain; charset=utf-8", "request header too large\n"}, false);
    }
    if (error == http::error::body_limit || error == http::error::unexpected_body) {
      return Write({413, "text/plain; charset=utf-8", "a request must carry no body\n"}, false);
    }
    if (error) return Close();  // closed by the client, timed out, or not HTTP
    const auto& request = parser_->get();
    const std::string method(request.method_string());
    const std::string target(request.target());
    const bool keep_alive = request.keep_alive();
    if (!AdminRoutes::IsScrape(method, target)) {
      return Write(routes_.Answer(method, target), keep_alive);
    }
    // Off the I/O thread; the answer is written back on it.
    asio::post(scrapes_, [self = shared_from_this(), method, target, keep_alive] {
      AdminAnswer answer = self->routes_.Answer(method, target);
      asio::post(self->stream_.get_executor(),
                 [self, answer = std::move(answer), keep_alive]() mutable {
                   self->Write(std::move(answer), keep_alive);
                 });
    });
  }

  void Write(AdminAnswer answer, bool keep_alive) {
    response_ = {};
    response_.version(11);
    response_.result(static_cast<unsigned>(answer.status));
    response_.set(http::field::content_type, answer.content_type);
    response_.set(http::field::cache_control, "no-store");
    if (answer.status == 405) response_.set(http::field::allow, "GET");
    response_.body() = std::move(answer.body);
    response_.keep_alive(keep_alive);
    response_.prepare_payload();
    stream_.expires_after(AdminServer::kWriteTimeout);
    http::async_write(stream_, response_,
                      [self = shared_from_this()](beast::error_code error, size_t) {
                        if (error) return self->Close();
                        if (!self->response_.keep_alive()) return self->LingeringClose();
                        self->Read();
                      });
  }

  // Closing a socket with unread bytes (the rest of an oversized request)
  // resets the connection, which can destroy the answer before the client
  // reads it: end sending, discard what still arrives for at most
  // kLinger, then close.
  void LingeringClose() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.expires_after(kLinger);
    Discard();
  }
  void Discard() {
    stream_.async_read_some(asio::buffer(discard_),
                            [self = shared_from_this()](beast::error_code error, size_t) {
                              if (error) return self->Close();
                              self->Discard();
                            });
  }

  void Close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
  }

  static constexpr std::chrono::seconds kLinger{1};

  beast::tcp_stream stream_;
  std::array<char, 4096> discard_{};
  // Holds at most a header: the parser refuses more first.
  beast::flat_buffer buffer_{AdminServer::kMaxHeaderBytes + 1024};
  std::optional<http::request_parser<http::empty_body>> parser_;
  http::response<http::string_body> response_;
  const AdminRoutes& routes_;
  asio::thread_pool& scrapes_;
  std::atomic<int>& connections_;
};

// "IP:PORT" or "[IPv6]:PORT" as an endpoint.
absl::StatusOr<tcp::endpoint> ParseEndpoint(const std::string& listen) {
  const size_t colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    return absl::InvalidArgumentError("admin.listen: \"" + listen + "\" is not IP:PORT");
  }
  std::string host = listen.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  const std::string_view port_text = std::string_view(listen).substr(colon + 1);
  unsigned port = 0;
  const auto parsed = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  beast::error_code error;
  const auto address = asio::ip::make_address(host, error);
  if (error || parsed.ec != std::errc() || parsed.ptr != port_text.data() + port_text.size() ||
      port > 65535) {
    return absl::InvalidArgumentError("admin.listen: \"" + listen +
                                      "\" is not IP:PORT (an IP address, not a host name)");
  }
  return tcp::endpoint(address, static_cast<unsigned short>(port));
}

}  // namespace

AdminServer::AdminServer(AdminRoutes routes) : routes_(std::move(routes)) {}

absl::StatusOr<std::unique_ptr<AdminServer>> AdminServer::Start(const std::string& listen,
                                                                AdminRoutes routes) {
  auto endpoint = ParseEndpoint(listen);
  if (!endpoint.ok()) return endpoint.status();
  std::unique_ptr<AdminServer> server(new AdminServer(std::move(routes)));
  beast::error_code error;
  auto& acceptor = server->acceptor_;
  acceptor.open(endpoint->protocol(), error);
  if (!error) acceptor.set_option(asio::socket_base::reuse_address(true), error);
  if (!error) acceptor.bind(*endpoint, error);
  if (!error) acceptor.listen(asio::socket_base::max_listen_connections, error);
  if (!error) server->port_ = acceptor.local_endpoint(error).port();
  if (error) {
    return absl::UnavailableError("admin.listen: cannot listen on " + listen + ": " +
                                  error.message());
  }
  server->Accept();
  server->thread_ = std::thread([raw = server.get()] { raw->io_.run(); });
  return server;
}

AdminServer::~AdminServer() { Stop(); }

void AdminServer::Stop() {
  io_.stop();
  if (thread_.joinable()) thread_.join();
  beast::error_code ignored;
  acceptor_.close(ignored);  // the I/O thread is gone: nothing else touches it now
  scrapes_.join();
}

void AdminServer::Accept() {
  acceptor_.async_accept(
      asio::make_strand(io_), [this](beast::error_code error, tcp::socket socket) {
        if (error == asio::error::operation_aborted || !acceptor_.is_open()) return;
        if (!error) {
          if (connections_.fetch_add(1) >= kMaxConnections) {
            connections_.fetch_sub(1);
            Log()->warn("admin listener: {} connections open; closing a new one", kMaxConnections);
            beast::error_code ignored;
            socket.close(ignored);
          } else {
            std::make_shared<Session>(std::move(socket), routes_, scrapes_, connections_)->Read();
          }
        }
        Accept();
      });
}

}  // namespace safeshare::ops
