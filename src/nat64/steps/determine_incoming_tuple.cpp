// RFC 6146 §3.4: determining the incoming tuple. TCP/UDP: the 5-tuple; ICMP queries (echo): the
// 3-tuple with the identifier as "port"; ICMP errors: the tuple of the packet they quote, reversed —
// the error travels opposite to that packet, in its session. Anything this step cannot read is left
// to xlat/, which drops it (or answers it) without asking for any address mapping.
#include <algorithm>
#include <cstring>
#include <optional>

#include "nat64/steps/steps.hpp"
#include "xlat/config.hpp"
#include "xlat/icmpv6_errors.hpp"

namespace sixfour::nat64 {

namespace {

constexpr uint8_t kTcp = 6, kUdp = 17, kIcmp4 = 1, kIcmp6 = 58;

uint16_t ld16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }

void tcp_flags(const uint8_t* l4, bool from_v6, TcpSegment& s) {
  const uint8_t f = l4[13];
  s = TcpSegment{from_v6, (f & 0x02) != 0, (f & 0x01) != 0, (f & 0x04) != 0};
}

// TCP and UDP: their ports into `t` (the source port is port6 from IPv6, rport from IPv4) and
// TCP's flags; Tuple, or Xlat when the header is short. `icmp`, this family's ICMP: nullopt, the
// caller reads it. Any other protocol: Drop. Inlined: it is on every packet's path.
[[gnu::always_inline]] inline std::optional<Parse> transport_tuple(uint8_t proto, uint8_t icmp, const uint8_t* l4,
                                                                   size_t l4len, bool from_v6, Tuple& t,
                                                                   xlat::DropReason& reason) {
  if (proto == icmp) return std::nullopt;
  if (proto != kTcp && proto != kUdp) {
    reason = xlat::DropReason::UnsupportedProtocol;
    return Parse::Drop;
  }
  if (l4len < (proto == kTcp ? 20u : 8u)) return Parse::Xlat;
  t.proto = proto == kTcp ? Proto::Tcp : Proto::Udp;
  (from_v6 ? t.port6 : t.rport) = ld16(l4);
  (from_v6 ? t.rport : t.port4) = ld16(l4 + 2);
  if (proto == kTcp) tcp_flags(l4, from_v6, t.tcp);
  return Parse::Tuple;
}

uint16_t ipv4_sum(const uint8_t* p, size_t n) {
  uint32_t s = 0;
  for (size_t i = 0; i + 1 < n; i += 2) s += ld16(p + i);
  while (s >> 16) s = (s & 0xffff) + (s >> 16);
  return static_cast<uint16_t>(s);
}

}  // namespace

Parse determine_incoming_tuple6(std::span<const uint8_t> in, Tuple& t, xlat::DropReason& reason, int8_t hop_change) {
  if (in.size() < 40 || (in[0] >> 4) != 6) return Parse::Xlat;
  const size_t plen = ld16(in.data() + 4);
  if (plen == 0 || 40 + plen > in.size()) return Parse::Xlat;
  const std::span<const uint8_t> pkt = in.first(40 + plen);
  xlat::Ipv6Chain c;
  if (xlat::walk_ipv6_chain(pkt, c) != xlat::ChainStatus::Ok) return Parse::Xlat;
  if (xlat::hop_expires(pkt[7], hop_change) || pkt[24] == 0xff || c.routing_pending) return Parse::Xlat;
  if (c.is_fragment()) return Parse::Fragment;

  const uint8_t* l4 = pkt.data() + c.l4_off;
  const size_t l4len = pkt.size() - c.l4_off;
  t = Tuple{};
  t.from_v6 = true;
  std::memcpy(t.addr6.b.data(), pkt.data() + 8, 16);
  std::memcpy(t.remote6.b.data(), pkt.data() + 24, 16);

  if (const auto p = transport_tuple(c.proto, kIcmp6, l4, l4len, true, t, reason)) return *p;

  if (l4len < 8) return Parse::Xlat;
  t.proto = Proto::Icmp;
  if (l4[0] == xlat::icmp6::kEchoRequest || l4[0] == xlat::icmp6::kEchoReply) {
    t.port6 = ld16(l4 + 4);
    return Parse::Tuple;
  }
  if (l4[0] >= 128) return Parse::Xlat;  // other informational messages: xlat drops them

  // An ICMPv6 error: read the quoted packet (IPv6 header, extension headers, transport ports).
  t.icmp_error = true;
  const std::span<const uint8_t> q = pkt.subspan(c.l4_off + 8);
  if (q.size() < 40 || (q[0] >> 4) != 6) return Parse::Xlat;
  xlat::Ipv6Chain ic;
  const size_t qplen = ld16(q.data() + 4);
  const std::span<const uint8_t> qc = q.first(std::min(q.size(), 40 + qplen));
  if (xlat::walk_ipv6_chain(qc, ic) != xlat::ChainStatus::Ok || !ic.first_fragment()) {
    reason = xlat::DropReason::InnerPacket;
    return Parse::Drop;
  }
  const uint8_t* il4 = qc.data() + ic.l4_off;
  const size_t il4len = qc.size() - ic.l4_off;
  // The quoted packet went from the peer (its source) to the inside host (its destination).
  std::memcpy(t.addr6.b.data(), qc.data() + 24, 16);
  std::memcpy(t.remote6.b.data(), qc.data() + 8, 16);
  if ((ic.proto == kTcp || ic.proto == kUdp) && il4len >= 4) {
    t.proto = ic.proto == kTcp ? Proto::Tcp : Proto::Udp;
    t.rport = ld16(il4);
    t.port6 = ld16(il4 + 2);
    return Parse::Tuple;
  }
  if (ic.proto == kIcmp6 && il4len >= 6 && (il4[0] == xlat::icmp6::kEchoRequest || il4[0] == xlat::icmp6::kEchoReply)) {
    t.proto = Proto::Icmp;
    t.port6 = ld16(il4 + 4);
    return Parse::Tuple;
  }
  reason = xlat::DropReason::InnerPacket;
  return Parse::Drop;
}

