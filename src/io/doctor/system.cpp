// `sixfour doctor`: the host's interfaces, default routes and resolvers (read only, unprivileged).
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

#include <fmt/format.h>

#include "io/doctor/doctor.hpp"
#include "io/sys/fd.hpp"

namespace sixfour::io {

namespace {

uint8_t mask_len(const sockaddr* mask) {
  if (!mask) return 0;
  unsigned n = 0;
  if (mask->sa_family == AF_INET) {
    n = std::popcount(reinterpret_cast<const sockaddr_in*>(mask)->sin_addr.s_addr);
  } else if (mask->sa_family == AF_INET6) {
    for (uint8_t b : reinterpret_cast<const sockaddr_in6*>(mask)->sin6_addr.s6_addr) n += std::popcount(b);
  }
  return static_cast<uint8_t>(n);
}

unsigned link_mtu(const std::string& name) {
  for (int family : {AF_INET, AF_INET6, AF_UNIX}) {
    Fd s(::socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!s) continue;
    ifreq ifr{};
    std::strncpy(ifr.ifr_name, name.c_str(), IFNAMSIZ - 1);
    if (::ioctl(s.get(), SIOCGIFMTU, &ifr) == 0) return static_cast<unsigned>(ifr.ifr_mtu);
  }
  return 0;
}

std::string ntop(int family, const void* a) {
  char text[INET6_ADDRSTRLEN] = {};
  ::inet_ntop(family, a, text, sizeof text);
  return text;
}

std::string if_name(int index) {
  char name[IF_NAMESIZE] = {};
  if (index > 0 && ::if_indextoname(static_cast<unsigned>(index), name)) return name;
  return fmt::format("if{}", index);
}

}  // namespace

std::vector<doctor::Interface> doctor_interfaces() {
  std::map<std::string, doctor::Interface> by_name;
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return {};
  for (ifaddrs* i = list; i; i = i->ifa_next) {
    doctor::Interface& d = by_name[i->ifa_name];
    if (d.name.empty()) {
      d.name = i->ifa_name;
      d.index = static_cast<int>(::if_nametoindex(i->ifa_name));
      d.mtu = link_mtu(d.name);
      d.clat = doctor::is_clat_interface_name(d.name);
    }
    d.up = d.up || (i->ifa_flags & IFF_UP);
    d.loopback = d.loopback || (i->ifa_flags & IFF_LOOPBACK);
    if (!i->ifa_addr) continue;
    doctor::IfAddress a;
    if (i->ifa_addr->sa_family == AF_INET) {
      Ipv4Addr v4;
      std::memcpy(v4.b.data(), &reinterpret_cast<const sockaddr_in*>(i->ifa_addr)->sin_addr, 4);
      a = {4, v4.str(), mask_len(i->ifa_netmask), doctor::classify(v4)};
      if (a.kind == doctor::AddrKind::clat4) d.clat = true;  // RFC 7335
    } else if (i->ifa_addr->sa_family == AF_INET6) {
      Ipv6Addr v6;
      std::memcpy(v6.b.data(), &reinterpret_cast<const sockaddr_in6*>(i->ifa_addr)->sin6_addr, 16);
      a = {6, v6.str(), mask_len(i->ifa_netmask), doctor::classify(v6)};
    } else {
      continue;
    }
    d.addresses.push_back(a);
  }
  ::freeifaddrs(list);
  std::vector<doctor::Interface> out;
  for (auto& [name, d] : by_name) out.push_back(std::move(d));
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.index < b.index; });
  return out;
}

