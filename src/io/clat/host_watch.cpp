#include "io/clat/host_watch.hpp"

#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include <fmt/format.h>

#include "io/sys/errno_text.hpp"
#include "io/sys/nd_useropt.hpp"

namespace sixfour::io {

static_assert(clat::kMainTable == RT_TABLE_MAIN && clat::kUnicastRoute == RTN_UNICAST &&
              clat::kScopeUniverse == RT_SCOPE_UNIVERSE);

namespace {

// mnl_attr_parse callback filling tb[0..Max] (attributes of unknown types are left out).
template <int Max>
int table_cb(const nlattr* a, void* data) {
  if (mnl_attr_type_valid(a, Max) < 0) return MNL_CB_OK;
  static_cast<const nlattr**>(data)[mnl_attr_get_type(a)] = a;
  return MNL_CB_OK;
}

template <class Addr>
bool copy_addr(const nlattr* a, Addr& out) {
  if (!a || mnl_attr_get_payload_len(a) != out.b.size()) return false;
  std::memcpy(out.b.data(), mnl_attr_get_payload(a), out.b.size());
  return true;
}

uint32_t u32_or(const nlattr* a, uint32_t fallback) { return a ? mnl_attr_get_u32(a) : fallback; }

std::optional<clat::LinkInfo> parse_link(const nlmsghdr* nlh) {
  const auto* ifi = static_cast<const ifinfomsg*>(mnl_nlmsg_get_payload(nlh));
  const nlattr* tb[IFLA_MAX + 1] = {};
  if (mnl_attr_parse(nlh, sizeof(ifinfomsg), table_cb<IFLA_MAX>, tb) < 0) return std::nullopt;
  clat::LinkInfo l;
  l.index = ifi->ifi_index;
  if (tb[IFLA_IFNAME]) l.name = mnl_attr_get_str(tb[IFLA_IFNAME]);
  l.up = (ifi->ifi_flags & IFF_UP) && (ifi->ifi_flags & IFF_RUNNING);
  l.mtu = u32_or(tb[IFLA_MTU], 0);
  clat::Mac mac;
  if (tb[IFLA_ADDRESS] && mnl_attr_get_payload_len(tb[IFLA_ADDRESS]) == mac.size()) {
    std::memcpy(mac.data(), mnl_attr_get_payload(tb[IFLA_ADDRESS]), mac.size());
    l.mac = mac;
  }
  const nlattr* info[IFLA_INFO_MAX + 1] = {};
  if (tb[IFLA_LINKINFO] && mnl_attr_parse_nested(tb[IFLA_LINKINFO], table_cb<IFLA_INFO_MAX>, info) >= 0 &&
      info[IFLA_INFO_KIND])
    l.kind = mnl_attr_get_str(info[IFLA_INFO_KIND]);
  return l;
}

std::optional<clat::AddrInfo> parse_addr(const nlmsghdr* nlh) {
  const auto* ifa = static_cast<const ifaddrmsg*>(mnl_nlmsg_get_payload(nlh));
  const nlattr* tb[IFA_MAX + 1] = {};
  if (mnl_attr_parse(nlh, sizeof(ifaddrmsg), table_cb<IFA_MAX>, tb) < 0) return std::nullopt;
  clat::AddrInfo a;
  a.ifindex = static_cast<int>(ifa->ifa_index);
  a.prefix_len = ifa->ifa_prefixlen;
  a.scope = ifa->ifa_scope;
  // IFA_LOCAL is this host's address; IFA_ADDRESS is the peer's on a point-to-point link.
  const nlattr* at = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
  if (ifa->ifa_family == AF_INET) {
    Ipv4Addr v4;
    if (!copy_addr(at, v4)) return std::nullopt;
    a.address = v4;
  } else if (ifa->ifa_family == AF_INET6) {
    Ipv6Addr v6;
    if (!copy_addr(at, v6)) return std::nullopt;
    a.address = v6;
  } else {
    return std::nullopt;
  }
  // IFA_FLAGS carries all 32 bits; ifa_flags only the low 8.
  const uint32_t flags = u32_or(tb[IFA_FLAGS], ifa->ifa_flags);
  a.deprecated = flags & IFA_F_DEPRECATED;
  a.temporary = flags & IFA_F_TEMPORARY;
  a.tentative = flags & IFA_F_TENTATIVE;
  a.dad_failed = flags & IFA_F_DADFAILED;
  return a;
}

void set_gateway(clat::RouteInfo& r, const nlattr* gw) {
  Ipv4Addr v4;
  Ipv6Addr v6;
  if (r.v6() && copy_addr(gw, v6)) r.gateway = v6;
  if (!r.v6() && copy_addr(gw, v4)) r.gateway = v4;
}

// A multipath route (RTA_MULTIPATH: struct rtnexthop, each followed by its attributes) names no
// RTA_OIF; its first next hop stands for it.
void first_nexthop(clat::RouteInfo& r, const nlattr* mp) {
  if (mnl_attr_get_payload_len(mp) < sizeof(rtnexthop)) return;
  const auto* nh = static_cast<const rtnexthop*>(mnl_attr_get_payload(mp));
  if (nh->rtnh_len < sizeof(rtnexthop) || nh->rtnh_len > mnl_attr_get_payload_len(mp)) return;
  r.oif = nh->rtnh_ifindex;
  const auto* p = reinterpret_cast<const uint8_t*>(nh);
  size_t off = RTNH_ALIGN(sizeof(rtnexthop));
  while (off + sizeof(nlattr) <= nh->rtnh_len) {
    const auto* a = reinterpret_cast<const nlattr*>(p + off);
    if (a->nla_len < sizeof(nlattr) || off + a->nla_len > nh->rtnh_len) break;
    if ((a->nla_type & NLA_TYPE_MASK) == RTA_GATEWAY) set_gateway(r, a);
    off += NLA_ALIGN(a->nla_len);
  }
}

std::optional<clat::RouteInfo> parse_route(const nlmsghdr* nlh) {
  const auto* rtm = static_cast<const rtmsg*>(mnl_nlmsg_get_payload(nlh));
  if (rtm->rtm_family != AF_INET && rtm->rtm_family != AF_INET6) return std::nullopt;
  const nlattr* tb[RTA_MAX + 1] = {};
  if (mnl_attr_parse(nlh, sizeof(rtmsg), table_cb<RTA_MAX>, tb) < 0) return std::nullopt;
  clat::RouteInfo r;
  r.dst.v6 = rtm->rtm_family == AF_INET6;
  if (r.dst.v6) {
    r.dst.p6.len = rtm->rtm_dst_len;
    if (tb[RTA_DST] && !copy_addr(tb[RTA_DST], r.dst.p6.addr)) return std::nullopt;
  } else {
    r.dst.p4.len = rtm->rtm_dst_len;
    if (tb[RTA_DST] && !copy_addr(tb[RTA_DST], r.dst.p4.addr)) return std::nullopt;
  }
  r.table = u32_or(tb[RTA_TABLE], rtm->rtm_table);
  r.metric = u32_or(tb[RTA_PRIORITY], 0);
  r.oif = static_cast<int>(u32_or(tb[RTA_OIF], 0));
  r.type = rtm->rtm_type;
  set_gateway(r, tb[RTA_GATEWAY]);
  if (!tb[RTA_OIF] && tb[RTA_MULTIPATH]) first_nexthop(r, tb[RTA_MULTIPATH]);
  return r;
}

template <class T, std::optional<T> (*Parse)(const nlmsghdr*)>
int collect(const nlmsghdr* nlh, void* data) {
  if (auto v = Parse(nlh)) static_cast<std::vector<T>*>(data)->push_back(std::move(*v));
  return MNL_CB_OK;
}

}  // namespace

Result<clat::HostSnapshot> read_host(Netlink& nl) {
  clat::HostSnapshot s;
  auto st = nl.dump(RTM_GETLINK, AF_UNSPEC, collect<clat::LinkInfo, parse_link>, &s.links);
  if (st) st = nl.dump(RTM_GETADDR, AF_UNSPEC, collect<clat::AddrInfo, parse_addr>, &s.addrs);
  if (st) st = nl.dump(RTM_GETROUTE, AF_UNSPEC, collect<clat::RouteInfo, parse_route>, &s.routes);
  if (!st) return Error{fmt::format("reading links, addresses and routes: {}", st.error())};
  return s;
}

Result<clat::HostSnapshot> read_host() {
  auto nl = Netlink::open();
  if (!nl) return Error{nl.error()};
  return read_host(nl.value());
}

Result<HostEvents> HostEvents::open() {
  // A burst (an interface with many routes going away) must not overrun the socket: an overrun
  // costs a full re-read.
  auto fd = rtnetlink_listener({RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR, RTNLGRP_IPV4_ROUTE,
                                RTNLGRP_IPV6_ROUTE, RTNLGRP_ND_USEROPT},
                               1 << 20);
  if (!fd) return Error{fd.error()};
  return HostEvents(std::move(fd.value()));
}

namespace {

bool host_change(uint16_t type) {
  switch (type) {
    case RTM_NEWLINK:
    case RTM_DELLINK:
    case RTM_NEWADDR:
    case RTM_DELADDR:
    case RTM_NEWROUTE:
    case RTM_DELROUTE:
      return true;
    default:
      return false;
  }
}

void on_message(HostEvents::Batch& b, const nlmsghdr* nlh) {
  if (host_change(nlh->nlmsg_type)) b.changed = true;
  auto ra = ra_pref64(nlh);
  if (!ra) return;
  for (const doctor::Pref64& p : ra->found)
    b.pref64.push_back(Pref64Heard{ra->ifindex, ra->router, p.prefix, p.lifetime_s});
}

}  // namespace

HostEvents::Batch HostEvents::drain() {
  Batch b;
  std::vector<uint8_t> buf(65536);
  for (;;) {
    ssize_t n = ::recv(fd_.get(), buf.data(), buf.size(), MSG_DONTWAIT);
    if (n < 0 && errno == EINTR) continue;
    // ENOBUFS: the kernel dropped events it could not queue; only a full re-read is sure to see
    // what they said. Reading goes on: the socket keeps working after an overrun.
    if (n < 0 && errno == ENOBUFS) {
      b.changed = true;
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    if (n <= 0) {  // anything else: say "changed" so the caller looks again rather than trusting stale facts
      b.changed = true;
      break;
    }
    for_each_message(buf.data(), static_cast<size_t>(n), [&](const nlmsghdr* nlh) { on_message(b, nlh); });
  }
  return b;
}

namespace {

// "default dev IFINDEX metric METRIC" of the main table, no gateway: the TUN is point-to-point.
nlmsghdr* put_default4(std::vector<char>& req, uint16_t type, int ifindex, uint32_t metric) {
  nlmsghdr* nlh = mnl_nlmsg_put_header(req.data());
  nlh->nlmsg_type = type;
  nlh->nlmsg_flags = NLM_F_REQUEST;
  auto* rtm = static_cast<rtmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(rtmsg)));
  rtm->rtm_family = AF_INET;
  rtm->rtm_dst_len = 0;
  rtm->rtm_table = RT_TABLE_MAIN;
  rtm->rtm_protocol = RTPROT_STATIC;
  rtm->rtm_scope = RT_SCOPE_LINK;
  rtm->rtm_type = RTN_UNICAST;
  mnl_attr_put_u32(nlh, RTA_OIF, static_cast<uint32_t>(ifindex));
  mnl_attr_put_u32(nlh, RTA_PRIORITY, metric);
  return nlh;
}

// The kernel's NLM_F_REPLACE replaces the first IPv4 route with the same destination, TOS and
// metric, whatever its device: a native default route at `metric` would be taken over.
Status metric_free(Netlink& nl, int ifindex, uint32_t metric) {
  std::vector<clat::RouteInfo> routes;
  auto st = nl.dump(RTM_GETROUTE, AF_INET, collect<clat::RouteInfo, parse_route>, &routes);
  if (!st) return st;
  for (const clat::RouteInfo& r : routes) {
    if (r.main_default() && r.metric == metric && r.oif != ifindex)
      return Error{fmt::format("metric {} is taken by the IPv4 default route through interface {}", metric, r.oif)};
  }
  return Ok{};
}

}  // namespace

