#ifndef SAFESHARE_CLIENT_REVIEW_REVIEW_SERVER_H_
#define SAFESHARE_CLIENT_REVIEW_REVIEW_SERVER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include "absl/strings/string_view.h"

#include "absl/status/statusor.h"

// The IG lead's review page, served on the loopback interface only
// (Boost.Beast). The server itself knows nothing of the broker: it serves
// the embedded page (index.html, app.css, app.js) and hands every
// /api/... request to the ApiHandler.
//
// Only GET is answered (405 otherwise), and only with the Host header
// 127.0.0.1:<port> or localhost:<port> (403 otherwise), so a page on
// another site cannot reach it through DNS rebinding. Every answer forbids
// caching, sniffing and framing, and the Content-Security-Policy allows
// this origin's script and style only (the page has no inline script).
namespace safeshare::review {

struct HttpReply {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::string body;
};

// Called with the path ("/api/entries") and the raw query string (after '?',
// still percent-encoded), on the server's thread.
using ApiHandler = std::function<HttpReply(absl::string_view path, absl::string_view query)>;

class ReviewServer {
 public:
  // Binds 127.0.0.1:`port` (0: a free port). UNAVAILABLE when it cannot.
  static absl::StatusOr<std::unique_ptr<ReviewServer>> Bind(uint16_t port, ApiHandler api);
  ~ReviewServer();
  ReviewServer(const ReviewServer&) = delete;
  ReviewServer& operator=(const ReviewServer&) = delete;

  uint16_t port() const;
  // Serves on the calling thread, one request at a time, until Stop() or,
  // when `stop_on_signals`, SIGINT or SIGTERM.
  void Run(bool stop_on_signals);
  // Ends Run soon after; callable from any thread.
  void Stop();

 private:
  struct State;
  explicit ReviewServer(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace safeshare::review

#endif  // SAFESHARE_CLIENT_REVIEW_REVIEW_SERVER_H_
