// The lab's web server (`sixfour lab serve-http ADDR PORT NAME`): one connection at a time, every
// GET or HEAD answered with a short text page naming the client address it saw, which is what
// the demo wants to show (the NAT64's or the proxy's IPv4 address). HTTP/1.0 semantics
// (RFC 1945): the connection closes after the response.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <string>

#include <fmt/format.h>

#include "io/sys/fd.hpp"
#include "io/lab/lab.hpp"
#include "lab/lab.hpp"

namespace sixfour::io {

namespace {

std::string peer_text(const sockaddr_storage& ss) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (ss.ss_family == AF_INET)
    ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in&>(ss).sin_addr, buf, sizeof buf);
  else
    ::inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6&>(ss).sin6_addr, buf, sizeof buf);
  return buf;
}

void serve_one(int fd, const std::string& name, const std::string& client) {
  timeval tv{3, 0};  // a client that sends nothing does not block the next one for long
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  std::string req;
  char buf[2048];
  while (req.size() < 8192 && req.find("\r\n\r\n") == std::string::npos && req.find("\n\n") == std::string::npos) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    req.append(buf, static_cast<size_t>(n));
  }
  const bool head = req.rfind("HEAD ", 0) == 0;
  const bool get = req.rfind("GET ", 0) == 0;
  std::string body = get || head ? lab::http_body(name, client) : "bad request\n";
  std::string resp = fmt::format(
      "HTTP/1.0 {}\r\nServer: sixfour-lab\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\n"
      "Connection: close\r\n\r\n{}",
      get || head ? "200 OK" : "400 Bad Request", body.size(), head ? "" : body);
  size_t off = 0;
  while (off < resp.size()) {
    ssize_t n = ::write(fd, resp.data() + off, resp.size() - off);
    if (n <= 0) break;
    off += static_cast<size_t>(n);
  }
  std::printf("%s %s\n", client.c_str(), req.substr(0, req.find_first_of("\r\n")).c_str());
  std::fflush(stdout);
}

}  // namespace

int lab_serve_http(const std::string& addr, const std::string& port_text, const std::string& name) {
  ::signal(SIGPIPE, SIG_IGN);
  unsigned port = 0;
  auto [p, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || p != port_text.data() + port_text.size() || port == 0 || port > 65535) {
    std::fprintf(stderr, "sixfour lab serve-http: port \"%s\": want 1-65535\n", port_text.c_str());
    return 2;
  }
  sockaddr_storage ss{};
  socklen_t len = 0;
  auto* s4 = reinterpret_cast<sockaddr_in*>(&ss);
  auto* s6 = reinterpret_cast<sockaddr_in6*>(&ss);
  if (::inet_pton(AF_INET, addr.c_str(), &s4->sin_addr) == 1) {
    s4->sin_family = AF_INET;
    s4->sin_port = htons(static_cast<uint16_t>(port));
    len = sizeof *s4;
  } else if (::inet_pton(AF_INET6, addr.c_str(), &s6->sin6_addr) == 1) {
    s6->sin6_family = AF_INET6;
    s6->sin6_port = htons(static_cast<uint16_t>(port));
    len = sizeof *s6;
  } else {
    std::fprintf(stderr, "sixfour lab serve-http: address \"%s\": not an IPv4 or IPv6 address\n", addr.c_str());
    return 2;
  }
  Fd sock(::socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0));
  int one = 1;
  ::setsockopt(sock.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (ss.ss_family == AF_INET6) ::setsockopt(sock.get(), IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
  if (!sock || ::bind(sock.get(), reinterpret_cast<sockaddr*>(&ss), len) != 0 || ::listen(sock.get(), 64) != 0) {
    std::fprintf(stderr, "sixfour lab serve-http: %s port %u: %s\n", addr.c_str(), port, std::strerror(errno));
    return 1;
  }
  std::printf("serving http://%s%s%s:%u/ as %s\n", ss.ss_family == AF_INET6 ? "[" : "", addr.c_str(),
              ss.ss_family == AF_INET6 ? "]" : "", port, name.c_str());
  std::fflush(stdout);
  for (;;) {
    sockaddr_storage peer{};
    socklen_t plen = sizeof peer;
    Fd c(::accept4(sock.get(), reinterpret_cast<sockaddr*>(&peer), &plen, SOCK_CLOEXEC));
    if (!c) {
      if (errno == EINTR || errno == ECONNABORTED || errno == EMFILE || errno == ENFILE) continue;
      std::fprintf(stderr, "sixfour lab serve-http: accept: %s\n", std::strerror(errno));
      return 1;
    }
    serve_one(c.get(), name, peer_text(peer));
  }
}

}  // namespace sixfour::io
