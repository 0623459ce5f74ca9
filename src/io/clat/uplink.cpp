#include "io/clat/uplink.hpp"

// net/if.h before the linux/ headers: glibc's header then tells linux/if.h not to redefine IFF_*.
#include <net/if.h>
#include <net/if_arp.h>
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>
#include <string>

#include "common/bytes.hpp"
#include "io/sys/errno_text.hpp"
#include "io/sys/sockaddr.hpp"
#include "xlat/offload.hpp"

namespace sixfour::io {

namespace {

constexpr int kSocketBuffer = 4 << 20;  // room for bursts of GRO super-packets and sendmmsg batches
constexpr size_t kIpv6Header = 40;
constexpr size_t kEthernetHeader = 14;

Error sys_error(const std::string& what, int ifindex) {
  return Error{what + " on interface " + std::to_string(ifindex) + ": " + errno_text(errno)};
}

bool set_int(int fd, int level, int opt, int value) { return ::setsockopt(fd, level, opt, &value, sizeof value) == 0; }

// A large socket buffer: the *FORCE variant ignores net.core.[rw]mem_max (root only), the plain one
// is the fallback, capped by the sysctl.
void set_buffer(int fd, int force_opt, int opt) {
  if (!set_int(fd, SOL_SOCKET, force_opt, kSocketBuffer)) set_int(fd, SOL_SOCKET, opt, kSocketBuffer);
}

Result<std::string> interface_name(int ifindex) {
  char name[IF_NAMESIZE] = {};
  if (::if_indextoname(static_cast<unsigned>(ifindex), name) == nullptr)
    return Error{"no interface with index " + std::to_string(ifindex)};
  return std::string(name);
}

// SIOCGIFHWADDR: the link type (sa_family, an ARPHRD_* value) and the hardware address.
Result<sockaddr> hardware_address(int ifindex) {
  auto name = interface_name(ifindex);
  if (!name) return Error{name.error()};
  Fd s(::socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!s) return sys_error("socket", ifindex);
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, name->c_str(), IF_NAMESIZE - 1);
  if (::ioctl(s.get(), SIOCGIFHWADDR, &ifr) < 0) return sys_error("SIOCGIFHWADDR " + *name, ifindex);
  return ifr.ifr_hwaddr;
}

// How many link-layer header bytes a SOCK_RAW packet socket gives before the IPv6 header: 14 on
// Ethernet (and Wi-Fi, which the kernel presents as Ethernet), none on links without a header
// (raw-IP modems, PPP, TUN: no header_ops, so the packet starts at the network header).
Result<size_t> link_header_len(const sockaddr& hw, int ifindex) {
  switch (hw.sa_family) {
    case ARPHRD_ETHER:
      return kEthernetHeader;
    case ARPHRD_NONE:
    case ARPHRD_RAWIP:
    case ARPHRD_PPP:
      return size_t{0};
    default:
      return Error{"interface " + std::to_string(ifindex) + " has an unsupported link type " +
                   std::to_string(hw.sa_family)};
  }
}

uint32_t coarse_seconds() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return static_cast<uint32_t>(ts.tv_sec);
}

// A hash of an IPv6 address: the top 8 bits pick a next-hop slot, the 16 below them tag it.
uint64_t address_hash(const uint8_t* a) {
  uint64_t hi = 0, lo = 0;
  std::memcpy(&hi, a, 8);
  std::memcpy(&lo, a + 8, 8);
  uint64_t h = (hi * 0x9e3779b97f4a7c15ULL) ^ (lo * 0xc2b2ae3d27d4eb4fULL);
  h ^= h >> 29;
  return h * 0xbf58476d1ce4e5b9ULL;
}

Status attach_filter(int fd, sock_filter* code, size_t len, int ifindex) {
  sock_fprog prog{static_cast<unsigned short>(len), code};
  if (::setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof prog) < 0)
    return sys_error("SO_ATTACH_FILTER", ifindex);
  return Ok{};
}

