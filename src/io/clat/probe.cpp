#include "io/clat/probe.hpp"

#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>

#include <fmt/format.h>

#include "io/sys/fd.hpp"

namespace sixfour::io {

namespace {

using Clock = std::chrono::steady_clock;

// Waits until `deadline` for an Echo Reply from `target` carrying `id` / `seq`.
bool await_reply(int fd, const Ipv6Addr& target, uint16_t id, uint16_t seq, Clock::time_point deadline) {
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return false;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left)) <= 0) continue;
    uint8_t buf[256];
    sockaddr_in6 from{};
    socklen_t flen = sizeof from;
    const ssize_t n = ::recvfrom(fd, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &flen);
    if (n < 8 || buf[0] != ICMP6_ECHO_REPLY) continue;
    if (std::memcmp(&from.sin6_addr, target.b.data(), 16) != 0) continue;
    if ((buf[4] << 8 | buf[5]) == id && (buf[6] << 8 | buf[7]) == seq) return true;
  }
}

}  // namespace

ProbeResult probe_echo(const Ipv6Addr& target, const std::string& uplink, std::chrono::milliseconds wait, int tries) {
  Fd fd{::socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMPV6)};
  if (!fd) return {false, fmt::format("socket: {}", std::strerror(errno))};
  icmp6_filter filter;
  ICMP6_FILTER_SETBLOCKALL(&filter);
  ICMP6_FILTER_SETPASS(ICMP6_ECHO_REPLY, &filter);
  ::setsockopt(fd.get(), IPPROTO_ICMPV6, ICMP6_FILTER, &filter, sizeof filter);
  if (!uplink.empty() &&
      ::setsockopt(fd.get(), SOL_SOCKET, SO_BINDTODEVICE, uplink.c_str(), static_cast<socklen_t>(uplink.size())) < 0)
    return {false, fmt::format("SO_BINDTODEVICE {}: {}", uplink, std::strerror(errno))};
  sockaddr_in6 to{};
  to.sin6_family = AF_INET6;
  std::memcpy(&to.sin6_addr, target.b.data(), 16);
  const uint16_t id = static_cast<uint16_t>(std::random_device{}());
  const auto began = Clock::now();
  for (int t = 1; t <= tries; ++t) {
    // Type 128, code 0, checksum (the kernel's), identifier, sequence, then a marker.
    uint8_t req[16] = {ICMP6_ECHO_REQUEST,
                       0,
                       0,
                       0,
                       static_cast<uint8_t>(id >> 8),
                       static_cast<uint8_t>(id),
                       0,
                       static_cast<uint8_t>(t),
                       's',
                       'i',
                       'x',
                       'f',
                       'o',
                       'u',
                       'r',
                       '?'};
    if (::sendto(fd.get(), req, sizeof req, 0, reinterpret_cast<const sockaddr*>(&to), sizeof to) < 0)
      return {false, fmt::format("send to {}: {}", target.str(), std::strerror(errno))};
    if (await_reply(fd.get(), target, id, static_cast<uint16_t>(t), Clock::now() + wait)) {
      const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - began).count();
      return {true, fmt::format("echo reply from {} in {} ms", target.str(), ms)};
    }
  }
  return {false, fmt::format("no echo reply from {} in {} x {} ms", target.str(), tries, wait.count())};
}

}  // namespace sixfour::io
