// Small helpers of the one-shot probes that `sixfour doctor` and RFC 7050 discovery send: numeric
// addresses as sockaddrs, short errno texts for network calls, millisecond deadlines.
#pragma once
#include <sys/socket.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace sixfour::io {

inline double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

inline int ms_left(std::chrono::steady_clock::time_point deadline) {
  auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
  return left < 0 ? 0 : static_cast<int>(left);
}

// A numeric address (an IPv6 one may carry %scope) and a port as a sockaddr.
struct SockAddr {
  sockaddr_storage ss{};
  socklen_t len = 0;
  int family() const { return ss.ss_family; }
  const sockaddr* sa() const { return reinterpret_cast<const sockaddr*>(&ss); }
};

// nullopt when `address` is not a numeric IPv4 or IPv6 address.
std::optional<SockAddr> sockaddr_of(const std::string& address, uint16_t port);

// What a failed connect/send/recv means for reachability, in a few words ("network unreachable
// (no route)", "timeout", ...); strerror() for the rest.
std::string short_errno(int err);

// inet_ntop() as a string; `a` points at 4 (AF_INET) or 16 (AF_INET6) octets.
std::string ntop_text(int family, const void* a);

inline uint16_t rd16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }

}  // namespace sixfour::io