// The destination of a packet as sendto() wants it. The scope is the uplink for every destination:
// the kernel only reads it for link-local and multicast ones (which need it), and the socket is
// bound to the uplink anyway.
void destination_of(std::span<const uint8_t> pkt, int ifindex, sockaddr_in6& sa) {
  sa = sockaddr_in6{};
  sa.sin6_family = AF_INET6;
  sa.sin6_scope_id = static_cast<uint32_t>(ifindex);
  std::memcpy(&sa.sin6_addr, pkt.data() + 24, 16);
}

}  // namespace

// ---- UplinkRx

Result<UplinkRx> UplinkRx::open(int ifindex) {
  auto hw = hardware_address(ifindex);
  if (!hw) return Error{hw.error()};
  auto l2 = link_header_len(*hw, ifindex);
  if (!l2) return Error{l2.error()};
  std::array<uint8_t, 6> own{};
  if (*l2 != 0) std::memcpy(own.data(), hw->sa_data, own.size());
  // SOCK_RAW: the kernel accepts PACKET_VNET_HDR only on raw packet sockets. Protocol 0 receives
  // nothing until bind(), and a drop-all filter is attached before it, so no packet gets in before
  // set_address() says which ones the CLAT wants.
  Fd fd(::socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) return sys_error("AF_PACKET socket", ifindex);
  if (!set_int(fd.get(), SOL_PACKET, PACKET_VNET_HDR, 1)) return sys_error("PACKET_VNET_HDR", ifindex);
  // The host's own packets are the kernel's, never the CLAT's (and our own NS/NA must not look like
  // another node's during DAD).
  if (!set_int(fd.get(), SOL_PACKET, PACKET_IGNORE_OUTGOING, 1)) return sys_error("PACKET_IGNORE_OUTGOING", ifindex);
  set_buffer(fd.get(), SO_RCVBUFFORCE, SO_RCVBUF);
  sock_filter drop_all[] = {BPF_STMT(BPF_RET | BPF_K, 0)};
  if (auto st = attach_filter(fd.get(), drop_all, 1, ifindex); !st) return Error{st.error()};
  sockaddr_ll ll{};
  ll.sll_family = AF_PACKET;
  ll.sll_protocol = htons(ETH_P_IPV6);
  ll.sll_ifindex = ifindex;
  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&ll), sizeof ll) < 0)
    return sys_error("bind AF_PACKET", ifindex);
  return UplinkRx(std::move(fd), ifindex, *l2, own);
}

namespace {

// Appends the 8 instructions that fall through when the IPv6 destination (at `o` + 24) is `a`, and
// jump to instruction `drop` otherwise.
void match_destination(std::vector<sock_filter>& code, uint32_t o, const Ipv6Addr& a, size_t drop) {
  for (uint32_t w = 0; w < 4; ++w) {
    code.push_back(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, o + 24 + 4 * w));
    const size_t next = code.size() + 1;
    code.push_back(
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, load32(a.b.data() + 4 * w), 0, static_cast<uint8_t>(drop - next)));
  }
}

}  // namespace

Status UplinkRx::set_address(const Ipv6Addr& a) {
  // Classic BPF over the frame as the socket sees it: the IPv6 header starts after the link header.
  const auto o = static_cast<uint32_t>(l2_);
  constexpr size_t kDrop = 14;
  std::vector<sock_filter> code = {
      BPF_STMT(BPF_LD | BPF_B | BPF_ABS, o + 6),       // 0: next header
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 58, 0, 3),   // 1: ICMPv6 ? 2 : 5
      BPF_STMT(BPF_LD | BPF_B | BPF_ABS, o + 40),      // 2: ICMPv6 type
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 135, 9, 0),  // 3: NS -> accept
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 136, 8, 0),  // 4: NA -> accept
  };
  match_destination(code, o, a, kDrop);                    // 5-12
  code.push_back(BPF_STMT(BPF_RET | BPF_K, 0xffffffffu));  // 13: accept, whole packet
  code.push_back(BPF_STMT(BPF_RET | BPF_K, 0));            // 14: drop
  return attach_filter(fd_.get(), code.data(), code.size(), ifindex_);
}

