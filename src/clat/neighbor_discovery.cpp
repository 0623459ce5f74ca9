#include "clat/neighbor_discovery.hpp"

#include <algorithm>
#include <cstring>

#include "common/bytes.hpp"
#include "common/checksum.hpp"

namespace sixfour::clat {

namespace {

constexpr uint8_t kIcmpv6 = 58;
constexpr uint8_t kNdHopLimit = 255;  // RFC 4861 §6.1.2/§7.1: anything else came from off-link
constexpr uint8_t kRouterSolicitation = 133;
constexpr uint8_t kNeighborSolicitation = 135;
constexpr uint8_t kNeighborAdvertisement = 136;
constexpr uint8_t kOptSourceLla = 1;  // RFC 4861 §4.6.1
constexpr uint8_t kOptTargetLla = 2;
constexpr size_t kIpv6Header = 40;
constexpr size_t kNdMinLength = 24;  // ICMPv6 header + reserved/flags + target (RFC 4861 §4.3, §4.4)

constexpr uint8_t kNaRouter = 0x80;  // RFC 4861 §4.4 flag bits
constexpr uint8_t kNaSolicited = 0x40;
constexpr uint8_t kNaOverride = 0x20;

bool is_unspecified(const Ipv6Addr& a) { return a == Ipv6Addr{}; }

// The fixed IPv6 header of an ND message: traffic class and flow label 0, next header ICMPv6, hop
// limit 255.
void write_ipv6_header(uint8_t* p, const Ipv6Addr& src, const Ipv6Addr& dst, size_t icmp_len) {
  store32(p, 0x60000000u);
  store16(p + 4, static_cast<uint16_t>(icmp_len));
  p[6] = kIcmpv6;
  p[7] = kNdHopLimit;
  std::memcpy(p + 8, src.b.data(), 16);
  std::memcpy(p + 24, dst.b.data(), 16);
}

// Fills in the ICMPv6 checksum over the RFC 8200 §8.1 pseudo-header of a packet built above.
void finish_icmpv6(uint8_t* p, size_t total) {
  uint8_t* icmp = p + kIpv6Header;
  const size_t len = total - kIpv6Header;
  store16(icmp + 2, 0);
  uint32_t sum = checksum::pseudo_header6(p + 8, p + 24, kIcmpv6, static_cast<uint32_t>(len));
  store16(icmp + 2, checksum::finish(checksum::partial({icmp, len}, sum)));
}

// An Ethernet link-layer address option (RFC 4861 §4.6.1): type, length 1 (8 octets), the MAC.
void write_lla_option(uint8_t* p, uint8_t type, const Mac& mac) {
  p[0] = type;
  p[1] = 1;
  std::memcpy(p + 2, mac.data(), mac.size());
}

Ipv6Addr addr_at(const uint8_t* p) {
  Ipv6Addr a;
  std::memcpy(a.b.data(), p, 16);
  return a;
}

bool is_solicited_node(const Ipv6Addr& a) {
  const Ipv6Addr prefix = solicited_node(Ipv6Addr{});
  return std::equal(a.b.begin(), a.b.begin() + 13, prefix.b.begin());
}

// Walks the options after the fixed ND part (RFC 4861 §4.6): every option must have a non-zero
// length and end inside the packet (§7.1.1/§7.1.2). Returns false for a malformed list; `lla` gets
// the first option of type `lla_type`, `saw_lla` whether there was one.
bool read_options(std::span<const uint8_t> opts, uint8_t lla_type, std::optional<Mac>& lla, bool& saw_lla) {
  size_t off = 0;
  while (off < opts.size()) {
    if (opts.size() - off < 2) return false;
    const size_t len = size_t{opts[off + 1]} * 8;
    if (len == 0 || len > opts.size() - off) return false;
    if (opts[off] == lla_type && !saw_lla) {
      saw_lla = true;
      Mac m;
      std::memcpy(m.data(), opts.data() + off + 2, m.size());
      lla = m;
    }
    off += len;
  }
  return true;
}

// A neighbour advertisement from `src` to `dst` for `target` with the given flag bits.
size_t build_advertisement(const Ipv6Addr& src, const Ipv6Addr& dst, const Ipv6Addr& target, uint8_t flags,
                           const Mac& mac, std::span<uint8_t> out) {
  if (out.size() < kNeighborAdvertisementSize) return 0;
  uint8_t* p = out.data();
  write_ipv6_header(p, src, dst, kNeighborAdvertisementSize - kIpv6Header);
  uint8_t* icmp = p + kIpv6Header;
  std::memset(icmp, 0, kNdMinLength);
  icmp[0] = kNeighborAdvertisement;
  icmp[4] = flags;
  std::memcpy(icmp + 8, target.b.data(), 16);
  write_lla_option(icmp + kNdMinLength, kOptTargetLla, mac);
  finish_icmpv6(p, kNeighborAdvertisementSize);
  return kNeighborAdvertisementSize;
}

}  // namespace

Ipv6Addr solicited_node(const Ipv6Addr& a) {
  Ipv6Addr g{{0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff, 0, 0, 0}};
  std::copy(a.b.begin() + 13, a.b.end(), g.b.begin() + 13);
  return g;
}

Mac multicast_mac(const Ipv6Addr& group) { return Mac{0x33, 0x33, group.b[12], group.b[13], group.b[14], group.b[15]}; }

size_t build_dad_solicitation(const Ipv6Addr& target, std::span<uint8_t> out) {
  if (out.size() < kDadSolicitationSize) return 0;
  uint8_t* p = out.data();
  write_ipv6_header(p, Ipv6Addr{}, solicited_node(target), kNdMinLength);
  uint8_t* icmp = p + kIpv6Header;
  std::memset(icmp, 0, kNdMinLength);
  icmp[0] = kNeighborSolicitation;
  std::memcpy(icmp + 8, target.b.data(), 16);
  finish_icmpv6(p, kDadSolicitationSize);
  return kDadSolicitationSize;
}

size_t build_router_solicitation(const Ipv6Addr& src_link_local, const Mac& mac, std::span<uint8_t> out) {
  const bool with_option = !is_unspecified(src_link_local);  // RFC 4861 §4.1
  const size_t total = with_option ? kRouterSolicitationSize : kRouterSolicitationSize - 8;
  if (out.size() < total) return 0;
  uint8_t* p = out.data();
  write_ipv6_header(p, src_link_local, kAllRouters, total - kIpv6Header);
  uint8_t* icmp = p + kIpv6Header;
  std::memset(icmp, 0, 8);
  icmp[0] = kRouterSolicitation;
  if (with_option) write_lla_option(icmp + 8, kOptSourceLla, mac);
  finish_icmpv6(p, total);
  return total;
}

std::optional<NdMessage> parse_nd(std::span<const uint8_t> pkt) {
  if (pkt.size() < kIpv6Header + kNdMinLength) return std::nullopt;
  const uint8_t* p = pkt.data();
  // The next header must be ICMPv6 itself: an ND message behind extension headers is not one this
  // node needs, and the fixed header's length has to cover the message (no jumbograms).
  if ((p[0] >> 4) != 6 || p[6] != kIcmpv6 || p[7] != kNdHopLimit) return std::nullopt;
  const size_t len = load16(p + 4);
  if (len < kNdMinLength || kIpv6Header + len > pkt.size()) return std::nullopt;
  const uint8_t* icmp = p + kIpv6Header;
  if (icmp[1] != 0) return std::nullopt;  // code 0 (§7.1.1, §7.1.2)
  if (icmp[0] != kNeighborSolicitation && icmp[0] != kNeighborAdvertisement) return std::nullopt;
  uint32_t sum = checksum::pseudo_header6(p + 8, p + 24, kIcmpv6, static_cast<uint32_t>(len));
  if (checksum::fold(checksum::partial({icmp, len}, sum)) != 0xffff) return std::nullopt;

  NdMessage m;
  m.type = icmp[0] == kNeighborSolicitation ? NdMessage::NeighborSolicitation : NdMessage::NeighborAdvertisement;
  m.src = addr_at(p + 8);
  m.dst = addr_at(p + 24);
  m.target = addr_at(icmp + 8);
  // RFC 4291 §2.7: a multicast address is never a source (an answer to it would be a solicited
  // advertisement to a group, which §7.1.2 makes invalid).
  if (is_multicast(m.target) || is_multicast(m.src)) return std::nullopt;
  const bool ns = m.type == NdMessage::NeighborSolicitation;
  bool saw_lla = false;
  if (!read_options({icmp + kNdMinLength, len - kNdMinLength}, ns ? kOptSourceLla : kOptTargetLla, m.lla, saw_lla))
    return std::nullopt;
  if (ns) {
    // §7.1.1: a DAD probe (source ::) goes to a solicited-node group and has no SLLA option.
    if (is_unspecified(m.src) && (!is_solicited_node(m.dst) || saw_lla)) return std::nullopt;
    return m;
  }
  m.router = (icmp[4] & kNaRouter) != 0;
  m.solicited = (icmp[4] & kNaSolicited) != 0;
  m.override_ = (icmp[4] & kNaOverride) != 0;
  if (is_multicast(m.dst) && m.solicited) return std::nullopt;  // §7.1.2
  return m;
}

std::optional<size_t> answer_solicitation(const NdMessage& ns, const Ipv6Addr& ours, const Mac& mac,
                                          std::span<uint8_t> out) {
  if (ns.type != NdMessage::NeighborSolicitation || ns.target != ours) return std::nullopt;
  // §7.2.4: a solicitation from :: is answered to all nodes, without the solicited flag; override
  // is set because the address is not anycast, router clear because the CLAT is a host.
  const bool dad = is_unspecified(ns.src);
  const uint8_t flags = dad ? kNaOverride : static_cast<uint8_t>(kNaSolicited | kNaOverride);
  const size_t n = build_advertisement(ours, dad ? kAllNodes : ns.src, ours, flags, mac, out);
  if (n == 0) return std::nullopt;
  return n;
}

size_t build_unsolicited_advertisement(const Ipv6Addr& ours, const Mac& mac, std::span<uint8_t> out) {
  return build_advertisement(ours, kAllNodes, ours, kNaOverride, mac, out);
}

bool dad_conflict(const NdMessage& m, const Ipv6Addr& tentative) {
  if (m.target != tentative) return false;
  if (m.type == NdMessage::NeighborAdvertisement) return true;  // §5.4.4: someone has it
  return is_unspecified(m.src);                                 // §5.4.3: someone else's DAD for it
}

}  // namespace sixfour::clat
