#include "xlat/icmpv6_errors.hpp"

#include <algorithm>
#include <cstring>

#include "common/bytes.hpp"
#include "common/checksum.hpp"
#include "xlat/config.hpp"

namespace sixfour::xlat {

namespace {

constexpr uint8_t kHopByHop = 0;
constexpr uint8_t kRouting = 43;
constexpr uint8_t kFragment = 44;
constexpr uint8_t kDestOpts = 60;
constexpr uint8_t kIcmpv6 = 58;

// RFC 7915 §5.1.1 drops a fragment whose Fragment header is followed by an extension header other
// than ESP (AH included). The list is the IANA "IPv6 Extension Header Types" registry minus ESP.
bool is_extension_header(uint8_t nh) {
  switch (nh) {
    case 0:
    case 43:
    case 44:
    case 51:
    case 60:
    case 135:
    case 139:
    case 140:
    case 253:
    case 254:
      return true;
    default:
      return false;
  }
}

}  // namespace

ChainStatus walk_ipv6_chain(std::span<const uint8_t> pkt, Ipv6Chain& chain) {
  chain = Ipv6Chain{};
  const size_t len = pkt.size();
  if (len < 40) return ChainStatus::Truncated;
  const uint8_t* p = pkt.data();
  uint8_t nh = p[6];
  size_t off = 40;
  for (;;) {
    if (nh == kHopByHop || nh == kRouting || nh == kDestOpts) {
      // RFC 8200 §4.3: Hop-by-Hop Options may only follow the IPv6 header itself.
      if (nh == kHopByHop && off != 40) return ChainStatus::Malformed;
      if (off + 8 > len) return ChainStatus::Truncated;
      const size_t hlen =
          (size_t{p[off + 1]} + 1) * 8;  // RFC 8200 §4.3-4.6: Hdr Ext Len in 8-octet units, not counting the first 8
      if (off + hlen > len) return ChainStatus::Truncated;
      // RFC 8200 §4.4: Segments Left is the 4th octet of every Routing header type.
      if (nh == kRouting && p[off + 3] != 0 && !chain.routing_pending) {
        chain.routing_pending = true;
        chain.segments_left_off = off + 3;
      }
      chain.next_header_off = off;
      nh = p[off];
      off += hlen;
      continue;
    }
    if (nh == kFragment) {
      if (chain.has_frag) return ChainStatus::Malformed;
      if (off + 8 > len) return ChainStatus::Truncated;
      chain.has_frag = true;
      const uint16_t offm = load16(p + off + 2);
      chain.frag_offset = static_cast<uint16_t>(offm >> 3);
      chain.frag_more = (offm & 1) != 0;
      chain.frag_id = load32(p + off + 4);
      chain.next_header_off = off;
      nh = p[off];
      off += 8;
      if (is_extension_header(nh)) {
        chain.proto = nh;
        chain.l4_off = off;
        return ChainStatus::ExtAfterFragment;
      }
      // RFC 8200 §4.5: a non-first fragment carries no headers after the Fragment header.
      if (chain.frag_offset != 0) break;
      continue;
    }
    break;
  }
  chain.proto = nh;
  chain.l4_off = off;
  return ChainStatus::Ok;
}

size_t build_icmpv6_error(std::span<const uint8_t> orig, uint8_t type, uint8_t code, uint32_t param,
                          const Ipv6Addr& self6, std::span<uint8_t> out) {
  if (orig.size() < 40) return 0;
  const uint8_t* src = orig.data() + 8;
  // RFC 4443 §2.4 (e.3)/(e.5): never to a multicast source or the unspecified address.
  if (src[0] == 0xff) return 0;
  if (std::all_of(src, src + 16, [](uint8_t b) { return b == 0; })) return 0;

  Ipv6Chain chain;
  const ChainStatus st = walk_ipv6_chain(orig, chain);
  if (st == ChainStatus::Ok || st == ChainStatus::ExtAfterFragment) {
    // RFC 4443 §2.4 (e.1): never about an ICMPv6 error. RFC 7915 §5.4 repeats it for translators.
    if (chain.proto == kIcmpv6 && chain.first_fragment() && chain.l4_off < orig.size() && orig[chain.l4_off] < 128)
      return 0;
  }
  // A non-first fragment's sender cannot match the error to anything it sent (and RFC 4443 §2.4
  // (e) lets us stay silent); RFC 1812 §4.3.2.7 has the same rule for IPv4 routers.
  if (chain.has_frag && chain.frag_offset != 0) return 0;

  // RFC 4443 §2.4 (c): as much of the invoking packet as fits without the error exceeding the
  // minimum IPv6 MTU (1280 bytes).
  const size_t quoted = std::min(orig.size(), size_t{1280 - 48});
  const size_t total = 48 + quoted;
  if (out.size() < total) return 0;
  uint8_t* o = out.data();

  store32(o, 0x60000000u);  // version 6, traffic class 0, flow label 0
  store16(o + 4, static_cast<uint16_t>(8 + quoted));
  o[6] = kIcmpv6;
  o[7] = 64;  // RFC 7915 §5.4 leaves it to the node's default; 64 as for any locally originated packet
  std::memcpy(o + 8, self6.b.data(), 16);
  std::memcpy(o + 24, src, 16);

  uint8_t* icmp = o + 40;
  icmp[0] = type;
  icmp[1] = code;
  store16(icmp + 2, 0);
  store32(icmp + 4, param);
  std::memcpy(icmp + 8, orig.data(), quoted);

  // RFC 4443 §2.3: the checksum covers the RFC 8200 §8.1 pseudo-header.
  uint32_t sum = checksum::pseudo_header6(o + 8, o + 24, kIcmpv6, static_cast<uint32_t>(8 + quoted));
  sum = checksum::partial({icmp, 8 + quoted}, sum);
  store16(icmp + 2, checksum::finish(sum));
  return total;
}

void restore_quoted_hop_limit(std::span<uint8_t> e, int8_t change) {
  if (change <= 0 || e.size() < 48 + 40) return;
  uint8_t* q = e.data() + 48;
  if ((q[0] >> 4) != 6 || q[7] == 255) return;
  const uint16_t old_word = load16(q + 6);
  q[7] = outgoing_hop(q[7], change);
  store16(e.data() + 42, checksum::update(load16(e.data() + 42), old_word, load16(q + 6)));
}

}  // namespace sixfour::xlat
