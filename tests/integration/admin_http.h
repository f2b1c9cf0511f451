#pragma once
// A minimal HTTP/1.1 client over a raw loopback socket, for the admin
// listener tests: it sends exactly the bytes it is given, so tests can send
// what no well-behaved client would.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <sstream>
#include <string>

namespace safeshare::testing {

struct HttpReply {
  int status = 0;       // 0: no reply (connection closed or timed out)
  std::string headers;  // the header block, lower-cased names kept as sent
  std::string body;
};

// A TCP connection to 127.0.0.1:`port`; -1 when it cannot connect.
inline int ConnectLoopback(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Everything `fd` yields until the peer closes it, or `limit` passes.
inline std::string ReadUntilClosed(int fd, std::chrono::milliseconds limit) {
  std::string data;
  const auto end = std::chrono::steady_clock::now() + limit;
  char buffer[4096];
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        end - std::chrono::steady_clock::now());
    pollfd p{fd, POLLIN, 0};
    if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n <= 0) break;
    data.append(buffer, static_cast<size_t>(n));
  }
  return data;
}

inline HttpReply ParseReply(const std::string& data) {
  HttpReply reply;
  const size_t end = data.find("\r\n\r\n");
  if (data.rfind("HTTP/1.1 ", 0) != 0 || end == std::string::npos) return reply;
  reply.status = std::stoi(data.substr(9, 3));
  reply.headers = data.substr(0, end);
  reply.body = data.substr(end + 4);
  return reply;
}

// Sends `request` (raw bytes) and reads the reply until the connection closes.
inline HttpReply SendRaw(int port, const std::string& request,
                         std::chrono::milliseconds limit = std::chrono::seconds(10)) {
  const int fd = ConnectLoopback(port);
  if (fd < 0) return {};
  (void)::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  const std::string data = ReadUntilClosed(fd, limit);
  ::close(fd);
  return ParseReply(data);
}

inline HttpReply Http(int port, const std::string& method, const std::string& path,
                      std::chrono::milliseconds limit = std::chrono::seconds(10)) {
  return SendRaw(port,
                 method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
                 limit);
}

// The value of the series `series` (name and labels exactly as exposed) in
// the Prometheus text `text`; -1 when it is absent.
inline double MetricValue(const std::string& text, const std::string& series) {
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(series + " ", 0) == 0) {
      return std::strtod(line.c_str() + series.size() + 1, nullptr);
    }
  }
  return -1;
}

}  // namespace safeshare::testing
