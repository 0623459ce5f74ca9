// `sixfour doctor`: RFC 8781 PREF64 from router advertisements, as far as this host can see them.
#include <arpa/inet.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <chrono>
#include <cstring>

#include <fmt/format.h>

#include "io/doctor/doctor.hpp"
#include "io/sys/errno_text.hpp"
#include "io/sys/fd.hpp"
#include "io/sys/netlink.hpp"
#include "io/sys/nd_useropt.hpp"

namespace sixfour::io {

namespace {

std::string ifname_of(int index) {
  char name[IF_NAMESIZE] = {};
  if (index > 0 && ::if_indextoname(static_cast<unsigned>(index), name)) return name;
  return fmt::format("if{}", index);
}

void add_seen(doctor::Pref64Report& r, const std::vector<doctor::Pref64>& found, const std::string& ifname,
              const std::string& router) {
  for (const doctor::Pref64& p : found) {
    doctor::Pref64Seen s{p, ifname, router};
    auto same = [&](const doctor::Pref64Seen& o) {
      return o.value.prefix == s.value.prefix && o.interface == s.interface && o.router == s.router;
    };
    auto it = std::find_if(r.seen.begin(), r.seen.end(), same);
    if (it == r.seen.end())
      r.seen.push_back(s);
    else
      *it = s;  // the later advertisement's lifetime wins
  }
}

// The PREF64 options of the RAs the kernel passed on (io/sys/nd_useropt.hpp).
void on_netlink(doctor::Pref64Report& r, const uint8_t* buf, size_t size) {
  for_each_message(buf, size, [&](const nlmsghdr* nlh) {
    auto ra = ra_pref64(nlh);
    if (!ra) return;
    std::string router;
    if (ra->router) {
      char text[INET6_ADDRSTRLEN] = {};
      ::inet_ntop(AF_INET6, ra->router->b.data(), text, sizeof text);
      router = text;
    }
    add_seen(r, ra->found, ifname_of(ra->ifindex), router);
  });
}

// A router advertisement read on the raw socket: valid only with hop limit 255 from a link-local
// source (RFC 4861 §6.1.2), so nothing forwarded from elsewhere passes.
void on_raw(doctor::Pref64Report& r, int fd) {
  uint8_t buf[2048];
  uint8_t control[256];
  sockaddr_in6 from{};
  iovec iov{buf, sizeof buf};
  msghdr msg{};
  msg.msg_name = &from;
  msg.msg_namelen = sizeof from;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  ssize_t n = ::recvmsg(fd, &msg, 0);
  if (n <= 0) return;
  int hops = -1;
  int ifindex = static_cast<int>(from.sin6_scope_id);
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != IPPROTO_IPV6) continue;
    if (c->cmsg_type == IPV6_HOPLIMIT) std::memcpy(&hops, CMSG_DATA(c), sizeof hops);
    if (c->cmsg_type == IPV6_PKTINFO) {
      in6_pktinfo pi;
      std::memcpy(&pi, CMSG_DATA(c), sizeof pi);
      ifindex = static_cast<int>(pi.ipi6_ifindex);
    }
  }
  if (hops != 255 || !IN6_IS_ADDR_LINKLOCAL(&from.sin6_addr)) return;
  char text[INET6_ADDRSTRLEN] = {};
  ::inet_ntop(AF_INET6, &from.sin6_addr, text, sizeof text);
  add_seen(r, doctor::pref64_from_ra(std::span<const uint8_t>(buf, static_cast<size_t>(n))), ifname_of(ifindex), text);
}

}  // namespace

doctor::Pref64Report pref64_listen(const std::vector<doctor::Interface>& ifs, int listen_ms) {
  doctor::Pref64Report r;
  std::vector<std::string> how;

  Fd nl(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE));
  if (nl) {
    sockaddr_nl sa{};
    sa.nl_family = AF_NETLINK;
    int group = RTNLGRP_ND_USEROPT;
    if (::bind(nl.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 ||
        ::setsockopt(nl.get(), SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &group, sizeof group) != 0) {
      how.push_back(fmt::format("rtnetlink ND user options: {}", errno_text(errno)));
      nl.reset();
    }
  }
  if (nl) how.push_back(fmt::format("listened {} ms for the RA options the kernel passes on (accept_ra)", listen_ms));

  // A Router Solicitation (RFC 4861 §4.1) makes routers answer now instead of at their next
  // periodic advertisement; sending one needs a raw ICMPv6 socket.
  Fd raw(::socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, IPPROTO_ICMPV6));
  if (!raw) {
    how.push_back(fmt::format("no Router Solicitation sent: raw ICMPv6 socket: {}", errno_text(errno)));
  } else {
    icmp6_filter f;
    ICMP6_FILTER_SETBLOCKALL(&f);
    ICMP6_FILTER_SETPASS(ND_ROUTER_ADVERT, &f);
    int on = 1, hops = 255;
    ::setsockopt(raw.get(), IPPROTO_ICMPV6, ICMP6_FILTER, &f, sizeof f);
    ::setsockopt(raw.get(), IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &on, sizeof on);
    ::setsockopt(raw.get(), IPPROTO_IPV6, IPV6_RECVPKTINFO, &on, sizeof on);
    ::setsockopt(raw.get(), IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof hops);
    ::setsockopt(raw.get(), IPPROTO_IPV6, IPV6_UNICAST_HOPS, &hops, sizeof hops);
    std::vector<std::string> sent;
    for (const doctor::Interface& i : ifs) {
      if (!i.up || i.loopback) continue;
      const bool has6 =
          std::any_of(i.addresses.begin(), i.addresses.end(), [](const auto& a) { return a.family == 6; });
      if (!has6) continue;
      int idx = i.index;
      ::setsockopt(raw.get(), IPPROTO_IPV6, IPV6_MULTICAST_IF, &idx, sizeof idx);
      sockaddr_in6 to{};
      to.sin6_family = AF_INET6;
      ::inet_pton(AF_INET6, "ff02::2", &to.sin6_addr);  // all-routers
      to.sin6_scope_id = static_cast<uint32_t>(idx);
      const uint8_t rs[8] = {ND_ROUTER_SOLICIT, 0, 0, 0, 0, 0, 0, 0};
      if (::sendto(raw.get(), rs, sizeof rs, 0, reinterpret_cast<sockaddr*>(&to), sizeof to) == sizeof rs)
        sent.push_back(i.name);
    }
    if (sent.empty())
      how.push_back("no IPv6 interface to send a Router Solicitation on");
    else
      how.push_back(fmt::format("sent a Router Solicitation on {} and read the advertisements", fmt::join(sent, ", ")));
  }

  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(listen_ms);
  std::vector<uint8_t> buf(65536);
  while (nl || raw) {
    auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0) break;
    pollfd p[2] = {{nl ? nl.get() : -1, POLLIN, 0}, {raw ? raw.get() : -1, POLLIN, 0}};
    int n = ::poll(p, 2, static_cast<int>(left));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    if (p[0].revents & POLLIN) {
      ssize_t got = ::recv(nl.get(), buf.data(), buf.size(), 0);
      if (got > 0) on_netlink(r, buf.data(), static_cast<size_t>(got));
    }
    if (p[1].revents & POLLIN) on_raw(r, raw.get());
  }
  r.status = r.seen.empty() ? "not visible" : "visible";
  r.how = fmt::format("{}", fmt::join(how, "; "));
  return r;
}

}  // namespace sixfour::io
