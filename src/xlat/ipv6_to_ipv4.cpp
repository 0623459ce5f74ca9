// RFC 7915 §5: IPv6 -> IPv4.
//
// Shape of the hot path: the IPv6 header and its extension headers are read once, the IPv4 header is
// written once at the start of out.data, the upper-layer bytes are copied once right behind it, and
// the few upper-layer fields that change (ports, ICMP type, checksum) are patched in the copy. The
// upper-layer payload is never summed (RFC 1624 incremental checksum updates), except for ICMPv6
// errors, whose ICMPv4 translation is at most 576 bytes and is summed afresh.
#include "xlat/ipv6_to_ipv4.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>

#include "common/bytes.hpp"
#include "common/checksum.hpp"
#include "xlat/icmp_extensions.hpp"
#include "xlat/icmpv6_errors.hpp"

namespace sixfour::xlat {

namespace {

constexpr uint8_t kIcmp4 = 1;
constexpr uint8_t kTcp = 6;
constexpr uint8_t kUdp = 17;
constexpr uint8_t kIcmp6 = 58;

constexpr uint16_t kDf = 0x4000;
constexpr uint16_t kMf = 0x2000;

// RFC 7915 §5.1: a translated packet of at most 1260 bytes leaves with DF=0 (it may be fragmented
// by IPv4 routers; an IPv6 sender never sends less than 1280 bytes, i.e. 1260 once translated).
constexpr size_t kDfThreshold = 1260;
// RFC 7915 §5.3 / RFC 1812 §4.3.2.3: a translated ICMPv4 error is at most 576 bytes.
constexpr size_t kMaxIcmp4Error = 576;

// RFC 7915 §5.1: "Identification: Set according to a Fragment Identification generator at the
// translator." DF=0 packets need an ID not reused for the same (src, dst, protocol) while fragments
// may be alive (RFC 6864 §4.1), and IDs should not be predictable (RFC 7739). A global counter run
// through a keyed bijection of 16 bits gives 65536 distinct consecutive IDs without per-flow state.
uint16_t keyed_bijection16(uint32_t x, uint32_t key) {
  x = (x ^ key) & 0xffffu;
  x = (x * 0x9e37u + (key >> 16)) & 0xffffu;  // multiplying by an odd constant is bijective mod 2^16
  x ^= x >> 7;
  x = (x * 0x6b4du) & 0xffffu;
  x ^= x >> 9;
  return static_cast<uint16_t>(x);
}

uint32_t ident_key() {
  static const uint32_t key = [] {
    uint64_t t = static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
    t ^= reinterpret_cast<uintptr_t>(&t);  // ASLR adds entropy
    t *= 0x9e3779b97f4a7c15ull;
    return static_cast<uint32_t>(t >> 32);
  }();
  return key;
}

uint16_t next_ident() {
  static std::atomic<uint32_t> counter{0};
  return keyed_bijection16(counter.fetch_add(1, std::memory_order_relaxed), ident_key());
}

void drop(Output& out, DropReason r) { out.drop(r); }
// For the steps that return whether to go on: always false.
bool dropped(Output& out, DropReason r) {
  out.drop(r);
  return false;
}

// RFC 7915 §5.4: the translator answers a packet it discards with an ICMPv6 error, unless told not to
// (or RFC 4443 §2.4 (e) forbids one, in which case the packet is just dropped).
void reply(std::span<const uint8_t> pkt, const Config& cfg, Output& out, uint8_t type, uint8_t code, uint32_t param,
           DropReason why) {
  drop(out, why);
  if (!cfg.send_icmp_errors) return;
  const size_t n = build_icmpv6_error(pkt, type, code, param, cfg.self6, out.data);
  if (n == 0) return;
  restore_quoted_hop_limit(out.data.first(n), cfg.hop_change);
  out.count = 1;
  out.lens[0] = static_cast<uint16_t>(n);
  out.outcome = Outcome::Reply;
}

// RFC 7915 §5.4: a discarded packet for which neither RFC 7915 nor RFC 6146 names another answer
// gets Destination Unreachable, code 1 (communication with destination administratively
// prohibited), "unless the discarded packet is itself an ICMPv6 message": then it is just dropped.
void refuse(std::span<const uint8_t> pkt, const Ipv6Chain& c, const Config& cfg, Output& out, DropReason why) {
  if (c.proto == kIcmp6) return drop(out, why);
  reply(pkt, cfg, out, icmp6::kDestUnreach, 1, 0, why);
}

uint8_t traffic_class(const uint8_t* ip6) { return static_cast<uint8_t>(((ip6[0] & 0x0f) << 4) | (ip6[1] >> 4)); }

// RFC 7915 §5.1 TOS: copied from the Traffic Class, or the configured value.
uint8_t tos_for(const uint8_t* ip6, const Config& cfg) { return cfg.reset_tos ? cfg.new_tos : traffic_class(ip6); }

void write_ipv4_header(uint8_t* h, uint8_t tos, uint16_t total_len, uint16_t id, uint16_t flags_off, uint8_t ttl,
                       uint8_t proto, const Flow4& f) {
  h[0] = 0x45;  // RFC 7915 §5.1: version 4, IHL 5 (no IPv4 options are generated)
  h[1] = tos;
  store16(h + 2, total_len);
  store16(h + 4, id);
  store16(h + 6, flags_off);
  h[8] = ttl;
  h[9] = proto;
  store16(h + 10, 0);
  std::memcpy(h + 12, f.src.b.data(), 4);
  std::memcpy(h + 16, f.dst.b.data(), 4);
  store16(h + 10, checksum::finish(checksum::partial({h, 20})));
}

// Sums of the address part of the pseudo-headers. The length and protocol parts are equal in both
// families (the upper-layer length is the same, and TCP/UDP keep their numbers), so for an
// RFC 1624 update only the addresses (and any changed ports) need to be swapped out.
uint32_t addr_sum6(const uint8_t* ip6) { return checksum::partial({ip6 + 8, 32}); }
uint32_t addr_sum4(const Flow4& f) {
  return checksum::partial({f.dst.b.data(), 4}, checksum::partial({f.src.b.data(), 4}));
}

// RFC 7915 §5.5 / RFC 1624: fixes a TCP or UDP header in place for the address change and the
// mapper's port change. `avail` bytes of the header are present (a quoted packet may be cut short).
void fix_transport(uint8_t* l4, size_t avail, uint8_t proto, const uint8_t* ip6, const Flow6& f6, const Flow4& f4) {
  const size_t ck_off = proto == kTcp ? 16 : 6;
  if (avail >= 4) {
    store16(l4, f4.sport);
    store16(l4 + 2, f4.dport);
  }
  if (avail < ck_off + 2) return;
  const uint16_t old_ck = load16(l4 + ck_off);
  // RFC 768: a zero UDP checksum means "none"; only a quoted datagram can get here with one.
  if (proto == kUdp && old_ck == 0) return;
  const uint32_t old_sum = addr_sum6(ip6) + f6.sport + f6.dport;
  const uint32_t new_sum = addr_sum4(f4) + f4.sport + f4.dport;
  uint16_t ck = checksum::update(old_ck, old_sum, new_sum);
  if (proto == kUdp && ck == 0) ck = 0xffff;  // RFC 768: a computed zero is sent as all ones
  store16(l4 + ck_off, ck);
}

// RFC 7915 §5.2 echo: type 128/129 -> 8/0, the identifier possibly changed by the mapper, and the
// checksum adjusted for both and for the ICMPv6 pseudo-header that ICMPv4 does not have.
void fix_echo(uint8_t* icmp, size_t avail, uint32_t icmp_len, const uint8_t* ip6, uint16_t old_id, uint16_t new_id) {
  const uint8_t old_type = icmp[0];
  const uint8_t new_type = old_type == icmp6::kEchoRequest ? 8 : 0;
  icmp[0] = new_type;
  if (avail >= 6) store16(icmp + 4, new_id);
  if (avail < 4) return;
  const uint32_t old_sum =
      checksum::pseudo_header6(ip6 + 8, ip6 + 24, kIcmp6, icmp_len) + (uint32_t{old_type} << 8) + icmp[1] + old_id;
  const uint32_t new_sum = (uint32_t{new_type} << 8) + icmp[1] + new_id;
  store16(icmp + 2, checksum::update(load16(icmp + 2), old_sum, new_sum));
}

MapStatus map_flow(Mapper& mapper, const uint8_t* ip6, uint8_t proto, uint16_t sport, uint16_t dport, Part part,
                   Flow6& f6, Flow4& f4) {
  std::memcpy(f6.src.b.data(), ip6 + 8, 16);
  std::memcpy(f6.dst.b.data(), ip6 + 24, 16);
  f6.proto = proto;
  f6.sport = sport;
  f6.dport = dport;
  f4 = Flow4{};
  f4.sport = sport;
  f4.dport = dport;
  const MapStatus st = mapper.map_6to4(f6, part, f4);
  f4.proto = proto == kIcmp6 ? kIcmp4 : proto;
  return st;
}

// RFC 7915 §5.3: translates the IPv6 packet quoted in an ICMPv6 error, as far as it was quoted, into
// `dst` (at most `cap` bytes). Like the outer header, except: addresses via Part::Inner, Hop Limit
// copied without decrement, and an embedded ICMP error is not translated (the whole error is
// dropped). Returns the bytes written, 0 if the quoted packet cannot be translated.
size_t translate_inner(std::span<const uint8_t> q, const Config& cfg, Mapper& mapper, uint8_t* dst, size_t cap,
                       bool& had_frag) {
  if (q.size() < 40 || (q[0] >> 4) != 6 || cap < 20) return 0;
  const uint8_t* ip6 = q.data();
  const uint32_t plen = load16(ip6 + 4);
  if (plen == 0) return 0;
  // The quote is usually cut short; it is never longer than the packet it quotes.
  if (q.size() > 40 + size_t{plen}) q = q.first(40 + size_t{plen});
  Ipv6Chain c;
  if (walk_ipv6_chain(q, c) != ChainStatus::Ok) return 0;
  had_frag = c.has_frag;
  const size_t ext_len = c.l4_off - 40;
  if (ext_len > plen) return 0;
  const uint8_t* l4 = q.data() + c.l4_off;
  const size_t avail = q.size() - c.l4_off;
  const bool first = c.first_fragment();

  uint16_t sport = 0, dport = 0;
  bool echo = false;
  if (c.proto == kIcmp6 && first) {
    if (avail < 1) return 0;
    if (l4[0] != icmp6::kEchoRequest && l4[0] != icmp6::kEchoReply) return 0;
    echo = true;
    if (avail >= 6) sport = dport = load16(l4 + 4);
  } else if ((c.proto == kTcp || c.proto == kUdp) && first && avail >= 4) {
    sport = load16(l4);
    dport = load16(l4 + 2);
  }
  Flow6 f6;
  Flow4 f4;
  if (map_flow(mapper, ip6, c.proto, sport, dport, Part::Inner, f6, f4) != MapStatus::Ok) return 0;

  const size_t total = 20 + plen - ext_len;  // the original packet's length, not the quote's
  uint16_t id = 0, flags_off = 0;
  if (c.has_frag) {
    id = static_cast<uint16_t>(c.frag_id);
    flags_off = static_cast<uint16_t>((c.frag_more ? kMf : 0) | (c.frag_offset & 0x1fff));
  } else if (total > kDfThreshold) {
    flags_off = kDf;
  }
  write_ipv4_header(dst, tos_for(ip6, cfg), static_cast<uint16_t>(std::min<size_t>(total, 0xffff)), id, flags_off,
                    ip6[7], f4.proto, f4);
  const size_t n = std::min(avail, cap - 20);
  std::memcpy(dst + 20, l4, n);
  if (echo)
    fix_echo(dst + 20, n, static_cast<uint32_t>(plen - ext_len), ip6, sport, f4.sport);
  else if ((c.proto == kTcp || c.proto == kUdp) && first)
    fix_transport(dst + 20, n, c.proto, ip6, f6, f4);
  return 20 + n;
}

// RFC 7915 §5.2 Figure 6: ICMPv6 Parameter Problem pointer -> ICMPv4 pointer; -1 for "n/a" and
// values the figure does not list.
int map_pointer(uint32_t p) {
  if (p == 0) return 0;               // Version/Traffic Class -> Version/IHL, Type Of Service
  if (p == 1) return 1;               // Traffic Class/Flow Label -> Type Of Service
  if (p == 4 || p == 5) return 2;     // Payload Length -> Total Length
  if (p == 6) return 9;               // Next Header -> Protocol
  if (p == 7) return 8;               // Hop Limit -> Time to Live
  if (p >= 8 && p <= 23) return 12;   // Source Address
  if (p >= 24 && p <= 39) return 16;  // Destination Address
  return -1;                          // 2, 3 (Flow Label): n/a; beyond the header: not listed
}

// RFC 7915 §5.2: the ICMPv4 type, code and second 32-bit word for an ICMPv6 error, except the Packet
// Too Big MTU, which needs the translated quote. false: silently drop.
bool map_icmp_error(const uint8_t* icmp, uint8_t& type, uint8_t& code, uint32_t& word) {
  word = 0;
  switch (icmp[0]) {
    case icmp6::kDestUnreach:
      type = 3;
      switch (icmp[1]) {
        case 0:
          code = 1;
          return true;  // no route to destination -> host unreachable
        case 1:
          code = 10;
          return true;  // administratively prohibited -> host admin. prohibited
        case 2:
          code = 1;
          return true;  // beyond scope of source address -> host unreachable
        case 3:
          code = 1;
          return true;  // address unreachable -> host unreachable
        case 4:
          code = 3;
          return true;  // port unreachable -> port unreachable
        default:
          return false;  // "Other Code values: Silently drop."
      }
    case icmp6::kPacketTooBig:
      if (icmp[1] != 0) return false;
      type = 3;
      code = 4;  // fragmentation needed and DF set
      return true;
    case icmp6::kTimeExceeded:
      if (icmp[1] > 1) return false;
      type = 11;
      code = icmp[1];  // "The Code is unchanged."
      return true;
    case icmp6::kParamProblem:
      if (icmp[1] == 0) {
        const int p = map_pointer(load32(icmp + 4));
        if (p < 0) return false;
        type = 12;
        code = 0;
        word = uint32_t(p) << 24;  // RFC 792: the pointer is the first octet after the checksum
        return true;
      }
      if (icmp[1] == 1) {  // unrecognized Next Header -> protocol unreachable
        type = 3;
        code = 2;
        return true;
      }
      return false;  // code 2 (unrecognized option) and others: silently drop
    default:
      return false;  // unknown error types: silently drop
  }
}

// Splits the translated packet at out.data[0..total) into IPv4 fragments of at most cfg.mtu4 bytes,
// in place (RFC 791 §3.2 fragmentation, as any IPv4 router does with a DF=0 datagram). Only taken
// when the IPv4 MTU is smaller than the IPv6 one; chunks are moved back to front so no byte is
// overwritten before it is moved.
void fragment_in_place(const Config& cfg, Output& out, size_t total) {
  const size_t chunk = (size_t{cfg.mtu4} >= 28) ? ((size_t{cfg.mtu4} - 20) & ~size_t{7}) : 0;
  if (chunk == 0) return drop(out, DropReason::TooBig);
  const size_t payload = total - 20;
  const size_t n = (payload + chunk - 1) / chunk;
  if (n > Output::kMaxPackets) return drop(out, DropReason::TooBig);
  if (total + 20 * (n - 1) > out.data.size()) return drop(out, DropReason::NoSpace);
  uint8_t base[20];
  std::memcpy(base, out.data.data(), 20);
  const uint16_t fo = load16(base + 6);
  const bool orig_mf = (fo & kMf) != 0;
  const size_t orig_off = fo & 0x1fff;
  if (orig_off + (n - 1) * chunk / 8 > 0x1fff) return drop(out, DropReason::Malformed);
  uint8_t* d = out.data.data();
  for (size_t i = n; i-- > 0;) {
    const size_t len = std::min(chunk, payload - i * chunk);
    uint8_t* frag = d + i * (20 + chunk);
    if (i != 0) std::memmove(frag + 20, d + 20 + i * chunk, len);
    std::memcpy(frag, base, 20);
    store16(frag + 2, static_cast<uint16_t>(20 + len));
    const bool mf = (i + 1 < n) || orig_mf;
    store16(frag + 6, static_cast<uint16_t>((mf ? kMf : 0) | (orig_off + i * chunk / 8)));
    store16(frag + 10, 0);
    store16(frag + 10, checksum::finish(checksum::partial({frag, 20})));
    out.lens[i] = static_cast<uint16_t>(20 + len);
  }
  out.count = static_cast<uint8_t>(n);
  out.outcome = Outcome::Forward;
}

// RFC 7915 §5.2/§5.3: an ICMPv6 error becomes an ICMPv4 error around the translated quote.
void translate_icmp_error(std::span<const uint8_t> pkt, const Ipv6Chain& c, const Config& cfg, Mapper& mapper,
                          const Flow4& f4, uint8_t type, uint8_t code, uint32_t word, Output& out) {
  const uint8_t* ip6 = pkt.data();
  const uint8_t* icmp = ip6 + c.l4_off;
  const size_t icmp_len = pkt.size() - c.l4_off;
  if (out.data.size() < 28 + 20) return drop(out, DropReason::NoSpace);
  uint8_t* o = out.data.data();

  // RFC 4884: Destination Unreachable and Time Exceeded may carry an extension structure after an
  // original datagram field of Length*8 octets (xlat/icmp_extensions.hpp). Every ICMPv4 type they
  // become has a length attribute (in 32-bit words) too.
  const std::span<const uint8_t> body{icmp + 8, icmp_len - 8};
  icmpext::Split split{body.size(), 0};
  if (icmp[0] == icmp6::kDestUnreach || icmp[0] == icmp6::kTimeExceeded)
    split = icmpext::split(body, icmp[4], 8, /*legacy_probe=*/false);
  const icmpext::Plan plan = icmpext::plan(split, 28, kMaxIcmp4Error, 4, /*extensible=*/true);
  const size_t cap = std::min(plan.quote_room, out.data.size() - 28);
  bool inner_frag = false;
  const size_t inner = translate_inner(body.first(split.quote_len), cfg, mapper, o + 28, cap, inner_frag);
  if (inner == 0) return drop(out, DropReason::InnerPacket);
  size_t payload = inner;  // after the ICMPv4 header
  if (plan.keep_ext) {
    const size_t field = icmpext::padded(inner, 4);
    if (28 + field + split.ext_len > out.data.size()) return drop(out, DropReason::NoSpace);
    std::memset(o + 28 + inner, 0, field - inner);
    std::memcpy(o + 28 + field, body.data() + split.quote_len, split.ext_len);
    word |= static_cast<uint32_t>(field / 4) << 16;  // RFC 4884 §4.1/§4.2: the sixth octet
    payload = field + split.ext_len;
  }

  if (icmp[0] == icmp6::kPacketTooBig) {
    // RFC 7915 §5.2: minimum(advertised MTU - 20, MTU of the IPv4 next hop, MTU of the IPv6 next hop
    // - 20), "taking into account whether or not the packet in error includes a Fragment Header":
    // the quoted packet loses its 8-byte Fragment header as well as 20 bytes of IPv6 header.
    const uint64_t adv = load32(icmp + 4);
    const uint64_t shrink = 20 + (inner_frag ? 8 : 0);
    uint64_t mtu = adv > shrink ? adv - shrink : 0;
    mtu = std::min<uint64_t>(mtu, cfg.mtu4);
    mtu = std::min<uint64_t>(mtu, cfg.mtu6 > 20 ? cfg.mtu6 - 20u : 0u);
    word = static_cast<uint32_t>(mtu & 0xffff);  // RFC 1191: next-hop MTU in the low 16 bits
  }

  const size_t total = 28 + payload;
  uint8_t* icmp4 = o + 20;
  icmp4[0] = type;
  icmp4[1] = code;
  store16(icmp4 + 2, 0);
  store32(icmp4 + 4, word);
  // ICMPv4 has no pseudo-header (RFC 792); the message is small enough to sum afresh.
  store16(icmp4 + 2, checksum::finish(checksum::partial({icmp4, total - 20})));

  const uint16_t flags = total > kDfThreshold ? kDf : 0;
  write_ipv4_header(o, tos_for(ip6, cfg), static_cast<uint16_t>(total), next_ident(), flags,
                    outgoing_hop(ip6[7], cfg.hop_change), kIcmp4, f4);
  // At most 576 bytes, so DF=0: an IPv4 MTU below that means fragmenting like any IPv4 router.
  if (total > cfg.mtu4) return fragment_in_place(cfg, out, total);
  out.count = 1;
  out.lens[0] = static_cast<uint16_t>(total);
  out.outcome = Outcome::Forward;
}

// RFC 7915 §5.1 and RFC 8200: the checks before translating. true with `pkt` the packet without
// link-layer padding and `c` its extension header chain; false: `out` holds the drop (Malformed
// unless said otherwise) or the ICMPv6 error to send back.
bool check_header(std::span<const uint8_t> in, const Config& cfg, std::span<const uint8_t>& pkt, Ipv6Chain& c,
                  Output& out) {
  // RFC 8200 §3: version 6; the payload must be present. Payload Length 0 means a Jumbo Payload
  // option (RFC 2675), which IPv4 cannot carry.
  if (in.size() < 40 || (in[0] >> 4) != 6) return false;
  const size_t plen = load16(in.data() + 4);
  if (plen == 0 || 40 + plen > in.size()) return false;
  pkt = in.first(40 + plen);  // link-layer padding is ignored
  const uint8_t* ip6 = pkt.data();
  // IPv4 has no equivalent of IPv6 multicast scopes; nothing here maps them. Checked first: no
  // ICMPv6 error may answer a packet sent to a multicast address (RFC 4443 §2.4 (e.3)).
  if (ip6[24] == 0xff) return dropped(out, DropReason::Multicast);

  switch (walk_ipv6_chain(pkt, c)) {
    case ChainStatus::Ok:
      break;
    case ChainStatus::Truncated:
    case ChainStatus::Malformed:
      return dropped(out, DropReason::Malformed);
    // RFC 7915 §5.1.1: "the packet SHOULD be dropped and logged"; §5.4 names the error.
    case ChainStatus::ExtAfterFragment:
      refuse(pkt, c, cfg, out, DropReason::UnsupportedProtocol);
      return false;
  }
  // RFC 7915 §5.1: an unexpired Routing header cannot be honoured once in IPv4.
  if (c.routing_pending) {
    reply(pkt, cfg, out, icmp6::kParamProblem, 0, static_cast<uint32_t>(c.segments_left_off), DropReason::SourceRouted);
    return false;
  }
  // RFC 7915 §5.1 TTL: the translator is a router and decrements the Hop Limit.
  if (hop_expires(ip6[7], cfg.hop_change)) {
    reply(pkt, cfg, out, icmp6::kTimeExceeded, 0, 0, DropReason::TtlExpired);
    return false;
  }
  return true;
}

// What the transport header says: the ports (or echo identifier) to map, or the ICMPv4 type, code
// and word an ICMPv6 error becomes (§5.2).
struct Transport6 {
  uint16_t sport = 0, dport = 0;
  bool icmp_error = false;
  uint8_t e_type = 0, e_code = 0;
  uint32_t e_word = 0;
};

// §5.2 (ICMPv6) and §5.5 (TCP, UDP, others). false: `out` says why the packet is dropped.
bool read_transport(std::span<const uint8_t> pkt, const Ipv6Chain& c, const Config& cfg, Transport6& t, Output& out) {
  const uint8_t* l4 = pkt.data() + c.l4_off;
  const size_t l4len = pkt.size() - c.l4_off;
  if (c.proto == kIcmp6) {
    // RFC 7915 §5.2: the ICMPv6 checksum covers the whole message, which a fragment does not hold.
    if (c.is_fragment()) return dropped(out, DropReason::FragmentedIcmp);
    if (l4len < 8) return false;  // RFC 4443 §2.1: every ICMPv6 message has an 8-byte header
    if (l4[0] < 128) {
      if (!map_icmp_error(l4, t.e_type, t.e_code, t.e_word)) return dropped(out, DropReason::UntranslatableIcmp);
      t.icmp_error = true;
    } else if (l4[0] == icmp6::kEchoRequest || l4[0] == icmp6::kEchoReply) {
      t.sport = t.dport = load16(l4 + 4);
    } else {
      // MLD (130-132), Neighbor Discovery (133-137) and unknown informational messages.
      return dropped(out, DropReason::UntranslatableIcmp);
    }
  } else if ((c.proto == kTcp || c.proto == kUdp) && c.first_fragment()) {
    if (l4len < (c.proto == kTcp ? size_t{20} : size_t{8})) return false;
    // RFC 8200 §8.1: an IPv6 UDP checksum of zero is invalid (RFC 6935/6936 tunnels aside); the
    // translator discards it, and RFC 7915 §5.4 answers a discarded packet.
    if (c.proto == kUdp && load16(l4 + 6) == 0) {
      refuse(pkt, c, cfg, out, DropReason::UdpZeroChecksum);
      return false;
    }
    t.sport = load16(l4);
    t.dport = load16(l4 + 2);
  }
  return true;
}

// §5.1 addresses (through the mapper). false: `out` holds the drop or the ICMPv6 error.
bool map_addresses(std::span<const uint8_t> pkt, const Ipv6Chain& c, const Config& cfg, Mapper& mapper,
                   const Transport6& t, Flow6& f6, Flow4& f4, Output& out) {
  switch (map_flow(mapper, pkt.data(), c.proto, t.sport, t.dport, t.icmp_error ? Part::OuterOfIcmpError : Part::Outer,
                   f6, f4)) {
    case MapStatus::Ok:
      return true;
    case MapStatus::SrcUntranslatable:
      // The source is on this side, so it can hear why (RFC 7915 §5.4's default error).
      if (!cfg.answer_untranslatable_source) return dropped(out, DropReason::SrcUntranslatable);
      refuse(pkt, c, cfg, out, DropReason::SrcUntranslatable);
      return false;
    case MapStatus::DstUntranslatable:
      reply(pkt, cfg, out, icmp6::kDestUnreach, 0, 0, DropReason::DstUntranslatable);
      return false;
    case MapStatus::Prohibited:
      reply(pkt, cfg, out, icmp6::kDestUnreach, 1, 0, DropReason::Prohibited);
      return false;
  }
  return true;
}

// §5.1 / §5.1.1: Identification and flags (with the offset) of the IPv4 header, and whether it is
// too big for the IPv4 next hop (then fragmented, DF=0). false: dropped, or a DF=1 packet too big
// (`out` holds the Packet Too Big).
bool ipv4_fields(std::span<const uint8_t> pkt, const Ipv6Chain& c, const Config& cfg, size_t total, uint16_t& id,
                 uint16_t& flags_off, bool& too_big, Output& out) {
  if (c.has_frag) {
    // RFC 7915 §5.1.1: low-order 16 bits of the Identification, MF and offset copied, DF=0.
    if (size_t{c.frag_offset} * 8 + total > 0xffff) return false;  // would not fit an IPv4 datagram
    id = static_cast<uint16_t>(c.frag_id);
    flags_off = static_cast<uint16_t>((c.frag_more ? kMf : 0) | c.frag_offset);
  } else {
    id = next_ident();
    // A super-packet stands for segments that classify() found to be over 1260 bytes each once
    // translated, so each of them would get DF=1 (the kernel copies the flag to every segment).
    flags_off = (out.super_packet || total > kDfThreshold) ? kDf : 0;
  }
  // A super-packet is not checked against the MTU: its segments are what reach the wire, and
  // offload::classify() checked them. It must still fit one IPv4 Total Length.
  if (out.super_packet && total > 0xffff) return dropped(out, DropReason::TooBig);
  too_big = !out.super_packet && total > cfg.mtu4;
  if (too_big && (flags_off & kDf)) {
    // RFC 7915 §5.1.1: a DF=1 packet larger than the next hop gets Packet Too Big, the MTU raised by
    // the header size difference and never below the IPv6 minimum (RFC 8200 §5).
    const uint32_t mtu = std::max<uint32_t>(1280, uint32_t{cfg.mtu4} + 20);
    reply(pkt, cfg, out, icmp6::kPacketTooBig, 0, mtu, DropReason::TooBig);
    return false;
  }
  if (total > out.data.size()) return dropped(out, DropReason::NoSpace);
  return true;
}

}  // namespace

void ipv6_to_ipv4(std::span<const uint8_t> in, const Config& cfg, Mapper& mapper, Output& out) {
  drop(out, DropReason::Malformed);
  out.tail_from = 0;
  out.tail_len = 0;
  std::span<const uint8_t> pkt;
  Ipv6Chain c;
  if (!check_header(in, cfg, pkt, c, out)) return;
  Transport6 t;
  if (!read_transport(pkt, c, cfg, t, out)) return;
  Flow6 f6;
  Flow4 f4;
  if (!map_addresses(pkt, c, cfg, mapper, t, f6, f4, out)) return;
  if (t.icmp_error) return translate_icmp_error(pkt, c, cfg, mapper, f4, t.e_type, t.e_code, t.e_word, out);

  const uint8_t* ip6 = pkt.data();
  const bool first = c.first_fragment();
  const uint8_t* l4 = ip6 + c.l4_off;
  const size_t l4len = pkt.size() - c.l4_off;
  // RFC 7915 §5.1: the extension headers are skipped, so they do not count in the Total Length.
  const size_t total = 20 + l4len;
  uint16_t id = 0, flags_off = 0;
  bool too_big = false;
  if (!ipv4_fields(pkt, c, cfg, total, id, flags_off, too_big, out)) return;

  uint8_t* o = out.data.data();
  write_ipv4_header(o, tos_for(ip6, cfg), static_cast<uint16_t>(total), id, flags_off,
                    outgoing_hop(ip6[7], cfg.hop_change), f4.proto, f4);
  // With payload_in_place only the transport header's fixed part (all fix_transport changes) is
  // written here; the rest stays in the input for the caller to write after it.
  size_t copy = l4len;
  if (out.payload_in_place && !too_big && first && (c.proto == kTcp || c.proto == kUdp))
    copy = std::min(l4len, c.proto == kTcp ? size_t{20} : size_t{8});
  std::memcpy(o + 20, l4, copy);
  if (c.proto == kIcmp6)
    fix_echo(o + 20, l4len, static_cast<uint32_t>(l4len), ip6, t.sport, f4.sport);
  else if ((c.proto == kTcp || c.proto == kUdp) && first)
    fix_transport(o + 20, copy, c.proto, ip6, f6, f4);
  if (copy < l4len) {
    out.tail_from = static_cast<uint32_t>(c.l4_off + copy);
    out.tail_len = static_cast<uint16_t>(l4len - copy);
  }
  // Other protocols (and non-first fragments) pass through unchanged (RFC 7915 §5.5).

  if (too_big) return fragment_in_place(cfg, out, total);  // DF=0: fragment as an IPv4 router would
  out.count = 1;
  out.lens[0] = static_cast<uint16_t>(total);
  out.outcome = Outcome::Forward;
}

}  // namespace sixfour::xlat
