#pragma once

// A TCP forwarder on 127.0.0.1, between a client (a broker) and a server
// (PostgreSQL), that a test cuts and restores as a network failure would,
// without touching the server other tests share.
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

namespace safeshare::testing {

class TcpProxy {
 public:
  // Listens on a free loopback port, forwarding to 127.0.0.1:target_port.
  explicit TcpProxy(int target_port) : target_port_(target_port) { Listen(0); }
  ~TcpProxy() { Cut(); }
  TcpProxy(const TcpProxy&) = delete;
  TcpProxy& operator=(const TcpProxy&) = delete;

  int port() const { return port_; }

  // Closes every forwarded connection and stops listening: connecting is
  // refused until Restore().
  void Cut() {
    stop_ = true;
    if (acceptor_.joinable()) acceptor_.join();
    std::vector<std::thread> pumps;
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (int fd : open_) ::shutdown(fd, SHUT_RDWR);
      pumps.swap(pumps_);
    }
    for (auto& t : pumps) t.join();
    std::lock_guard<std::mutex> lock(mu_);
    for (int fd : open_) ::close(fd);
    open_.clear();
  }
  // Listens again, on the same port.
  void Restore() { Listen(port_); }

 private:
  static sockaddr_in Loopback(int port) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(port));
    return addr;
  }

  void Listen(int port) {
    // Close-on-exec: a broker the test starts later must not inherit the
    // listener, or closing it here would not stop connections.
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    sockaddr_in addr = Loopback(port);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
        ::listen(fd, 64) != 0) {
      ::close(fd);
      throw std::runtime_error("TcpProxy: cannot listen on port " + std::to_string(port));
    }
    socklen_t len = sizeof(addr);
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    stop_ = false;
    acceptor_ = std::thread([this, fd] { Accept(fd); });
  }

  void Accept(int listener) {
    while (!stop_) {
      pollfd p{listener, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      const int client = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
      if (client < 0) continue;
      const int server = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      sockaddr_in target = Loopback(target_port_);
      if (::connect(server, reinterpret_cast<sockaddr*>(&target), sizeof(target)) != 0) {
        ::close(client);
        ::close(server);
        continue;
      }
      std::lock_guard<std::mutex> lock(mu_);
      open_.push_back(client);
      open_.push_back(server);
      pumps_.emplace_back([this, client, server] { Pump(client, server); });
    }
    ::close(listener);
  }

  // Copies bytes both ways until either side closes or the proxy is cut.
  void Pump(int a, int b) {
    char buffer[16384];
    while (!stop_) {
      pollfd p[2] = {{a, POLLIN, 0}, {b, POLLIN, 0}};
      if (::poll(p, 2, 50) <= 0) continue;
      for (int i = 0; i < 2; ++i) {
        if ((p[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
        const ssize_t n = ::read(p[i].fd, buffer, sizeof(buffer));
        if (n <= 0) return;
        const int to = i == 0 ? b : a;
        for (ssize_t sent = 0; sent < n;) {
          const ssize_t w = ::write(to, buffer + sent, static_cast<size_t>(n - sent));
          if (w <= 0) return;
          sent += w;
        }
      }
    }
  }

  const int target_port_;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread acceptor_;
  std::mutex mu_;
  std::vector<int> open_;
  std::vector<std::thread> pumps_;
};

}  // namespace safeshare::testing
