#include "io/sys/netlink.hpp"

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <utility>

#include <fmt/format.h>

#include "io/sys/errno_text.hpp"

namespace sixfour::io {

namespace {

// True if the first `len` bits of a and b are equal.
bool same_bits(const uint8_t* a, const uint8_t* b, unsigned len) {
  unsigned full = len / 8;
  if (std::memcmp(a, b, full) != 0) return false;
  unsigned rest = len % 8;
  if (rest == 0) return true;
  uint8_t mask = static_cast<uint8_t>(0xff00u >> rest);
  return (a[full] & mask) == (b[full] & mask);
}

template <class Prefix>
RoutePrefix route_prefix(uint8_t family, const Prefix& p) {
  RoutePrefix r;
  r.family = family;
  std::memcpy(r.addr.data(), p.addr.b.data(), p.addr.b.size());
  r.len = p.len;
  return r;
}

}  // namespace

RoutePrefix RoutePrefix::of(const Ipv4Prefix& p) { return route_prefix(AF_INET, p); }

RoutePrefix RoutePrefix::of(const Ipv6Prefix& p) { return route_prefix(AF_INET6, p); }

std::string RoutePrefix::str() const {
  char text[INET6_ADDRSTRLEN] = {};
  ::inet_ntop(family, addr.data(), text, sizeof text);
  return fmt::format("{}/{}", text, len);
}

Result<Fd> rtnetlink_listener(std::initializer_list<int> groups, int rcvbuf) {
  Fd fd(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE));
  if (!fd) return Error{fmt::format("netlink socket: {}", errno_text(errno))};
  sockaddr_nl sa{};
  sa.nl_family = AF_NETLINK;
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0)
    return Error{fmt::format("netlink bind: {}", errno_text(errno))};
  for (int group : groups)
    if (::setsockopt(fd.get(), SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &group, sizeof group) != 0)
      return Error{fmt::format("netlink group {}: {}", group, errno_text(errno))};
  if (::setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf) != 0)
    ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  return fd;
}

void for_each_message(const uint8_t* data, size_t len, const std::function<void(const nlmsghdr*)>& fn) {
  // NLMSG_NEXT subtracts the aligned length, which may exceed what is left: a signed count keeps
  // NLMSG_OK false then instead of wrapping around.
  int left = static_cast<int>(len);
  for (auto* h = reinterpret_cast<const nlmsghdr*>(data); NLMSG_OK(h, left); h = NLMSG_NEXT(h, left)) fn(h);
}

Result<Netlink> Netlink::open() {
  Netlink n;
  n.nl_ = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
  if (!n.nl_) return Error{fmt::format("netlink socket: {}", std::strerror(errno))};
  if (mnl_socket_bind(n.nl_, 0, MNL_SOCKET_AUTOPID) < 0)
    return Error{fmt::format("netlink bind: {}", std::strerror(errno))};
  n.portid_ = mnl_socket_get_portid(n.nl_);
  n.seq_ = static_cast<unsigned>(::time(nullptr));
  // Dumps come in multi-part messages of up to a page each; MNL_SOCKET_BUFFER_SIZE covers one.
  n.buf_.resize(MNL_SOCKET_BUFFER_SIZE > 32768 ? MNL_SOCKET_BUFFER_SIZE : 32768);
  return n;
}

Netlink::Netlink(Netlink&& o) noexcept
    : nl_(std::exchange(o.nl_, nullptr)), portid_(o.portid_), seq_(o.seq_), buf_(std::move(o.buf_)) {}

Netlink::~Netlink() {
  if (nl_) mnl_socket_close(nl_);
}

Status Netlink::request(void* msg, const char* what, std::initializer_list<int> ok_errors) {
  auto* nlh = static_cast<nlmsghdr*>(msg);
  nlh->nlmsg_flags |= NLM_F_ACK;
  nlh->nlmsg_seq = ++seq_;
  if (mnl_socket_sendto(nl_, nlh, nlh->nlmsg_len) < 0)
    return Error{fmt::format("{}: netlink send: {}", what, std::strerror(errno))};
  const unsigned seq = nlh->nlmsg_seq;
  for (;;) {
    ssize_t n = mnl_socket_recvfrom(nl_, buf_.data(), buf_.size());
    if (n < 0) return Error{fmt::format("{}: netlink receive: {}", what, std::strerror(errno))};
    int r = mnl_cb_run(buf_.data(), static_cast<size_t>(n), seq, portid_, nullptr, nullptr);
    if (r < 0) {
      const int err = errno;
      for (int ok : ok_errors)
        if (err == ok) return Ok{};
      return Error{fmt::format("{}: {}", what, errno_text(err))};
    }
    if (r == MNL_CB_STOP) return Ok{};
  }
}

