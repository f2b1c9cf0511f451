#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/thread_pool.hpp>

#include "absl/status/statusor.h"
#include "broker/ops/admin_routes.h"

namespace safeshare::ops {

// The admin HTTP listener (`admin.listen`): plain HTTP/1.1 for probes and
// Prometheus on loopback or a cluster-internal address, no TLS and no client
// certificate (it serves no notification, case or audit data; only counts
// and health). Boost.Beast on its own io_context and thread; connections
// are asynchronous, so one slow client does not hold another, and scrapes
// (which may read the store) run on a separate thread.
//
// Bounds against a slow or hostile client: a request's header may be at
// most kMaxHeaderBytes (beyond: 431 and the connection closed) and must
// carry no body; a request must arrive within kReadTimeout of the
// connection being ready for it, and an answer be taken within
// kWriteTimeout (else the connection is closed); at most kMaxConnections
// are open at once (more are closed as soon as accepted).
class AdminServer {
 public:
  static constexpr size_t kMaxHeaderBytes = size_t{8} * 1024;
  static constexpr std::chrono::seconds kReadTimeout{5};
  static constexpr std::chrono::seconds kWriteTimeout{10};
  static constexpr int kMaxConnections = 64;

  // Listens on `listen` ("IP:PORT", port 0 picks a free one; IPv6 as
  // "[::1]:9464") and serves `routes` until Stop.
  static absl::StatusOr<std::unique_ptr<AdminServer>> Start(const std::string& listen,
                                                            AdminRoutes routes);
  ~AdminServer();  // Stop()
  AdminServer(const AdminServer&) = delete;
  AdminServer& operator=(const AdminServer&) = delete;

  int port() const { return port_; }
  // Closes the listener and every connection; waits for its threads.
  // Idempotent.
  void Stop();

 private:
  explicit AdminServer(AdminRoutes routes);
  void Accept();

  // Declared before io_: sessions still queued there when it is destroyed
  // use them as they go.
  const AdminRoutes routes_;
  std::atomic<int> connections_{0};
  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_{io_};
  boost::asio::thread_pool scrapes_{1};
  int port_ = 0;
  std::thread thread_;
};

}  // namespace safeshare::ops
