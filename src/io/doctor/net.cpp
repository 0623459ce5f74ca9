// `sixfour doctor`: the probes that send packets. Every socket has a deadline; nothing here needs
// privileges except what is tried first and reported when refused (raw ICMP sockets).
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <random>

#include <fmt/format.h>

#include "common/checksum.hpp"
#include "dns64/message.hpp"
#include "io/doctor/doctor.hpp"
#include "io/sys/errno_text.hpp"
#include "io/sys/fd.hpp"
#include "io/sys/sockaddr.hpp"

namespace sixfour::io {

namespace {
using Clock = std::chrono::steady_clock;

// The address a connecting socket is bound to: which of the host's addresses (and so which
// interface, a CLAT's 192.0.0.1 for one) the connection leaves from. "" when unknown.
std::string local_address(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return "";
  char text[INET6_ADDRSTRLEN] = {};
  const void* a = ss.ss_family == AF_INET6 ? static_cast<const void*>(&reinterpret_cast<sockaddr_in6*>(&ss)->sin6_addr)
                                           : static_cast<const void*>(&reinterpret_cast<sockaddr_in*>(&ss)->sin_addr);
  if (ss.ss_family != AF_INET && ss.ss_family != AF_INET6) return "";
  ::inet_ntop(ss.ss_family, a, text, sizeof text);
  return text;
}
}  // namespace

ConnectResult tcp_connect(const std::string& address, uint16_t port, int timeout_ms) {
  ConnectResult r;
  const auto t0 = Clock::now();
  auto done = [&](bool reached, std::string detail) {
    r.reached = reached;
    r.ms = ms_since(t0);
    r.detail = std::move(detail);
    return r;
  };
  auto to = sockaddr_of(address, port);
  if (!to) return done(false, fmt::format("\"{}\" is not a numeric address", address));
  Fd s(::socket(to->family(), SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!s) return done(false, short_errno(errno));
  int err = 0;
  if (::connect(s.get(), to->sa(), to->len) != 0) {
    if (errno != EINPROGRESS) {
      err = errno;
    } else {
      r.local = local_address(s.get());  // bound by now; a reset would unbind it
      pollfd p{s.get(), POLLOUT, 0};
      int n;
      do n = ::poll(&p, 1, timeout_ms);
      while (n < 0 && errno == EINTR);
      if (n == 0) return done(false, fmt::format("timeout after {} ms", timeout_ms));
      socklen_t len = sizeof err;
      ::getsockopt(s.get(), SOL_SOCKET, SO_ERROR, &err, &len);
    }
  }
  if (err == 0 && r.local.empty()) r.local = local_address(s.get());
  if (err == 0) return done(true, fmt::format("connected to port {}", port));
  // A reset proves the whole path works; only the service is not there.
  if (err == ECONNREFUSED) return done(true, fmt::format("reached (connection refused on port {})", port));
  return done(false, short_errno(err));
}

namespace {

// An ICMP echo socket: raw when permitted (CAP_NET_RAW), else an unprivileged ping socket
// (net.ipv4.ping_group_range), connected to the target.
struct EchoSocket {
  Fd fd;
  bool raw = false;
  int family = AF_INET;
  uint16_t ident = 0;
  std::string error;
};

EchoSocket open_echo(const SockAddr& to) {
  EchoSocket e;
  e.family = to.family();
  const int proto = e.family == AF_INET6 ? int{IPPROTO_ICMPV6} : int{IPPROTO_ICMP};
  e.fd = Fd(::socket(e.family, SOCK_RAW | SOCK_CLOEXEC, proto));
  e.raw = static_cast<bool>(e.fd);
  int raw_errno = errno;
  if (!e.fd) e.fd = Fd(::socket(e.family, SOCK_DGRAM | SOCK_CLOEXEC, proto));
  if (!e.fd) {
    std::string range, hi;
    std::ifstream f("/proc/sys/net/ipv4/ping_group_range");
    f >> range >> hi;
    const int ping_errno = errno;
    e.error = fmt::format(
        "no ICMP socket: a raw one needs CAP_NET_RAW ({}), a ping socket needs the group in "
        "net.ipv4.ping_group_range ({}; range {} {}, gid {})",
        std::strerror(raw_errno), std::strerror(ping_errno), range, hi, ::getgid());
    return e;
  }
  if (::connect(e.fd.get(), to.sa(), to.len) != 0) {
    e.error = short_errno(errno);
    e.fd.reset();
    return e;
  }
  // Don't fragment: the probe is about what the path carries whole.
  if (e.family == AF_INET6) {
    int on = 1;
    ::setsockopt(e.fd.get(), IPPROTO_IPV6, IPV6_DONTFRAG, &on, sizeof on);
    if (e.raw) {
      icmp6_filter f;
      ICMP6_FILTER_SETBLOCKALL(&f);
      ICMP6_FILTER_SETPASS(ICMP6_ECHO_REPLY, &f);
      ::setsockopt(e.fd.get(), IPPROTO_ICMPV6, ICMP6_FILTER, &f, sizeof f);
    }
  } else {
    int pmtu = IP_PMTUDISC_PROBE;
    ::setsockopt(e.fd.get(), IPPROTO_IP, IP_MTU_DISCOVER, &pmtu, sizeof pmtu);
  }
  std::random_device rd;
  e.ident = static_cast<uint16_t>(rd());
  return e;
}

struct EchoResult {
  bool ok = false;
  double ms = 0;
  std::string detail;
};

// One echo whose IP packet is `size` bytes.
EchoResult echo(EchoSocket& e, size_t size, uint16_t seq, int timeout_ms) {
  EchoResult r;
  const size_t iph = e.family == AF_INET6 ? 40 : 20;
  std::vector<uint8_t> pkt(size - iph, 0x5a);
  pkt[0] = e.family == AF_INET6 ? ICMP6_ECHO_REQUEST : ICMP_ECHO;
  pkt[1] = 0;
  pkt[2] = pkt[3] = 0;
  pkt[4] = static_cast<uint8_t>(e.ident >> 8);
  pkt[5] = static_cast<uint8_t>(e.ident);
  pkt[6] = static_cast<uint8_t>(seq >> 8);
  pkt[7] = static_cast<uint8_t>(seq);
  if (e.family == AF_INET) {  // ICMPv6 checksums are the kernel's (RFC 3542 §3.1)
    const uint16_t c = checksum::finish(checksum::partial(pkt));
    pkt[2] = static_cast<uint8_t>(c >> 8);
    pkt[3] = static_cast<uint8_t>(c);
  }
  const auto t0 = Clock::now();
  if (::send(e.fd.get(), pkt.data(), pkt.size(), 0) < 0) {
    int err = errno;
    r.ms = ms_since(t0);
    if (err == EMSGSIZE) {
      int mtu = 0;
      socklen_t len = sizeof mtu;
      ::getsockopt(e.fd.get(), e.family == AF_INET6 ? IPPROTO_IPV6 : IPPROTO_IP,
                   e.family == AF_INET6 ? IPV6_MTU : IP_MTU, &mtu, &len);
      r.detail = fmt::format("too big for the path (MTU {})", mtu);
    } else {
      r.detail = short_errno(err);
    }
    return r;
  }
  const auto deadline = t0 + std::chrono::milliseconds(timeout_ms);
  std::vector<uint8_t> buf(65536);
  while (true) {
    pollfd p{e.fd.get(), POLLIN, 0};
    int n = ::poll(&p, 1, ms_left(deadline));
    if (n == 0) {
      r.ms = ms_since(t0);
      r.detail = "no reply (timeout)";
      return r;
    }
    if (n < 0 && errno == EINTR) continue;
    ssize_t got = ::recv(e.fd.get(), buf.data(), buf.size(), 0);
    if (got < 0) {
      if (errno == EAGAIN || errno == EINTR) continue;
      r.ms = ms_since(t0);
      r.detail = errno == EMSGSIZE ? "packet too big on the path" : short_errno(errno);
      return r;
    }
    size_t off = 0;
    if (e.family == AF_INET && e.raw) off = size_t{buf[0] & 0x0fu} * 4;  // raw IPv4 keeps the IP header
    if (static_cast<size_t>(got) < off + 8) continue;
    const uint8_t* icmp = buf.data() + off;
    const uint8_t reply = e.family == AF_INET6 ? ICMP6_ECHO_REPLY : ICMP_ECHOREPLY;
    // Ping sockets rewrite the identifier and only deliver their own replies; raw ones see all.
    if (icmp[0] != reply || rd16(icmp + 6) != seq || (e.raw && rd16(icmp + 4) != e.ident)) continue;
    r.ok = true;
    r.ms = ms_since(t0);
    r.detail = fmt::format("{} bytes echoed", size);
    return r;
  }
}

}  // namespace

doctor::Probe pmtu_probe(const std::string& address, int timeout_ms, int slow_ms) {
  doctor::Probe p;
  p.id = "pmtu";
  p.label = "path MTU";
  p.target = address;
  auto to = sockaddr_of(address, 0);
  if (!to) {
    p.detail = "no target";
    return p;
  }
  EchoSocket e = open_echo(*to);
  if (!e.fd) {
    p.grade = doctor::Grade::skipped;
    p.detail = e.error;
    return p;
  }
  const EchoResult small = echo(e, 64, 1, timeout_ms);
  const EchoResult min = echo(e, 1280, 2, timeout_ms);
  const EchoResult full = echo(e, 1500, 3, timeout_ms);
  p.ms = min.ms;
  p.grade = doctor::grade(min.ok, min.ms, slow_ms);
  const char* how = e.raw ? "raw ICMP" : "ping socket";
  if (!min.ok && !small.ok) {
    p.detail = fmt::format("the target does not answer ICMP echo ({}; {})", small.detail, how);
  } else if (!min.ok) {
    // RFC 8200 §5: every IPv6 link carries 1280 bytes; small packets passing where 1280-byte ones
    // do not is a PMTU black hole (or a broken tunnel).
    p.detail = fmt::format("64-byte packets pass but 1280-byte ones do not: {} ({})", min.detail, how);
  } else {
    p.detail = fmt::format("1280 bytes ok; 1500 bytes: {} ({})", full.ok ? "ok" : full.detail, how);
  }
  return p;
}

}  // namespace sixfour::io