Status Netlink::dump(uint16_t type, uint8_t family, int (*cb)(const nlmsghdr*, void*), void* data) {
  std::vector<char> req(MNL_SOCKET_BUFFER_SIZE);
  nlmsghdr* nlh = mnl_nlmsg_put_header(req.data());
  nlh->nlmsg_type = type;
  nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  nlh->nlmsg_seq = ++seq_;
  // Each request type has its own header; the family is its first octet in all three.
  const size_t header = type == RTM_GETLINK   ? sizeof(ifinfomsg)
                        : type == RTM_GETADDR ? sizeof(ifaddrmsg)
                                              : sizeof(rtmsg);
  auto* fam = static_cast<uint8_t*>(mnl_nlmsg_put_extra_header(nlh, header));
  *fam = family;
  if (mnl_socket_sendto(nl_, nlh, nlh->nlmsg_len) < 0)
    return Error{fmt::format("netlink send: {}", std::strerror(errno))};
  for (;;) {
    ssize_t n = mnl_socket_recvfrom(nl_, buf_.data(), buf_.size());
    if (n < 0) return Error{fmt::format("netlink receive: {}", std::strerror(errno))};
    int r = mnl_cb_run(buf_.data(), static_cast<size_t>(n), seq_, portid_, cb, data);
    if (r < 0) return Error{std::strerror(errno)};
    if (r == MNL_CB_STOP) return Ok{};
  }
}

namespace {

// A request of `type` in `req`, its family header H (zeroed: mnl clears what it adds) after it.
template <class H>
std::pair<nlmsghdr*, H*> put_request(std::vector<char>& req, uint16_t type, uint16_t flags = NLM_F_REQUEST) {
  nlmsghdr* nlh = mnl_nlmsg_put_header(req.data());
  nlh->nlmsg_type = type;
  nlh->nlmsg_flags = flags;
  return {nlh, static_cast<H*>(mnl_nlmsg_put_extra_header(nlh, sizeof(H)))};
}

// Starts a link request of `type` in `req`: AF_UNSPEC, interface `ifindex` (0: named by an
// attribute), `up_flags` both changed and set.
nlmsghdr* put_link_request(std::vector<char>& req, uint16_t type, int ifindex, unsigned up_flags = 0) {
  auto [nlh, ifm] = put_request<ifinfomsg>(req, type);
  ifm->ifi_family = AF_UNSPEC;
  ifm->ifi_index = ifindex;
  ifm->ifi_change = up_flags;
  ifm->ifi_flags = up_flags;
  return nlh;
}

}  // namespace

Result<int> Netlink::link_index(const std::string& name) {
  std::vector<char> req(MNL_SOCKET_BUFFER_SIZE);
  nlmsghdr* nlh = put_link_request(req, RTM_GETLINK, 0);
  nlh->nlmsg_seq = ++seq_;
  mnl_attr_put_strz(nlh, IFLA_IFNAME, name.c_str());
  if (mnl_socket_sendto(nl_, nlh, nlh->nlmsg_len) < 0)
    return Error{fmt::format("link {}: netlink send: {}", name, std::strerror(errno))};
  int index = 0;
  auto cb = [](const nlmsghdr* m, void* data) -> int {
    auto* ifi = static_cast<const ifinfomsg*>(mnl_nlmsg_get_payload(m));
    *static_cast<int*>(data) = ifi->ifi_index;
    return MNL_CB_OK;
  };
  ssize_t n = mnl_socket_recvfrom(nl_, buf_.data(), buf_.size());
  if (n < 0) return Error{fmt::format("link {}: netlink receive: {}", name, std::strerror(errno))};
  if (mnl_cb_run(buf_.data(), static_cast<size_t>(n), seq_, portid_, cb, &index) < 0)
    return Error{fmt::format("link {}: {}", name, std::strerror(errno))};
  if (index <= 0) return Error{fmt::format("link {}: not found", name)};
  return index;
}

