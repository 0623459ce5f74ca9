// RFC 7915 §4: IPv4 -> IPv6. The packet's header is translated once into a template; the payload is
// then copied once (split into fragments when it must be), and the few transport-header bytes that
// change (ports, checksum, ICMP type) are patched into the first output packet afterwards.
#include "xlat/ipv4_to_ipv6.hpp"

#include <algorithm>
#include <cstring>

#include "common/bytes.hpp"
#include "common/checksum.hpp"
#include "xlat/icmp_extensions.hpp"
#include "xlat/icmpv4_errors.hpp"

namespace sixfour::xlat {
namespace {

constexpr size_t kIpv4Hdr = 20;
constexpr size_t kIpv6Hdr = 40;
constexpr size_t kFragHdr = 8;
constexpr size_t kIcmpHdr = 8;
constexpr size_t kUdpHdr = 8;
constexpr size_t kTcpHdr = 20;
constexpr uint16_t kIpv6MinMtu = 1280;

constexpr uint8_t kProtoIcmp = 1;
constexpr uint8_t kProtoIgmp = 2;
constexpr uint8_t kProtoTcp = 6;
constexpr uint8_t kProtoUdp = 17;
constexpr uint8_t kProtoFragment = 44;
constexpr uint8_t kProtoIcmpv6 = 58;

// ICMPv6 types (RFC 4443).
constexpr uint8_t kIcmp6DestUnreachable = 1;
constexpr uint8_t kIcmp6PacketTooBig = 2;
constexpr uint8_t kIcmp6TimeExceeded = 3;
constexpr uint8_t kIcmp6ParameterProblem = 4;
constexpr uint8_t kIcmp6EchoRequest = 128;
constexpr uint8_t kIcmp6EchoReply = 129;

// IPv4 options (RFC 791): end of list, no-op, loose and strict source route.
constexpr uint8_t kOptEnd = 0;
constexpr uint8_t kOptNop = 1;
constexpr uint8_t kOptLsrr = 131;
constexpr uint8_t kOptSsrr = 137;

// The fields of a validated IPv4 header that translation needs.
struct V4 {
  const uint8_t* p = nullptr;
  size_t ihl = 0;    // header length in bytes
  size_t total = 0;  // Total Length (for an inner packet: as claimed, may exceed the bytes present)
  uint8_t tos = 0, ttl = 0, proto = 0;
  uint16_t id = 0;
  bool df = false, mf = false;
  uint16_t offset = 0;  // in 8-byte units
  bool fragment() const { return mf || offset != 0; }
  const uint8_t* src() const { return p + 12; }
  const uint8_t* dst() const { return p + 16; }
};

void parse_fields(const uint8_t* p, V4& h) {
  h.p = p;
  h.ihl = size_t{p[0] & 0x0fu} * 4;
  h.tos = p[1];
  h.total = load16(p + 2);
  h.id = load16(p + 4);
  const uint16_t frag = load16(p + 6);
  h.df = (frag & 0x4000) != 0;
  h.mf = (frag & 0x2000) != 0;
  h.offset = frag & 0x1fff;
  h.ttl = p[8];
  h.proto = p[9];
}

Ipv4Addr addr4(const uint8_t* p) {
  Ipv4Addr a;
  std::memcpy(a.b.data(), p, 4);
  return a;
}

bool is_multicast_or_broadcast(const uint8_t* a) {
  return (a[0] & 0xf0) == 0xe0 || (a[0] == 255 && a[1] == 255 && a[2] == 255 && a[3] == 255);
}

uint8_t next_header_for(uint8_t proto) { return proto == kProtoIcmp ? kProtoIcmpv6 : proto; }

// RFC 7915 §4.1: an unexpired Loose or Strict Source Route option. Returns false also when the option
// list is malformed (`bad` is set then).
bool has_unexpired_source_route(const V4& h, bool& bad) {
  bad = false;
  const uint8_t* o = h.p + kIpv4Hdr;
  size_t n = h.ihl - kIpv4Hdr;
  size_t i = 0;
  while (i < n) {
    const uint8_t type = o[i];
    if (type == kOptEnd) break;
    if (type == kOptNop) {
      ++i;
      continue;
    }
    if (i + 1 >= n || o[i + 1] < 2 || i + o[i + 1] > n) {
      bad = true;
      return false;
    }
    const uint8_t len = o[i + 1];
    if (type == kOptLsrr || type == kOptSsrr) {
      // RFC 791: the route is exhausted once the pointer (1-based, within the option) exceeds its length.
      if (len >= 3 && o[i + 2] <= len) return true;
    }
    i += len;
  }
  return false;
}

void write_ipv6_header(uint8_t* p, uint8_t tc, uint16_t payload_len, uint8_t next, uint8_t hop, const Ipv6Addr& src,
                       const Ipv6Addr& dst) {
  // RFC 7915 §4.1: version 6, traffic class from TOS, flow label 0.
  store32(p, (uint32_t{6} << 28) | (uint32_t{tc} << 20));
  store16(p + 4, payload_len);
  p[6] = next;
  p[7] = hop;
  std::memcpy(p + 8, src.b.data(), 16);
  std::memcpy(p + 24, dst.b.data(), 16);
}

void write_fragment_header(uint8_t* p, uint8_t next, uint16_t offset_units, bool more, uint16_t ipv4_id) {
  p[0] = next;
  p[1] = 0;
  store16(p + 2, static_cast<uint16_t>((offset_units << 3) | (more ? 1 : 0)));
  // RFC 7915 §4.1: Identification low-order 16 bits from the IPv4 Identification, high-order bits zero.
  store32(p + 4, ipv4_id);
}

uint8_t traffic_class(const Config& cfg, uint8_t tos) { return cfg.reset_traffic_class ? 0 : tos; }

uint32_t addr_sum(const uint8_t* a, size_t n) { return checksum::partial({a, n}); }

// The one's-complement sum of the parts of the TCP/UDP pseudo-header and header that differ between
// the IPv4 packet and its translation: addresses and ports. (Protocol and length are the same in both,
// so they cancel out, which is also why the update works on a first fragment alone.)
uint32_t sum4(const uint8_t* src, const uint8_t* dst, uint16_t sport, uint16_t dport) {
  uint64_t s = uint64_t{addr_sum(src, 4)} + addr_sum(dst, 4) + sport + dport;
  return checksum::fold(static_cast<uint32_t>((s & 0xffffffffu) + (s >> 32)));
}
uint32_t sum6(const Ipv6Addr& src, const Ipv6Addr& dst, uint16_t sport, uint16_t dport) {
  uint64_t s = uint64_t{addr_sum(src.b.data(), 16)} + addr_sum(dst.b.data(), 16) + sport + dport;
  return checksum::fold(static_cast<uint32_t>((s & 0xffffffffu) + (s >> 32)));
}

void set_drop(Output& out, DropReason r) { out.drop(r); }
// For the steps that return whether to go on: always false.
bool dropped(Output& out, DropReason r) {
  out.drop(r);
  return false;
}

// RFC 7915 §4.4: the translator's own ICMPv4 error back to the source, or a plain drop when errors are
// disabled or RFC 1812 §4.3.2.7 forbids one (about an ICMP error, a non-first fragment, ...).
void reply_or_drop(std::span<const uint8_t> pkt, const Config& cfg, uint8_t type, uint8_t code, uint32_t rest,
                   DropReason why, Output& out) {
  set_drop(out, why);
  if (!cfg.send_icmp_errors) return;
  const size_t n = icmpv4::build_error(pkt, type, code, rest, cfg.self4, out.data);
  if (n == 0) return;
  icmpv4::restore_quoted_ttl(out.data.first(n), cfg.hop_change);
  out.count = 1;
  out.lens[0] = static_cast<uint16_t>(n);
  out.outcome = Outcome::Reply;
}

// RFC 7915 §4.4: a discarded packet for which neither RFC 7915 nor RFC 6146 names another answer
// gets Destination Unreachable, code 13 (communication administratively prohibited).
void refuse(std::span<const uint8_t> pkt, const Config& cfg, DropReason why, Output& out) {
  reply_or_drop(pkt, cfg, icmpv4::kDestUnreachable, icmpv4::kAdminProhibited, 0, why, out);
}

void map_status_drop(std::span<const uint8_t> pkt, const Config& cfg, MapStatus st, bool may_reply, Output& out) {
  switch (st) {
    case MapStatus::Ok:
      return;
    case MapStatus::SrcUntranslatable:
      // The source is on this side, so it can hear why (§4.4's default error).
      if (may_reply && cfg.answer_untranslatable_source) return refuse(pkt, cfg, DropReason::SrcUntranslatable, out);
      set_drop(out, DropReason::SrcUntranslatable);
      return;
    case MapStatus::DstUntranslatable:
      if (may_reply) {
        reply_or_drop(pkt, cfg, icmpv4::kDestUnreachable, icmpv4::kHostUnreachable, 0, DropReason::DstUntranslatable,
                      out);
      } else {
        set_drop(out, DropReason::DstUntranslatable);
      }
      return;
    case MapStatus::Prohibited:
      if (may_reply) {
        reply_or_drop(pkt, cfg, icmpv4::kDestUnreachable, icmpv4::kAdminProhibited, 0, DropReason::Prohibited, out);
      } else {
        set_drop(out, DropReason::Prohibited);
      }
      return;
  }
}

// ---------------------------------------------------------------------------------------------------
// §4.2: ICMPv4 type/code -> ICMPv6 type/code and the 32-bit word after the checksum.

struct IcmpMap {
  bool ok = false;
  uint8_t type = 0, code = 0;
  uint32_t rest = 0;
};

// RFC 1191 §7 plateau table, largest first.
constexpr uint16_t kPlateaus[] = {65535, 32000, 17914, 8166, 4352, 2002, 1492, 1006, 508, 296, 68};

// RFC 7915 §4.2, Fragmentation Needed: maximum(1280, minimum(MTU + 20, MTU of the IPv6 next hop,
// MTU of the IPv4 next hop + 20)); a zero MTU (a pre-RFC 1191 router) is replaced by the greatest
// plateau less than the quoted packet's Total Length that is at least 1280. "Taking into account
// whether or not the packet in error includes a Fragment Header": a quoted IPv4 fragment stands for
// an IPv6 packet that carried one, 8 bytes more than the 20 of the header difference.
uint32_t packet_too_big_mtu(uint16_t field, uint16_t inner_total, bool inner_fragment, const Config& cfg) {
  uint32_t mtu4 = field;
  if (mtu4 == 0) {
    for (uint16_t p : kPlateaus) {
      if (p < inner_total && p >= kIpv6MinMtu) {
        mtu4 = p;
        break;
      }
    }
    // No plateau qualifies: nothing better is known than the IPv6 minimum.
    if (mtu4 == 0) return kIpv6MinMtu;
  }
  const uint32_t grow = 20 + (inner_fragment ? kFragHdr : 0);
  uint32_t mtu = std::min({mtu4 + grow, uint32_t{cfg.mtu6}, uint32_t{cfg.mtu4} + grow});
  return std::max<uint32_t>(kIpv6MinMtu, mtu);
}

// RFC 7915 §4.2 Figure 3. Returns -1 for "n/a" and for values not listed.
int translate_pointer(uint8_t ptr4) {
  switch (ptr4) {
    case 0:
      return 0;  // Version/IHL -> Version/Traffic Class
    case 1:
      return 1;  // Type of Service -> Traffic Class/Flow Label
    case 2:
    case 3:
      return 4;  // Total Length -> Payload Length
    case 8:
      return 7;  // Time to Live -> Hop Limit
    case 9:
      return 6;  // Protocol -> Next Header
    case 12:
    case 13:
    case 14:
    case 15:
      return 8;  // Source Address
    case 16:
    case 17:
    case 18:
    case 19:
      return 24;  // Destination Address
    default:
      return -1;  // Identification, Flags/Offset, Header Checksum, options: n/a
  }
}

IcmpMap map_icmp_error(const uint8_t* icmp, uint16_t inner_total, bool inner_fragment, const Config& cfg) {
  IcmpMap m;
  const uint8_t type = icmp[0], code = icmp[1];
  switch (type) {
    case icmpv4::kDestUnreachable:
      m = {true, kIcmp6DestUnreachable, 0, 0};
      switch (code) {
        case 0:
        case 1:  // net, host unreachable -> no route to destination
        case 5:  // source route failed -> no route
        case 6:
        case 7:
        case 8:  // destination network/host unknown, source host isolated -> no route
        case 11:
        case 12:  // network/host unreachable for TOS -> no route
          m.code = 0;
          break;
        case 2:  // protocol unreachable -> Parameter Problem, unrecognized Next Header, pointer to it
          m = {true, kIcmp6ParameterProblem, 1, 6};
          break;
        case 3:  // port unreachable
          m.code = 4;
          break;
        case 4:  // fragmentation needed -> Packet Too Big
          m = {true, kIcmp6PacketTooBig, 0, packet_too_big_mtu(load16(icmp + 6), inner_total, inner_fragment, cfg)};
          break;
        case 9:
        case 10:  // network/host administratively prohibited
        case 13:  // communication administratively prohibited
        case 15:  // precedence cutoff in effect
          m.code = 1;
          break;
        default:  // 14 host precedence violation, and unknown codes: silently drop
          m.ok = false;
          break;
      }
      return m;
    case icmpv4::kTimeExceeded:
      // RFC 7915 §4.2: Type 3, Code unchanged.
      return {true, kIcmp6TimeExceeded, code, 0};
    case icmpv4::kParameterProblem: {
      // Codes 0 (pointer indicates the error) and 2 (bad length) -> code 0 with the pointer mapped;
      // code 1 (missing required option) and others: drop.
      if (code != 0 && code != 2) return m;
      const int ptr = translate_pointer(icmp[4]);
      if (ptr < 0) return m;
      return {true, kIcmp6ParameterProblem, 0, static_cast<uint32_t>(ptr)};
    }
    default:
      // Source Quench (obsoleted), Redirect (single hop), Alternative Host Address, unknown: drop.
      return m;
  }
}

bool is_icmpv4_error_type(uint8_t t) {
  return t == icmpv4::kDestUnreachable || t == icmpv4::kSourceQuench || t == icmpv4::kRedirect ||
         t == icmpv4::kTimeExceeded || t == icmpv4::kParameterProblem;
}

// The packet an ICMPv4 error quotes (§4.3), as far as it is present.
struct Quote4 {
  V4 ih;
  IcmpMap m;                    // the error's ICMPv6 type, code and rest of header
  const uint8_t* l4 = nullptr;  // its transport bytes
  size_t l4_avail = 0;
  bool has_l4 = false;  // the transport header is only in the first fragment
  Flow4 flow;
  uint8_t icmp6_type = 0;  // an inner echo's ICMPv6 type
  icmpext::Split split;    // RFC 4884: the original datagram field and the extension after it
  const uint8_t* ext = nullptr;
};

// RFC 4884 §4.1-§4.3: the ICMPv4 errors with a length attribute (in their sixth octet).
bool has_length_attribute(uint8_t type) {
  return type == icmpv4::kDestUnreachable || type == icmpv4::kTimeExceeded || type == icmpv4::kParameterProblem;
}

// §4.2 / §4.3: decides whether the error can be translated and reads its quote. false: `out` says why.
bool read_quote(const V4& h, const Config& cfg, Quote4& q, Output& out) {
  const uint8_t* icmp = h.p + h.ihl;
  const size_t icmp_len = h.total - h.ihl;  // caller checked >= 8
  const uint8_t* in4 = icmp + kIcmpHdr;
  // RFC 4884: only the original datagram field is quoted data; an extension structure may follow it
  // (xlat/icmp_extensions.hpp). §5: Time Exceeded and Destination Unreachable may carry one from a
  // pre-RFC 4884 router, at octet 128 without a length.
  const bool legacy = icmp[0] == icmpv4::kDestUnreachable || icmp[0] == icmpv4::kTimeExceeded;
  q.split = icmpext::split({in4, icmp_len - kIcmpHdr}, has_length_attribute(icmp[0]) ? icmp[5] : 0, 4, legacy);
  q.ext = in4 + q.split.quote_len;
  const size_t in_avail = q.split.quote_len;
  // The type/code rows of §4.2 that say "silently drop" are decided before the quote is looked at.
  if (!map_icmp_error(icmp, 0, false, cfg).ok) return dropped(out, DropReason::UntranslatableIcmp);

  // The quoted packet: enough to be an IPv4 header with all its options.
  if (in_avail < kIpv4Hdr || (in4[0] >> 4) != 4) return dropped(out, DropReason::InnerPacket);
  V4& ih = q.ih;
  parse_fields(in4, ih);
  if (ih.ihl < kIpv4Hdr || ih.ihl > in_avail || ih.total < ih.ihl) return dropped(out, DropReason::InnerPacket);

  q.m = map_icmp_error(icmp, static_cast<uint16_t>(ih.total), ih.fragment(), cfg);
  if (!q.m.ok) return dropped(out, DropReason::UntranslatableIcmp);

  q.l4 = in4 + ih.ihl;
  q.l4_avail = in_avail - ih.ihl;
  // Before an extension, the field may hold zero padding after the packet (RFC 4884 §4.6); it is not
  // part of the packet and is padded afresh after translation.
  if (q.split.ext_len != 0 && ih.total < in_avail) q.l4_avail = ih.total - ih.ihl;
  q.has_l4 = ih.offset == 0;
  q.flow = Flow4{addr4(ih.src()), addr4(ih.dst()), ih.proto, 0, 0};
  if (!q.has_l4) return true;
  if ((ih.proto == kProtoTcp || ih.proto == kProtoUdp) && q.l4_avail >= 4) {
    q.flow.sport = load16(q.l4);
    q.flow.dport = load16(q.l4 + 2);
  } else if (ih.proto == kProtoIcmp && q.l4_avail >= 1) {
    // No ICMP error about an ICMP error exists legitimately (RFC 1812 §4.3.2.7); and only echo has
    // an ICMPv6 counterpart among the queries.
    if (q.l4[0] == icmpv4::kEchoRequest)
      q.icmp6_type = kIcmp6EchoRequest;
    else if (q.l4[0] == icmpv4::kEchoReply)
      q.icmp6_type = kIcmp6EchoReply;
    else
      return dropped(out, DropReason::InnerPacket);
    if (q.l4_avail >= 6) q.flow.sport = q.flow.dport = load16(q.l4 + 4);
  }
  return true;
}

// §4.3: the quoted transport bytes (`len` of them copied to `l4`) get the inner packet's new ports
// or echo identifier, and their checksum updated incrementally for what changed.
void patch_quoted_transport(const Quote4& q, const Flow6& f6i, uint8_t* l4, size_t len) {
  const V4& ih = q.ih;
  if (ih.proto == kProtoTcp || ih.proto == kProtoUdp) {
    const size_t ck_at = ih.proto == kProtoTcp ? 16 : 6;
    if (len >= 4) {
      store16(l4, f6i.sport);
      store16(l4 + 2, f6i.dport);
    }
    if (len < ck_at + 2) return;
    const uint16_t old_ck = load16(q.l4 + ck_at);
    // A zero UDP checksum means "none" (RFC 768); the quote keeps it as it was.
    if (ih.proto == kProtoUdp && old_ck == 0) return;
    uint16_t ck = checksum::update(old_ck, sum4(ih.src(), ih.dst(), q.flow.sport, q.flow.dport),
                                   sum6(f6i.src, f6i.dst, f6i.sport, f6i.dport));
    if (ih.proto == kProtoUdp && ck == 0) ck = 0xffff;
    store16(l4 + ck_at, ck);
  } else if (ih.proto == kProtoIcmp) {
    l4[0] = q.icmp6_type;
    if (len >= 6) store16(l4 + 4, f6i.sport);
    if (len >= 4) {
      // The ICMPv6 checksum covers a pseudo-header ICMPv4 lacks (RFC 4443 §2.3); the quoted message
      // is incomplete, so the update is incremental over the words that changed.
      const uint32_t old_sum = (uint32_t{q.l4[0]} << 8 | q.l4[1]) + (len >= 6 ? q.flow.sport : 0);
      const uint32_t new_sum = (uint32_t{q.icmp6_type} << 8 | q.l4[1]) + (len >= 6 ? f6i.sport : 0) +
                               checksum::pseudo_header6(f6i.src.b.data(), f6i.dst.b.data(), kProtoIcmpv6,
                                                        static_cast<uint32_t>(ih.total - ih.ihl));
      store16(l4 + 2, checksum::update(load16(q.l4 + 2), old_sum, new_sum));
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// §4.3: an ICMPv4 error. Outer and inner headers are translated; the result is cut to 1280 bytes.

void translate_icmp_error(std::span<const uint8_t> pkt, const V4& h, const Config& cfg, Mapper& mapper, Output& out) {
  Quote4 q;
  if (!read_quote(h, cfg, q, out)) return;
  const V4& ih = q.ih;

  Flow4 f4o{addr4(h.src()), addr4(h.dst()), kProtoIcmp, 0, 0};
  Flow6 f6o, f6i;
  MapStatus st = mapper.map_4to6(f4o, Part::OuterOfIcmpError, f6o);
  if (st != MapStatus::Ok) return map_status_drop(pkt, cfg, st, /*may_reply=*/false, out);
  st = mapper.map_4to6(q.flow, Part::Inner, f6i);
  if (st != MapStatus::Ok) return set_drop(out, DropReason::InnerPacket);

  // Layout: IPv6 | ICMPv6 header | inner IPv6 | [inner Fragment header] | inner transport bytes |
  // [zero padding | RFC 4884 extension structure].
  const size_t inner_hdr = kIpv6Hdr + (ih.fragment() ? kFragHdr : 0);
  // RFC 7915 §4.3 (and RFC 4443 §2.4 c): the ICMPv6 error must fit in the minimum IPv6 MTU. Only
  // Destination Unreachable and Time Exceeded have a length attribute (RFC 4884 §4.4-§4.5).
  const bool extensible = q.m.type == kIcmp6DestUnreachable || q.m.type == kIcmp6TimeExceeded;
  const icmpext::Plan plan = icmpext::plan(q.split, kIpv6Hdr + kIcmpHdr, kIpv6MinMtu, 8, extensible);
  const size_t l4_copy = std::min(q.l4_avail, plan.quote_room - inner_hdr);
  const size_t quote = inner_hdr + l4_copy;
  const size_t field = plan.keep_ext ? icmpext::padded(quote, 8) : quote;
  const size_t total = kIpv6Hdr + kIcmpHdr + field + (plan.keep_ext ? q.split.ext_len : 0);
  if (out.data.size() < total) return set_drop(out, DropReason::NoSpace);

  uint8_t* o = out.data.data();
  const size_t icmp6_len = total - kIpv6Hdr;
  // Outer hop limit: the error is being forwarded, so TTL - 1 (the caller checked TTL > 1).
  write_ipv6_header(o, traffic_class(cfg, h.tos), static_cast<uint16_t>(icmp6_len), kProtoIcmpv6,
                    outgoing_hop(h.ttl, cfg.hop_change), f6o.src, f6o.dst);
  uint8_t* ic6 = o + kIpv6Hdr;
  ic6[0] = q.m.type;
  ic6[1] = q.m.code;
  store16(ic6 + 2, 0);
  store32(ic6 + 4, q.m.rest);

  // Inner header: translated like any packet, except that its TTL is not decremented (§4.3), and its
  // Payload Length describes the original packet, not the truncated quote.
  uint8_t* i6 = ic6 + kIcmpHdr;
  const size_t inner_payload = ih.total - ih.ihl + (ih.fragment() ? kFragHdr : 0);
  const uint8_t inner_next = next_header_for(ih.proto);
  write_ipv6_header(i6, traffic_class(cfg, ih.tos), static_cast<uint16_t>(std::min<size_t>(inner_payload, 0xffff)),
                    ih.fragment() ? kProtoFragment : inner_next, ih.ttl, f6i.src, f6i.dst);
  if (ih.fragment()) write_fragment_header(i6 + kIpv6Hdr, inner_next, ih.offset, ih.mf, ih.id);
  uint8_t* l4 = i6 + inner_hdr;
  std::memcpy(l4, q.l4, l4_copy);
  if (q.has_l4) patch_quoted_transport(q, f6i, l4, l4_copy);
  if (plan.keep_ext) {
    std::memset(i6 + quote, 0, field - quote);
    std::memcpy(i6 + field, q.ext, q.split.ext_len);
    ic6[4] = static_cast<uint8_t>(field / 8);  // RFC 4884 §4.4/§4.5: the fifth octet, 64-bit words
  }

  const uint32_t sum =
      checksum::pseudo_header6(f6o.src.b.data(), f6o.dst.b.data(), kProtoIcmpv6, static_cast<uint32_t>(icmp6_len));
  store16(ic6 + 2, checksum::finish(checksum::partial({ic6, icmp6_len}, sum)));

  out.count = 1;
  out.lens[0] = static_cast<uint16_t>(total);
  out.outcome = Outcome::Forward;
}

// ---------------------------------------------------------------------------------------------------
// Everything else: one template header, the payload copied once, the changed transport bytes patched.

struct L4Patch {
  uint8_t bytes[kTcpHdr]{};
  size_t len = 0;  // how many leading transport bytes of the first output packet are replaced
};

void emit(const V4& h, const Config& cfg, const Flow6& f6, const L4Patch& patch, bool fragment_header,
          size_t max_packet, Output& out) {
  const uint8_t* payload = h.p + h.ihl;
  const size_t plen = h.total - h.ihl;
  const uint8_t next = next_header_for(h.proto);
  const uint8_t tc = traffic_class(cfg, h.tos);
  const uint8_t hop = outgoing_hop(h.ttl, cfg.hop_change);

  if (!fragment_header) {
    const size_t total = kIpv6Hdr + plen;
    if (out.data.size() < total) return set_drop(out, DropReason::NoSpace);
    uint8_t* o = out.data.data();
    write_ipv6_header(o, tc, static_cast<uint16_t>(plen), next, hop, f6.src, f6.dst);
    if (out.payload_in_place && patch.len > 0 && (h.proto == kProtoTcp || h.proto == kProtoUdp)) {
      // Only the patched transport header is written; the payload stays in the input.
      std::memcpy(o + kIpv6Hdr, patch.bytes, patch.len);
      out.tail_from = static_cast<uint32_t>(h.ihl + patch.len);
      out.tail_len = static_cast<uint16_t>(plen - patch.len);
    } else {
      std::memcpy(o + kIpv6Hdr, payload, plen);
      std::memcpy(o + kIpv6Hdr, patch.bytes, patch.len);
    }
    out.count = 1;
    out.lens[0] = static_cast<uint16_t>(total);
    out.outcome = Outcome::Forward;
    return;
  }

  // RFC 7915 §4.1 with a Fragment header: every fragment but the last carries a multiple of 8 bytes.
  const size_t chunk = ((max_packet - kIpv6Hdr - kFragHdr) / 8) * 8;
  const size_t n = plen == 0 ? 1 : (plen + chunk - 1) / chunk;
  if (n > Output::kMaxPackets) return set_drop(out, DropReason::NoSpace);
  if (out.data.size() < n * (kIpv6Hdr + kFragHdr) + plen) return set_drop(out, DropReason::NoSpace);

  uint8_t tmpl[kIpv6Hdr];
  write_ipv6_header(tmpl, tc, 0, kProtoFragment, hop, f6.src, f6.dst);
  uint8_t* o = out.data.data();
  size_t done = 0;
  for (size_t i = 0; i < n; ++i) {
    const size_t len = std::min(chunk, plen - done);
    const bool last = i + 1 == n;
    std::memcpy(o, tmpl, kIpv6Hdr);
    store16(o + 4, static_cast<uint16_t>(kFragHdr + len));
    // The last piece keeps the original MF: a fragment of a fragment may still have more after it.
    write_fragment_header(o + kIpv6Hdr, next, static_cast<uint16_t>(h.offset + done / 8), last ? h.mf : true, h.id);
    std::memcpy(o + kIpv6Hdr + kFragHdr, payload + done, len);
    if (i == 0) std::memcpy(o + kIpv6Hdr + kFragHdr, patch.bytes, std::min(patch.len, len));
    out.lens[i] = static_cast<uint16_t>(kIpv6Hdr + kFragHdr + len);
    o += out.lens[i];
    done += len;
  }
  out.count = static_cast<uint8_t>(n);
  out.outcome = Outcome::Forward;
}

// §4.1 and RFC 1812 §5.2.2: the checks a router makes before forwarding. true with `h` parsed and
// `pkt` the packet without link-layer padding; false: `out` holds the drop (or the error to send back).
bool check_header(std::span<const uint8_t> in, const Config& cfg, V4& h, std::span<const uint8_t>& pkt, Output& out) {
  if (in.size() < kIpv4Hdr || (in[0] >> 4) != 4) return dropped(out, DropReason::Malformed);
  parse_fields(in.data(), h);
  if (h.ihl < kIpv4Hdr || h.ihl > in.size() || h.total < h.ihl || h.total > in.size())
    return dropped(out, DropReason::Malformed);
  if (checksum::fold(checksum::partial(in.first(h.ihl))) != 0xffff) return dropped(out, DropReason::BadChecksum);
  // Link-layer padding beyond Total Length is not part of the packet.
  pkt = in.first(h.total);

  if (is_multicast_or_broadcast(h.dst())) return dropped(out, DropReason::Multicast);

  // §4.1 Hop Limit: the translator is a router; TTL must survive the decrement.
  if (hop_expires(h.ttl, cfg.hop_change)) {
    reply_or_drop(pkt, cfg, icmpv4::kTimeExceeded, 0, 0, DropReason::TtlExpired, out);
    return false;
  }

  // §4.1 IPv4 options: ignored, but an unexpired source route cannot be honoured.
  if (h.ihl > kIpv4Hdr) {
    bool bad = false;
    if (has_unexpired_source_route(h, bad)) {
      reply_or_drop(pkt, cfg, icmpv4::kDestUnreachable, icmpv4::kSourceRouteFailed, 0, DropReason::SourceRouted, out);
      return false;
    }
    if (bad) return dropped(out, DropReason::Malformed);
  }

  // RFC 791: a fragment may not reach past the largest datagram; the IPv6 offset field has the same limit.
  if (size_t{h.offset} * 8 + (h.total - h.ihl) > 0xffff) return dropped(out, DropReason::Malformed);
  return true;
}

// §4.2 (ICMP) and §4.5 (TCP, UDP, others): reads the transport header's ports or echo identifier into
// `f4`, and whether the packet is an ICMP error (§4.3). false: `out` says why it is dropped.
bool read_transport(const V4& h, const Config& cfg, Flow4& f4, bool& icmp_error, Output& out) {
  const uint8_t* l4 = h.p + h.ihl;
  const size_t l4_len = h.total - h.ihl;
  const bool first = h.offset == 0;  // holds the transport header
  switch (h.proto) {
    case kProtoIgmp:
      // §4.2: IGMP messages are single-hop (or multicast routing): silently drop.
      return dropped(out, DropReason::UnsupportedProtocol);
    case kProtoIcmp: {
      // §4.2: the ICMPv6 checksum covers the whole message and a pseudo-header; a fragment holds
      // only part of it.
      // §4.4 answers it (unless it is an ICMPv4 error, or not the first fragment: RFC 1812 §4.3.2.7).
      if (h.fragment()) {
        refuse({h.p, h.total}, cfg, DropReason::FragmentedIcmp, out);
        return false;
      }
      if (l4_len < kIcmpHdr) return dropped(out, DropReason::Malformed);
      // The ICMPv6 checksum is computed afresh, so a damaged ICMPv4 message must be caught here.
      if (checksum::fold(checksum::partial({l4, l4_len})) != 0xffff) return dropped(out, DropReason::BadChecksum);
      const uint8_t type = l4[0];
      if (type == icmpv4::kEchoRequest || type == icmpv4::kEchoReply) {
        f4.sport = f4.dport = load16(l4 + 4);
      } else if (is_icmpv4_error_type(type)) {
        icmp_error = true;
      } else {
        // Information, Timestamp, Address Mask, Router Advertisement/Solicitation, unknown: drop.
        return dropped(out, DropReason::UntranslatableIcmp);
      }
      return true;
    }
    case kProtoTcp:
    case kProtoUdp:
      if (!first) return true;
      if (l4_len < (h.proto == kProtoTcp ? kTcpHdr : kUdpHdr)) return dropped(out, DropReason::Malformed);
      f4.sport = load16(l4);
      f4.dport = load16(l4 + 2);
      // §4.5: a zero UDP checksum can only be computed over the whole datagram. Dropped (by policy,
      // or as a fragment) it is answered with §4.4's error.
      if (h.proto == kProtoUdp && load16(l4 + 6) == 0 && (!cfg.compute_udp_zero_checksum || h.fragment())) {
        refuse({h.p, h.total}, cfg, DropReason::UdpZeroChecksum, out);
        return false;
      }
      return true;
    default:
      // §4.5: other protocols are forwarded with Next Header = Protocol.
      return true;
  }
}

// §4 and §4.1: whether the translation needs a Fragment header, and the largest packet it may make.
// Decided before any state is created by the mapper. false: a DF=1 packet too big for the next hop
// (`out` holds the Fragmentation Needed or the drop).
// A super-packet (xlat/offload.hpp) is not checked: its segments, not it, reach the wire, and
// offload::classify() found each to fit; it never gets a Fragment header or Fragmentation Needed.
bool plan_fragments(std::span<const uint8_t> pkt, const V4& h, const Config& cfg, bool& frag_hdr, size_t& max_packet,
                    Output& out) {
  const size_t l4_len = h.total - h.ihl;
  const uint16_t mtu6 = std::max(cfg.mtu6, kIpv6MinMtu);
  const size_t frag_limit = std::max(std::min(cfg.lowest_ipv6_mtu, mtu6), kIpv6MinMtu);
  frag_hdr = false;
  max_packet = mtu6;
  if (h.fragment()) {
    // §4.1: a fragment keeps being one; re-split if its translation no longer fits.
    frag_hdr = true;
    max_packet = frag_limit;
  } else if (!out.super_packet && kIpv6Hdr + l4_len > (h.df ? size_t{mtu6} : frag_limit)) {
    if (h.df) {
      // RFC 1191: Fragmentation Needed carries the next-hop MTU in the low 16 bits, expressed for IPv4.
      reply_or_drop(pkt, cfg, icmpv4::kDestUnreachable, icmpv4::kFragmentationNeeded, static_cast<uint32_t>(mtu6 - 20),
                    DropReason::TooBig, out);
      return false;
    }
    // §4 / RFC 8021: only a packet that really needs splitting gets a Fragment header.
    frag_hdr = true;
    max_packet = frag_limit;
  }
  return true;
}

// §4.5: a TCP or UDP header with the new ports and its checksum updated for the new pseudo-header.
void patch_tcp_udp(const V4& h, const Flow4& f4, const Flow6& f6, L4Patch& patch) {
  const uint8_t* l4 = h.p + h.ihl;
  const size_t l4_len = h.total - h.ihl;
  const size_t hdr = h.proto == kProtoTcp ? kTcpHdr : kUdpHdr;
  const size_t ck_at = h.proto == kProtoTcp ? 16 : 6;
  std::memcpy(patch.bytes, l4, hdr);
  patch.len = hdr;
  store16(patch.bytes, f6.sport);
  store16(patch.bytes + 2, f6.dport);
  const uint16_t old_ck = load16(l4 + ck_at);
  uint16_t ck;
  if (h.proto == kProtoUdp && old_ck == 0) {
    // §4.5 option 2: compute the checksum IPv6 requires (RFC 8200 §8.1), whole datagram.
    store16(patch.bytes + 6, 0);
    uint32_t s = checksum::pseudo_header6(f6.src.b.data(), f6.dst.b.data(), kProtoUdp, static_cast<uint32_t>(l4_len));
    s = checksum::partial({patch.bytes, kUdpHdr}, s);
    s = checksum::partial({l4 + kUdpHdr, l4_len - kUdpHdr}, s);
    ck = checksum::finish(s);
  } else {
    // RFC 1624: only the changed words are summed, never the payload.
    ck = checksum::update(old_ck, sum4(h.src(), h.dst(), f4.sport, f4.dport), sum6(f6.src, f6.dst, f6.sport, f6.dport));
  }
  // RFC 768 / RFC 8200 §8.1: a computed UDP checksum of zero is sent as all ones.
  if (h.proto == kProtoUdp && ck == 0) ck = 0xffff;
  store16(patch.bytes + ck_at, ck);
}

// §4.2 Echo Request/Reply (Type 8/0) -> Type 128/129, checksum including the pseudo-header.
void patch_echo(const V4& h, const Flow6& f6, L4Patch& patch) {
  const uint8_t* l4 = h.p + h.ihl;
  const size_t l4_len = h.total - h.ihl;
  std::memcpy(patch.bytes, l4, kIcmpHdr);
  patch.len = kIcmpHdr;
  patch.bytes[0] = l4[0] == icmpv4::kEchoRequest ? kIcmp6EchoRequest : kIcmp6EchoReply;
  store16(patch.bytes + 2, 0);
  store16(patch.bytes + 4, f6.sport);
  uint32_t s = checksum::pseudo_header6(f6.src.b.data(), f6.dst.b.data(), kProtoIcmpv6, static_cast<uint32_t>(l4_len));
  s = checksum::partial({patch.bytes, kIcmpHdr}, s);
  s = checksum::partial({l4 + kIcmpHdr, l4_len - kIcmpHdr}, s);
  store16(patch.bytes + 2, checksum::finish(s));
}

}  // namespace

void ipv4_to_ipv6(std::span<const uint8_t> in, const Config& cfg, Mapper& mapper, Output& out) {
  set_drop(out, DropReason::Malformed);
  out.tail_from = 0;
  out.tail_len = 0;

  V4 h;
  std::span<const uint8_t> pkt;
  if (!check_header(in, cfg, h, pkt, out)) return;
  Flow4 f4{addr4(h.src()), addr4(h.dst()), h.proto, 0, 0};
  bool icmp_error = false;
  if (!read_transport(h, cfg, f4, icmp_error, out)) return;
  if (icmp_error) return translate_icmp_error(pkt, h, cfg, mapper, out);

  bool frag_hdr = false;
  size_t max_packet = 0;
  if (!plan_fragments(pkt, h, cfg, frag_hdr, max_packet, out)) return;

  Flow6 f6;
  const MapStatus st = mapper.map_4to6(f4, Part::Outer, f6);
  if (st != MapStatus::Ok) return map_status_drop(pkt, cfg, st, /*may_reply=*/true, out);

  // §4.5 / §4.2: the transport bytes that change, patched into the first output packet.
  L4Patch patch;
  if (h.offset == 0) {
    if (h.proto == kProtoTcp || h.proto == kProtoUdp) patch_tcp_udp(h, f4, f6, patch);
    if (h.proto == kProtoIcmp) patch_echo(h, f6, patch);
  }
  emit(h, cfg, f6, patch, frag_hdr, max_packet, out);
}

}  // namespace sixfour::xlat