Status UplinkRx::set_shared(const Ipv6Addr& host, uint16_t first, uint16_t last) {
  // To the host's own address only: TCP/UDP to a port of the CLAT's range, an Echo Reply with an
  // identifier in it, any ICMPv6 error and any fragment (those the data path checks after reassembly,
  // clat/port_map.hpp shared_owns). No neighbour discovery: the kernel answers for its own address.
  const auto o = static_cast<uint32_t>(l2_);
  constexpr size_t kDrop = 23;
  std::vector<sock_filter> code;
  match_destination(code, o, host, kDrop);  // 0-7
  const sock_filter rest[] = {
      BPF_STMT(BPF_LD | BPF_B | BPF_ABS, o + 6),         // 8: next header
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 44, 12, 0),    // 9: fragment -> accept
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 6, 2, 0),      // 10: TCP -> 13
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 17, 1, 0),     // 11: UDP -> 13
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 58, 3, 10),    // 12: ICMPv6 -> 16, else drop
      BPF_STMT(BPF_LD | BPF_H | BPF_ABS, o + 42),        // 13: destination port
      BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, first, 0, 8),  // 14
      BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, last, 7, 6),   // 15: in range -> accept
      BPF_STMT(BPF_LD | BPF_B | BPF_ABS, o + 40),        // 16: ICMPv6 type
      BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 128, 0, 4),    // 17: an error -> accept
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 129, 0, 4),    // 18: Echo Reply, else drop
      BPF_STMT(BPF_LD | BPF_H | BPF_ABS, o + 44),        // 19: identifier
      BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, first, 0, 2),  // 20
      BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, last, 1, 0),   // 21: in range -> accept
      BPF_STMT(BPF_RET | BPF_K, 0xffffffffu),            // 22: accept, whole packet
      BPF_STMT(BPF_RET | BPF_K, 0),                      // 23: drop
  };
  code.insert(code.end(), std::begin(rest), std::end(rest));
  return attach_filter(fd_.get(), code.data(), code.size(), ifindex_);
}

ssize_t UplinkRx::read(std::span<uint8_t> buf) {
  constexpr size_t kVnet = xlat::offload::kVnetHdrLen;
  if (l2_ == 0) return ::recv(fd_.get(), buf.data(), buf.size(), 0);
  if (buf.size() < kVnet) {
    errno = EINVAL;
    return -1;
  }
  // The kernel writes the virtio-net header, then the frame from its link header on; the link
  // header goes to a scratch buffer so the caller gets header + IPv6 packet, as from a TUN.
  iovec iov[3] = {{buf.data(), kVnet}, {link_header_.data(), l2_}, {buf.data() + kVnet, buf.size() - kVnet}};
  sockaddr_ll from{};
  msghdr msg{};
  msg.msg_name = &from;
  msg.msg_namelen = sizeof from;
  msg.msg_iov = iov;
  msg.msg_iovlen = 3;
  const ssize_t n = ::recvmsg(fd_.get(), &msg, 0);
  if (n < static_cast<ssize_t>(kVnet + l2_)) return n < 0 ? n : 0;
  if (from.sll_pkttype == PACKET_HOST && n >= static_cast<ssize_t>(kVnet + l2_ + kIpv6Header))
    learn_next_hop(buf.data() + kVnet + 8);
  // The header's offsets count from where the socket's data starts (the link header); a TUN's, and
  // the data plane's, from the IPv6 header.
  auto h = xlat::offload::parse(buf.data());
  if (h.csum_start >= l2_) h.csum_start = static_cast<uint16_t>(h.csum_start - l2_);
  if (h.hdr_len >= l2_) h.hdr_len = static_cast<uint16_t>(h.hdr_len - l2_);
  xlat::offload::store(h, buf.data());
  return n - static_cast<ssize_t>(l2_);
}