Parse determine_incoming_tuple4(std::span<const uint8_t> in, Tuple& t, xlat::DropReason& reason, int8_t hop_change) {
  if (in.size() < 20 || (in[0] >> 4) != 4) return Parse::Xlat;
  const size_t ihl = size_t{in[0] & 0x0fu} * 4;
  const size_t total = ld16(in.data() + 2);
  if (ihl < 20 || total < ihl || total > in.size()) return Parse::Xlat;
  if (ipv4_sum(in.data(), ihl) != 0xffff) return Parse::Xlat;  // xlat counts the bad checksum
  if (xlat::hop_expires(in[8], hop_change)) return Parse::Xlat;
  const uint16_t frag = ld16(in.data() + 6);
  if ((frag & 0x2000) || (frag & 0x1fff)) return Parse::Fragment;

  const uint8_t* l4 = in.data() + ihl;
  const size_t l4len = total - ihl;
  t = Tuple{};
  t.from_v6 = false;
  std::memcpy(t.remote4.b.data(), in.data() + 12, 4);
  std::memcpy(t.addr4.b.data(), in.data() + 16, 4);

  if (const auto p = transport_tuple(in[9], kIcmp4, l4, l4len, false, t, reason)) return *p;

  if (l4len < 8) return Parse::Xlat;
  t.proto = Proto::Icmp;
  const uint8_t type = l4[0];
  if (type == 8 || type == 0) {  // echo request / reply (RFC 792)
    t.port4 = ld16(l4 + 4);
    return Parse::Tuple;
  }
  if (type != 3 && type != 11 && type != 12) return Parse::Xlat;  // xlat drops what it cannot translate

  // An ICMPv4 error (Destination Unreachable, Time Exceeded, Parameter Problem) quoting a packet that
  // went from the pool4 endpoint (its source) to the peer (its destination).
  t.icmp_error = true;
  const uint8_t* q = l4 + 8;
  const size_t qlen = l4len - 8;
  if (qlen < 20 || (q[0] >> 4) != 4) return Parse::Xlat;
  const size_t qihl = size_t{q[0] & 0x0fu} * 4;
  if (qihl < 20 || qihl > qlen || (ld16(q + 6) & 0x1fff) != 0) {
    reason = xlat::DropReason::InnerPacket;
    return Parse::Drop;
  }
  std::memcpy(t.addr4.b.data(), q + 12, 4);
  std::memcpy(t.remote4.b.data(), q + 16, 4);
  const uint8_t* il4 = q + qihl;
  const size_t il4len = qlen - qihl;
  if ((q[9] == kTcp || q[9] == kUdp) && il4len >= 4) {
    t.proto = q[9] == kTcp ? Proto::Tcp : Proto::Udp;
    t.port4 = ld16(il4);
    t.rport = ld16(il4 + 2);
    return Parse::Tuple;
  }
  if (q[9] == kIcmp4 && il4len >= 6 && (il4[0] == 8 || il4[0] == 0)) {
    t.proto = Proto::Icmp;
    t.port4 = ld16(il4 + 4);
    return Parse::Tuple;
  }
  reason = xlat::DropReason::InnerPacket;
  return Parse::Drop;
}

}  // namespace sixfour::nat64