Status Netlink::set_link_up(int ifindex) {
  std::vector<char> req(MNL_SOCKET_BUFFER_SIZE);
  nlmsghdr* nlh = put_link_request(req, RTM_NEWLINK, ifindex, IFF_UP);
  return request(nlh, fmt::format("set link {} up", ifindex).c_str());
}

Status Netlink::set_mtu(int ifindex, unsigned mtu) {
  std::vector<char> req(MNL_SOCKET_BUFFER_SIZE);
  nlmsghdr* nlh = put_link_request(req, RTM_NEWLINK, ifindex);
  mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
  return request(nlh, fmt::format("set MTU {} on link {}", mtu, ifindex).c_str());
}

namespace {

void put_route(nlmsghdr* nlh, const RoutePrefix& p, int ifindex) {
  auto* rtm = static_cast<rtmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(rtmsg)));
  rtm->rtm_family = p.family;
  rtm->rtm_dst_len = p.len;
  rtm->rtm_table = RT_TABLE_MAIN;
  rtm->rtm_protocol = RTPROT_STATIC;
  // No gateway: the destination is reached directly through the (point-to-point) TUN device.
  rtm->rtm_scope = RT_SCOPE_LINK;
  rtm->rtm_type = RTN_UNICAST;
  mnl_attr_put(nlh, RTA_DST, p.family == AF_INET ? 4 : 16, p.addr.data());
  mnl_attr_put_u32(nlh, RTA_OIF, static_cast<uint32_t>(ifindex));
}

}  // namespace

Status Netlink::add_route(const RoutePrefix& p, int ifindex) {
  std::vector<char> req(MNL_SOCKET_BUFFER_SIZE);
  nlmsghdr* nlh = mnl_nlmsg_put_header(req.data());
  nlh->nlmsg_type = RTM_NEWROUTE;
  nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL;
  put_route(nlh, p, ifindex);
  return request(nlh, fmt::format("cannot add route {}", p.str()).c_str());
}

Status Netlink::del_route(const RoutePrefix& p, int ifindex) {
  std::vector<char> req(MNL_SOCKET_BUFFER_SIZE);
  nlmsghdr* nlh = mnl_nlmsg_put_header(req.data());
  nlh->nlmsg_type = RTM_DELROUTE;
  nlh->nlmsg_flags = NLM_F_REQUEST;
  put_route(nlh, p, ifindex);
  return request(nlh, fmt::format("cannot remove route {}", p.str()).c_str());
}

namespace {

struct RouteQuery {
  const RoutePrefix* want;
  int exclude = 0;
  bool found = false;
};

int route_attr_cb(const nlattr* attr, void* data) {
  auto** tb = static_cast<const nlattr**>(data);
  int type = mnl_attr_get_type(attr);
  if (mnl_attr_type_valid(attr, RTA_MAX) < 0) return MNL_CB_OK;
  tb[type] = attr;
  return MNL_CB_OK;
}

int route_cb(const nlmsghdr* nlh, void* data) {
  auto* q = static_cast<RouteQuery*>(data);
  auto* rtm = static_cast<const rtmsg*>(mnl_nlmsg_get_payload(nlh));
  if (rtm->rtm_family != q->want->family || rtm->rtm_type != RTN_UNICAST) return MNL_CB_OK;
  if (rtm->rtm_dst_len == 0 || rtm->rtm_dst_len > q->want->len) return MNL_CB_OK;
  const nlattr* tb[RTA_MAX + 1] = {};
  mnl_attr_parse(nlh, sizeof(rtmsg), route_attr_cb, tb);
  uint32_t table = tb[RTA_TABLE] ? mnl_attr_get_u32(tb[RTA_TABLE]) : rtm->rtm_table;
  if (table == RT_TABLE_LOCAL || !tb[RTA_DST]) return MNL_CB_OK;
  if (tb[RTA_OIF] && static_cast<int>(mnl_attr_get_u32(tb[RTA_OIF])) == q->exclude) return MNL_CB_OK;
  size_t alen = q->want->family == AF_INET ? 4 : 16;
  if (mnl_attr_get_payload_len(tb[RTA_DST]) < alen) return MNL_CB_OK;
  auto* dst = static_cast<const uint8_t*>(mnl_attr_get_payload(tb[RTA_DST]));
  if (same_bits(dst, q->want->addr.data(), rtm->rtm_dst_len)) q->found = true;
  return MNL_CB_OK;
}

}  // namespace