// A unicast frame to this host that passed the filter carries the CLAT's traffic coming back (or
// neighbour discovery): its link-layer source is a next hop towards the packet's IPv6 source.
void UplinkRx::learn_next_hop(const uint8_t* src) {
  const uint8_t* mac = link_header_.data() + 6;
  if ((mac[0] & 1) != 0) return;  // a multicast source is no next hop
  uint64_t m = 0;
  for (int i = 0; i < 6; ++i) m = m << 8 | mac[i];
  if (m == 0) return;
  const uint64_t h = address_hash(src);
  auto& slot = hops_->slots[h >> 56];
  const uint64_t v = (h >> 40 & 0xffff) << 48 | m;
  if (slot.tag_mac.load(std::memory_order_relaxed) != v) slot.tag_mac.store(v, std::memory_order_relaxed);
  const uint32_t now = coarse_seconds();
  if (slot.seen.load(std::memory_order_relaxed) != now) slot.seen.store(now, std::memory_order_relaxed);
}

bool UplinkRx::next_hop(const uint8_t* dst, uint8_t* mac) const {
  const uint64_t h = address_hash(dst);
  const auto& slot = hops_->slots[h >> 56];
  const uint64_t v = slot.tag_mac.load(std::memory_order_relaxed);
  if (v == 0 || v >> 48 != (h >> 40 & 0xffff)) return false;
  if (coarse_seconds() - slot.seen.load(std::memory_order_relaxed) > kNextHopFreshSeconds) return false;
  for (int i = 0; i < 6; ++i) mac[i] = static_cast<uint8_t>(v >> (40 - 8 * i));
  return true;
}

ssize_t UplinkRx::write(std::span<const uint8_t> buf) {
  constexpr size_t kVnet = xlat::offload::kVnetHdrLen;
  if (buf.size() <= kVnet + kIpv6Header) {
    errno = EINVAL;
    return -1;
  }
  std::array<uint8_t, kVnet> vnet;
  std::array<uint8_t, kEthernetHeader> eth{};
  std::memcpy(vnet.data(), buf.data(), kVnet);
  if (l2_ != 0) {
    if (!next_hop(buf.data() + kVnet + 24, eth.data())) {
      errno = EHOSTUNREACH;
      return -1;
    }
    std::memcpy(eth.data() + 6, own_mac_.data(), 6);
    eth[12] = ETH_P_IPV6 >> 8;
    eth[13] = ETH_P_IPV6 & 0xff;
    // The socket's header counts its offsets from the start of the frame, the data plane's from the
    // IPv6 header.
    auto h = xlat::offload::parse(vnet.data());
    if (h.flags & xlat::offload::kFlagNeedsCsum) h.csum_start = static_cast<uint16_t>(h.csum_start + l2_);
    if (h.hdr_len != 0) h.hdr_len = static_cast<uint16_t>(h.hdr_len + l2_);
    xlat::offload::store(h, vnet.data());
  }
  iovec iov[3] = {
      {vnet.data(), kVnet}, {eth.data(), l2_}, {const_cast<uint8_t*>(buf.data() + kVnet), buf.size() - kVnet}};
  msghdr msg{};
  msg.msg_iov = iov;
  msg.msg_iovlen = 3;
  const ssize_t n = ::sendmsg(fd_.get(), &msg, MSG_DONTWAIT);
  return n < 0 ? n : static_cast<ssize_t>(buf.size());
}

ssize_t UplinkRx::writev(const iovec*, int) {
  errno = EBADF;
  return -1;
}

// ---- UplinkTx

