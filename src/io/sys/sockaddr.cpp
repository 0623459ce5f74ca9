#include "io/sys/sockaddr.hpp"

#include <arpa/inet.h>
#include <netdb.h>

#include <cerrno>
#include <cstring>

namespace sixfour::io {

std::optional<SockAddr> sockaddr_of(const std::string& address, uint16_t port) {
  addrinfo hints{};
  hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
  hints.ai_family = AF_UNSPEC;
  addrinfo* res = nullptr;
  if (::getaddrinfo(address.c_str(), std::to_string(port).c_str(), &hints, &res) != 0 || !res) return std::nullopt;
  SockAddr s;
  std::memcpy(&s.ss, res->ai_addr, res->ai_addrlen);
  s.len = res->ai_addrlen;
  ::freeaddrinfo(res);
  return s;
}

std::string short_errno(int err) {
  switch (err) {
    case ENETUNREACH:
      return "network unreachable (no route)";
    case EHOSTUNREACH:
      return "host unreachable";
    case ETIMEDOUT:
      return "timeout";
    case EAFNOSUPPORT:
      return "address family not supported (the family is disabled here)";
    case EADDRNOTAVAIL:
      return "no source address of this family";
    case EACCES:
    case EPERM:
      return "not permitted (firewall or missing privilege)";
    default:
      return std::strerror(err);
  }
}

std::string ntop_text(int family, const void* a) {
  char text[INET6_ADDRSTRLEN] = {};
  ::inet_ntop(family, a, text, sizeof text);
  return text;
}

}  // namespace sixfour::io