Result<bool> Netlink::has_specific_route(const RoutePrefix& p, int exclude_ifindex) {
  RouteQuery q{&p, exclude_ifindex};
  auto st = dump(RTM_GETROUTE, p.family, route_cb, &q);
  if (!st) return Error{fmt::format("route dump: {}", st.error())};
  return q.found;
}

namespace {

struct DeviceRoutes {
  uint8_t family;
  std::vector<DeviceRoute> out;
};

int device_route_cb(const nlmsghdr* nlh, void* data) {
  auto* q = static_cast<DeviceRoutes*>(data);
  auto* rtm = static_cast<const rtmsg*>(mnl_nlmsg_get_payload(nlh));
  if (rtm->rtm_family != q->family || rtm->rtm_type != RTN_UNICAST) return MNL_CB_OK;
  const nlattr* tb[RTA_MAX + 1] = {};
  mnl_attr_parse(nlh, sizeof(rtmsg), route_attr_cb, tb);
  const uint32_t table = tb[RTA_TABLE] ? mnl_attr_get_u32(tb[RTA_TABLE]) : rtm->rtm_table;
  const size_t alen = q->family == AF_INET ? 4 : 16;
  if (table != RT_TABLE_MAIN || !tb[RTA_OIF]) return MNL_CB_OK;
  DeviceRoute r;
  r.prefix.family = q->family;
  r.prefix.len = rtm->rtm_dst_len;
  if (rtm->rtm_dst_len > 0) {
    if (!tb[RTA_DST] || mnl_attr_get_payload_len(tb[RTA_DST]) < alen) return MNL_CB_OK;
    std::memcpy(r.prefix.addr.data(), mnl_attr_get_payload(tb[RTA_DST]), alen);
  }
  r.ifindex = static_cast<int>(mnl_attr_get_u32(tb[RTA_OIF]));
  q->out.push_back(r);
  return MNL_CB_OK;
}

}  // namespace

Result<std::vector<DeviceRoute>> Netlink::device_routes(uint8_t family) {
  DeviceRoutes q{family, {}};
  auto st = dump(RTM_GETROUTE, family, device_route_cb, &q);
  if (!st) return Error{fmt::format("route dump: {}", st.error())};
  return std::move(q.out);
}

namespace {

struct DefaultRoute4 {
  int exclude = 0;
  bool found = false;
  uint32_t metric = 0;
  int oif = 0;
  bool has_prefsrc = false;
  Ipv4Addr prefsrc;
};

int default_route4_cb(const nlmsghdr* nlh, void* data) {
  auto* q = static_cast<DefaultRoute4*>(data);
  auto* rtm = static_cast<const rtmsg*>(mnl_nlmsg_get_payload(nlh));
  if (rtm->rtm_family != AF_INET || rtm->rtm_type != RTN_UNICAST || rtm->rtm_dst_len != 0) return MNL_CB_OK;
  const nlattr* tb[RTA_MAX + 1] = {};
  mnl_attr_parse(nlh, sizeof(rtmsg), route_attr_cb, tb);
  const uint32_t table = tb[RTA_TABLE] ? mnl_attr_get_u32(tb[RTA_TABLE]) : rtm->rtm_table;
  if (table != RT_TABLE_MAIN || !tb[RTA_OIF]) return MNL_CB_OK;
  const int oif = static_cast<int>(mnl_attr_get_u32(tb[RTA_OIF]));
  const uint32_t metric = tb[RTA_PRIORITY] ? mnl_attr_get_u32(tb[RTA_PRIORITY]) : 0;
  if (oif == q->exclude || (q->found && metric >= q->metric)) return MNL_CB_OK;
  q->found = true;
  q->metric = metric;
  q->oif = oif;
  q->has_prefsrc = tb[RTA_PREFSRC] && mnl_attr_get_payload_len(tb[RTA_PREFSRC]) >= 4;
  if (q->has_prefsrc) std::memcpy(q->prefsrc.b.data(), mnl_attr_get_payload(tb[RTA_PREFSRC]), 4);
  return MNL_CB_OK;
}

struct PrimaryAddress4 {
  int ifindex = 0;
  bool found = false;
  Ipv4Addr addr;
};

int addr_attr_cb(const nlattr* attr, void* data) {
  auto** tb = static_cast<const nlattr**>(data);
  if (mnl_attr_type_valid(attr, IFA_MAX) < 0) return MNL_CB_OK;
  tb[mnl_attr_get_type(attr)] = attr;
  return MNL_CB_OK;
}

int primary_address4_cb(const nlmsghdr* nlh, void* data) {
  auto* q = static_cast<PrimaryAddress4*>(data);
  auto* ifa = static_cast<const ifaddrmsg*>(mnl_nlmsg_get_payload(nlh));
  if (q->found || ifa->ifa_family != AF_INET || static_cast<int>(ifa->ifa_index) != q->ifindex) return MNL_CB_OK;
  if (ifa->ifa_scope != RT_SCOPE_UNIVERSE || (ifa->ifa_flags & IFA_F_SECONDARY) != 0) return MNL_CB_OK;
  const nlattr* tb[IFA_MAX + 1] = {};
  mnl_attr_parse(nlh, sizeof(ifaddrmsg), addr_attr_cb, tb);
  const nlattr* a = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
  if (!a || mnl_attr_get_payload_len(a) < 4) return MNL_CB_OK;
  std::memcpy(q->addr.b.data(), mnl_attr_get_payload(a), 4);
  q->found = true;
  return MNL_CB_OK;
}

}  // namespace