Result<UplinkTx> UplinkTx::open(int ifindex) {
  auto name = interface_name(ifindex);
  if (!name) return Error{name.error()};
  // IPPROTO_RAW implies IPV6_HDRINCL: the packet is sent as written, source and hop limit included,
  // through local output (never forwarding, so no hop limit decrement and no forwarding sysctl).
  // Blocking: a full send buffer makes the sender wait, the backpressure towards the TUN.
  Fd fd(::socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW));
  if (!fd) return sys_error("raw IPv6 socket", ifindex);
  if (::setsockopt(fd.get(), SOL_SOCKET, SO_BINDTODEVICE, name->c_str(), static_cast<socklen_t>(name->size())) < 0)
    return sys_error("SO_BINDTODEVICE " + *name, ifindex);
  // Our NS/NA to a group we joined must not loop back into this host as if another node sent them.
  if (!set_int(fd.get(), IPPROTO_IPV6, IPV6_MULTICAST_LOOP, 0)) return sys_error("IPV6_MULTICAST_LOOP", ifindex);
  set_buffer(fd.get(), SO_SNDBUFFORCE, SO_SNDBUF);
  return UplinkTx(std::move(fd), ifindex);
}

ssize_t UplinkTx::send(std::span<const uint8_t> pkt) {
  if (pkt.size() < kIpv6Header) {
    errno = EINVAL;
    return -1;
  }
  sockaddr_in6 sa;
  destination_of(pkt, ifindex_, sa);
  return ::sendto(fd_.get(), pkt.data(), pkt.size(), 0, reinterpret_cast<const sockaddr*>(&sa), sizeof sa);
}

size_t UplinkTx::send_batch(std::span<const std::span<const uint8_t>> packets) {
  size_t sent = 0;
  // After a partial sendmmsg the next call starts with the refused packet: refused again, it
  // returns -1 with its errno, which is what the caller gets to read.
  while (sent < packets.size()) {
    const size_t n = send_chunk(packets.subspan(sent, std::min(kBatch, packets.size() - sent)));
    if (n == 0) break;
    sent += n;
  }
  return sent;
}

size_t UplinkTx::send_chunk(std::span<const std::span<const uint8_t>> packets) {
  size_t count = 0;
  for (; count < packets.size() && packets[count].size() >= kIpv6Header; ++count) {
    destination_of(packets[count], ifindex_, dsts_[count]);
    iovs_[count] = {const_cast<uint8_t*>(packets[count].data()), packets[count].size()};
    msgs_[count] = mmsghdr{};
    msgs_[count].msg_hdr.msg_name = &dsts_[count];
    msgs_[count].msg_hdr.msg_namelen = sizeof(sockaddr_in6);
    msgs_[count].msg_hdr.msg_iov = &iovs_[count];
    msgs_[count].msg_hdr.msg_iovlen = 1;
  }
  if (count == 0) {
    errno = EINVAL;  // shorter than an IPv6 header
    return 0;
  }
  const int r = ::sendmmsg(fd_.get(), msgs_.data(), static_cast<unsigned>(count), 0);
  return r < 0 ? 0 : static_cast<size_t>(r);
}

// ---- SolicitedNodeGroup

Result<SolicitedNodeGroup> SolicitedNodeGroup::join(int ifindex, const Ipv6Addr& address) {
  const Ipv6Addr group = clat::solicited_node(address);
  Fd fd(::socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!fd) return sys_error("socket", ifindex);
  ipv6_mreq mr{};
  std::memcpy(&mr.ipv6mr_multiaddr, group.b.data(), 16);
  mr.ipv6mr_interface = static_cast<unsigned>(ifindex);
  if (::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_JOIN_GROUP, &mr, sizeof mr) < 0)
    return sys_error("IPV6_JOIN_GROUP " + group.str(), ifindex);
  return SolicitedNodeGroup(std::move(fd), group);
}

// ---- DAD, router solicitation, MAC