Status add_default_route4(Netlink& nl, int ifindex, uint32_t metric, unsigned mtu, unsigned advmss, Ipv4Addr prefsrc) {
  const std::string what = fmt::format("cannot add the IPv4 default route metric {} mtu {}", metric, mtu);
  if (auto st = metric_free(nl, ifindex, metric); !st) return Error{fmt::format("{}: {}", what, st.error())};
  std::vector<char> req(MNL_SOCKET_BUFFER_SIZE);
  nlmsghdr* nlh = put_default4(req, RTM_NEWROUTE, ifindex, metric);
  nlh->nlmsg_flags |= NLM_F_CREATE | NLM_F_REPLACE;
  mnl_attr_put(nlh, RTA_PREFSRC, 4, prefsrc.b.data());
  nlattr* metrics = mnl_attr_nest_start(nlh, RTA_METRICS);
  mnl_attr_put_u32(nlh, RTAX_MTU, mtu);
  mnl_attr_put_u32(nlh, RTAX_ADVMSS, advmss);
  mnl_attr_nest_end(nlh, metrics);
  return nl.request(nlh, what.c_str());
}

Status del_default_route4(Netlink& nl, int ifindex, uint32_t metric) {
  std::vector<char> req(MNL_SOCKET_BUFFER_SIZE);
  nlmsghdr* nlh = put_default4(req, RTM_DELROUTE, ifindex, metric);
  // ESRCH: no such route; ENODEV: its device is gone, and the route with it.
  return nl.request(nlh, fmt::format("cannot remove the IPv4 default route metric {}", metric).c_str(),
                    {ESRCH, ENODEV});
}