Result<Netlink::HostAddress4> Netlink::default_route_address4(int exclude_ifindex) {
  DefaultRoute4 r;
  r.exclude = exclude_ifindex;
  if (auto st = dump(RTM_GETROUTE, AF_INET, default_route4_cb, &r); !st)
    return Error{fmt::format("route dump: {}", st.error())};
  if (!r.found) return Error{"the host has no IPv4 default route"};
  if (r.has_prefsrc) return HostAddress4{r.prefsrc, r.oif};
  PrimaryAddress4 a;
  a.ifindex = r.oif;
  if (auto st = dump(RTM_GETADDR, AF_INET, primary_address4_cb, &a); !st)
    return Error{fmt::format("address dump: {}", st.error())};
  if (!a.found)
    return Error{fmt::format("the device of the IPv4 default route (index {}) has no global IPv4 address", r.oif)};
  return HostAddress4{a.addr, r.oif};
}

namespace {

// An IPv4 address message: IFA_LOCAL (this host's address) and IFA_ADDRESS (the same unless a
// point-to-point peer is named, which the CLAT never does), as `ip addr add` sends them.
nlmsghdr* put_address4(std::vector<char>& req, uint16_t type, int ifindex, Ipv4Addr addr, uint8_t prefix_len) {
  auto [nlh, ifa] = put_request<ifaddrmsg>(req, type);
  ifa->ifa_family = AF_INET;
  ifa->ifa_prefixlen = prefix_len;
  ifa->ifa_scope = RT_SCOPE_UNIVERSE;
  ifa->ifa_index = static_cast<unsigned>(ifindex);
  mnl_attr_put(nlh, IFA_LOCAL, 4, addr.b.data());
  mnl_attr_put(nlh, IFA_ADDRESS, 4, addr.b.data());
  return nlh;
}

}  // namespace

Status Netlink::add_address4(int ifindex, Ipv4Addr addr, uint8_t prefix_len) {
  std::vector<char> req(MNL_SOCKET_BUFFER_SIZE);
  nlmsghdr* nlh = put_address4(req, RTM_NEWADDR, ifindex, addr, prefix_len);
  nlh->nlmsg_flags |= NLM_F_CREATE | NLM_F_REPLACE;
  return request(nlh, fmt::format("cannot add address {}/{}", addr.str(), prefix_len).c_str());
}

Status Netlink::del_address4(int ifindex, Ipv4Addr addr, uint8_t prefix_len) {
  std::vector<char> req(MNL_SOCKET_BUFFER_SIZE);
  nlmsghdr* nlh = put_address4(req, RTM_DELADDR, ifindex, addr, prefix_len);
  // EADDRNOTAVAIL: not there; ENODEV: its device is gone, and the address with it.
  return request(nlh, fmt::format("cannot remove address {}/{}", addr.str(), prefix_len).c_str(),
                 {EADDRNOTAVAIL, ENODEV});
}

Status RouteSet::add(const RoutePrefix& p) {
  auto st = nl_.add_route(p, ifindex_);
  if (!st) return st;
  added_.push_back(p);
  return Ok{};
}

void RouteSet::clear() {
  for (auto it = added_.rbegin(); it != added_.rend(); ++it) {
    // ESRCH/ENODEV: the route left with its device already; nothing to undo.
    (void)nl_.del_route(*it, ifindex_);
  }
  added_.clear();
}

}  // namespace sixfour::io