namespace {

// Reads every queued packet; true when one is a neighbour discovery message that conflicts with
// `tentative` (RFC 4862 §5.4.3, §5.4.4).
bool drain_for_conflict(UplinkRx& rx, const Ipv6Addr& tentative) {
  std::array<uint8_t, 2048> buf;  // ND messages are small; anything longer is not one
  for (;;) {
    const ssize_t n = rx.read(buf);
    if (n < 0) return false;  // EAGAIN: nothing more queued
    if (n <= static_cast<ssize_t>(xlat::offload::kVnetHdrLen)) continue;
    auto pkt = std::span<const uint8_t>(buf).subspan(xlat::offload::kVnetHdrLen,
                                                     static_cast<size_t>(n) - xlat::offload::kVnetHdrLen);
    auto m = clat::parse_nd(pkt);
    if (m && clat::dad_conflict(*m, tentative)) return true;
  }
}

}  // namespace

Result<bool> run_dad(int ifindex, const Ipv6Addr& tentative, std::chrono::milliseconds wait) {
  // RFC 4862 §5.4.2: join the solicited-node group before probing, so that another node's probe
  // for the same address reaches us too.
  auto group = SolicitedNodeGroup::join(ifindex, tentative);
  if (!group) return Error{group.error()};
  auto rx = UplinkRx::open(ifindex);
  if (!rx) return Error{rx.error()};
  if (auto st = rx.value().set_address(tentative); !st) return Error{st.error()};
  auto tx = UplinkTx::open(ifindex);
  if (!tx) return Error{tx.error()};
  std::array<uint8_t, clat::kDadSolicitationSize> ns;
  clat::build_dad_solicitation(tentative, ns);
  if (tx.value().send(ns) < 0) return sys_error("DAD solicitation for " + tentative.str(), ifindex);
  const auto deadline = std::chrono::steady_clock::now() + wait;
  for (;;) {
    if (drain_for_conflict(rx.value(), tentative)) return true;
    const int left = ms_left(deadline);
    if (left == 0) return false;
    pollfd p{rx.value().fd(), POLLIN, 0};
    if (::poll(&p, 1, left) < 0 && errno != EINTR) return sys_error("poll", ifindex);
  }
}

Status send_router_solicitation(int ifindex, const clat::Mac& mac) {
  auto name = interface_name(ifindex);
  if (!name) return Error{name.error()};
  Ipv6Addr src;  // :: when the interface has no link-local address yet (RFC 4861 §6.3.7)
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) < 0) return sys_error("getifaddrs", ifindex);
  for (ifaddrs* i = list; i != nullptr; i = i->ifa_next) {
    if (i->ifa_addr == nullptr || i->ifa_addr->sa_family != AF_INET6 || *name != i->ifa_name) continue;
    const auto* sa = reinterpret_cast<const sockaddr_in6*>(i->ifa_addr);
    if (sa->sin6_addr.s6_addr[0] == 0xfe && (sa->sin6_addr.s6_addr[1] & 0xc0) == 0x80) {
      std::memcpy(src.b.data(), sa->sin6_addr.s6_addr, 16);
      break;
    }
  }
  ::freeifaddrs(list);
  auto tx = UplinkTx::open(ifindex);
  if (!tx) return Error{tx.error()};
  std::array<uint8_t, clat::kRouterSolicitationSize> rs;
  const size_t n = clat::build_router_solicitation(src, mac, rs);
  if (tx.value().send(std::span(rs).first(n)) < 0) return sys_error("router solicitation", ifindex);
  return Ok{};
}

Result<clat::Mac> interface_mac(int ifindex) {
  auto hw = hardware_address(ifindex);
  if (!hw) return Error{hw.error()};
  if (hw->sa_family != ARPHRD_ETHER) return Error{"interface " + std::to_string(ifindex) + " is not Ethernet"};
  clat::Mac m;
  std::memcpy(m.data(), hw->sa_data, m.size());
  return m;
}

}  // namespace sixfour::io