namespace {

struct RouteDump {
  int family;
  std::vector<doctor::DefaultRoute>* out;
};

// One RTM_NEWROUTE of the dump: keeps unicast routes of the main table with prefix length 0.
int on_route(const nlmsghdr* nlh, void* data) {
  auto* dump = static_cast<RouteDump*>(data);
  const auto* rtm = static_cast<const rtmsg*>(mnl_nlmsg_get_payload(nlh));
  if (rtm->rtm_dst_len != 0 || rtm->rtm_type != RTN_UNICAST) return MNL_CB_OK;
  uint32_t table = rtm->rtm_table;
  doctor::DefaultRoute d;
  d.family = rtm->rtm_family == AF_INET6 ? 6 : 4;
  int oif = 0;
  // mnl_attr_for_each, spelled out: its void* conversions are C, not C++.
  const auto* tail = static_cast<const char*>(mnl_nlmsg_get_payload_tail(nlh));
  for (auto* attr = static_cast<const nlattr*>(mnl_nlmsg_get_payload_offset(nlh, sizeof(*rtm)));
       mnl_attr_ok(attr, static_cast<int>(tail - reinterpret_cast<const char*>(attr))); attr = mnl_attr_next(attr)) {
    switch (mnl_attr_get_type(attr)) {
      case RTA_TABLE:
        table = mnl_attr_get_u32(attr);
        break;
      case RTA_OIF:
        oif = static_cast<int>(mnl_attr_get_u32(attr));
        break;
      case RTA_PRIORITY:
        d.metric = mnl_attr_get_u32(attr);
        break;
      case RTA_GATEWAY:
        if (mnl_attr_get_payload_len(attr) == (rtm->rtm_family == AF_INET6 ? 16u : 4u))
          d.gateway = ntop(rtm->rtm_family, mnl_attr_get_payload(attr));
        break;
      case RTA_VIA: {  // an IPv4 route via an IPv6 next hop (RFC 5549 style)
        const auto* via = static_cast<const rtvia*>(mnl_attr_get_payload(attr));
        const size_t need = via->rtvia_family == AF_INET6 ? 16 : 4;
        if (mnl_attr_get_payload_len(attr) >= sizeof(rtvia) + need)
          d.gateway = ntop(via->rtvia_family, via->rtvia_addr);
        break;
      }
      case RTA_MULTIPATH: {  // first next hop stands for the route
        const auto* nh = static_cast<const rtnexthop*>(mnl_attr_get_payload(attr));
        if (mnl_attr_get_payload_len(attr) >= sizeof(rtnexthop) && oif == 0) oif = nh->rtnh_ifindex;
        break;
      }
      default:
        break;
    }
  }
  if (table != RT_TABLE_MAIN) return MNL_CB_OK;
  d.interface = if_name(oif);
  dump->out->push_back(d);
  return MNL_CB_OK;
}

}  // namespace

Result<std::vector<doctor::DefaultRoute>> doctor_default_routes() {
  std::vector<doctor::DefaultRoute> out;
  mnl_socket* nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
  if (!nl) return Error{fmt::format("netlink socket: {}", std::strerror(errno))};
  if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
    mnl_socket_close(nl);
    return Error{fmt::format("netlink bind: {}", std::strerror(errno))};
  }
  const unsigned portid = mnl_socket_get_portid(nl);
  std::vector<char> buf(MNL_SOCKET_BUFFER_SIZE * 4);
  unsigned seq = static_cast<unsigned>(::time(nullptr));
  for (int family : {AF_INET, AF_INET6}) {
    nlmsghdr* nlh = mnl_nlmsg_put_header(buf.data());
    nlh->nlmsg_type = RTM_GETROUTE;
    nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    nlh->nlmsg_seq = ++seq;
    auto* rtm = static_cast<rtmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(rtmsg)));
    rtm->rtm_family = static_cast<unsigned char>(family);
    if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) continue;  // e.g. the family is disabled
    RouteDump dump{family, &out};
    while (true) {
      ssize_t n = mnl_socket_recvfrom(nl, buf.data(), buf.size());
      if (n <= 0) break;
      int rc = mnl_cb_run(buf.data(), static_cast<size_t>(n), seq, portid, on_route, &dump);
      if (rc <= MNL_CB_STOP) break;
    }
  }
  mnl_socket_close(nl);
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return a.family != b.family ? a.family < b.family : a.metric < b.metric;
  });
  return out;
}

}  // namespace sixfour::io