namespace {

std::string read_small(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// clatd is a Perl script: started through its #! line its comm is "clatd", started as
// "perl /usr/sbin/clatd ..." it is "perl" and the script is the first argument that is no option.
bool is_clatd(const std::filesystem::path& proc) {
  std::string comm = read_small(proc / "comm");
  while (!comm.empty() && comm.back() == '\n') comm.pop_back();
  if (comm == "clatd") return true;
  if (!comm.starts_with("perl")) return false;
  const std::string cmdline = read_small(proc / "cmdline");
  size_t start = cmdline.find('\0');  // skip argv[0], the interpreter
  while (start != std::string::npos && start + 1 < cmdline.size()) {
    const size_t end = cmdline.find('\0', start + 1);
    const std::string arg = cmdline.substr(start + 1, end == std::string::npos ? end : end - start - 1);
    if (!arg.starts_with("-")) return std::filesystem::path(arg).filename() == "clatd";
    start = end;
  }
  return false;
}

}  // namespace

std::optional<std::string> clat_process_running() {
  std::error_code ec;
  const std::string self = std::to_string(::getpid());
  for (const auto& e : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string pid = e.path().filename().string();
    if (pid.empty() || pid.find_first_not_of("0123456789") != std::string::npos || pid == self) continue;
    if (is_clatd(e.path())) return fmt::format("another CLAT runs: clatd (pid {})", pid);
  }
  return std::nullopt;
}

}  // namespace sixfour::io
