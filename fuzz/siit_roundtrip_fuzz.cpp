// The differential target of `sixfour siit` (siit::Translator): a packet translated to the other
// family and back must come back as it was wherever RFC 7915 makes the round trip lossless. Input:
// one packet of either family, as the TUN hands it over. Settings: pool6 2001:db8:64::/96, the EAM
// table kEams (IPv4 and IPv6 suffixes of equal length, so each entry is a bijection; no two entries
// overlap, none lies in pool6), hop_change 0 (a CLAT: TTL / Hop Limit unchanged), the rest default.
// Whenever the first pass forwards exactly one packet in the other family and the second pass does
// too, every output passes fuzz/packet_checks.hpp; and when the original meets the condition below,
// the result must equal it:
//
// IPv6 -> IPv4 -> IPv6, byte for byte, when the original
//   - is exactly its Payload Length long and has no extension header: RFC 7915 §5.1 drops the
//     options headers and keeps no trace of them; a Fragment Header's Identification keeps only its
//     low 16 bits and §4.1 rebuilds a Fragment Header only for an IPv4 fragment;
//   - has Flow Label 0: §5.1 drops it, §4.1 sets it to 0;
//   - is TCP, UDP with a nonzero checksum, or ICMPv6 Echo Request/Reply (§5.2 maps only these
//     informational types to ICMPv4 and back), with a correct transport checksum: §5.5 / §5.2
//     adjust the checksum for the new pseudo-header (incrementally for TCP/UDP, recomputed for
//     ICMP, whose ICMPv4 checksum has no pseudo-header at all), so a wrong one is not kept;
//   - has a source and a destination that map back to themselves (§1.3 with RFC 7757 §3): in the
//     IPv6 prefix of an EAM entry, or in pool6 with an embedded IPv4 address that no EAM entry
//     covers (else RFC 7757 §3.2 maps that IPv4 address to the entry's IPv6 address instead).
//     This is computed here from kEams' bytes, not with the translator's mapper.
//   Traffic Class <-> TOS (§5.1 / §4.1) and Hop Limit <-> TTL (hop_change 0) are compared too.
//
// In both directions a TCP or ICMP checksum field of 0xffff is compared as 0x0000: both are the one
// zero of one's-complement arithmetic (RFC 1071 §1; RFC 1624 §3 shows the incremental update of
// §4.5 / §5.5 may yield either), so a checksum that was right stays right whichever it comes back
// as (a found input: fuzz/regressions/siit_roundtrip/tcp6-checksum-negative-zero). Not UDP: there
// 0x0000 means "no checksum" (RFC 768), so a computed zero must stay 0xffff, and is compared.
//
// IPv4 -> IPv6 -> IPv4, equal except three header fields that are set to zero on both sides before
// comparing: the Identification (§5.1: made by the translator's own generator, the IPv6 packet
// carries none), the DF flag (§4.1 does not carry it; §5.1 sets it by the packet's size) and so the
// header checksum (§5.1: recomputed over the new header). Compared when the original
//   - has IHL 5 (§4.1: options are dropped), a right header checksum, Total Length equal to its
//     size, is not a fragment (MF 0, offset 0: §4.1 adds a Fragment Header, which §5.1 turns back
//     into MF/offset but with an Identification of its own), and the reserved flag bit 0 (§4.1
//     keeps no trace of it);
//   - is TCP, UDP with a nonzero checksum (§4.5: a zero one is computed, so not kept), or ICMP Echo
//     / Echo Reply (§4.2), with a right transport checksum;
//   - (addresses: every IPv4 address maps back with these settings: through its EAM entry if one
//     covers it, else through pool6, which is not the well-known prefix, so RFC 6052 §3.1 rejects
//     nothing.)
// A mismatch aborts (SIXFOUR_FUZZ_CHECK): either the translator or this oracle is wrong; decide
// which before changing either (docs/hardening.md).
#include <algorithm>
#include <array>
#include <cstring>
#include <vector>

#include "addr/rfc6052.hpp"
#include "packet_checks.hpp"
#include "siit/translator.hpp"

using namespace sixfour;

namespace {

struct RawEam {
  const char* text;  // as EamTable::parse reads it
  std::array<uint8_t, 16> v6;
  unsigned v6len;
  uint32_t v4;
  unsigned v4len;
};

// Suffix lengths equal on both sides (8, 0, 16 and 6 bits).
const std::array<RawEam, 4> kEams = {{
    {"2001:db8:a::/120=198.51.100.0/24", {0x20, 0x01, 0x0d, 0xb8, 0, 0x0a}, 120, 0xc6336400, 24},
    {"2001:db8:b::2/128=192.0.2.2/32",
     {0x20, 0x01, 0x0d, 0xb8, 0, 0x0b, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2},
     128,
     0xc0000202,
     32},
    {"2001:db8:c::/112=10.64.0.0/16", {0x20, 0x01, 0x0d, 0xb8, 0, 0x0c}, 112, 0x0a400000, 16},
    {"2001:db8:d::/122=192.0.2.128/26", {0x20, 0x01, 0x0d, 0xb8, 0, 0x0d}, 122, 0xc0000280, 26},
}};
constexpr std::array<uint8_t, 12> kPool6 = {0x20, 0x01, 0x0d, 0xb8, 0, 0x64, 0, 0, 0, 0, 0, 0};  // /96

bool in_prefix6(const uint8_t* a, const std::array<uint8_t, 16>& p, unsigned len) {
  for (unsigned bit = 0; bit < len; ++bit) {
    const uint8_t mask = static_cast<uint8_t>(0x80u >> (bit % 8));
    if ((a[bit / 8] & mask) != (p[bit / 8] & mask)) return false;
  }
  return true;
}

bool in_prefix4(uint32_t a, uint32_t p, unsigned len) { return len == 0 || ((a ^ p) >> (32 - len)) == 0; }

// An IPv6 address that maps to IPv4 and back to itself.
bool maps_back6(const uint8_t* a) {
  for (const RawEam& e : kEams)
    if (in_prefix6(a, e.v6, e.v6len)) return true;
  if (!std::equal(kPool6.begin(), kPool6.end(), a)) return false;
  const uint32_t v4 = load32(a + 12);
  return std::none_of(kEams.begin(), kEams.end(), [&](const RawEam& e) { return in_prefix4(v4, e.v4, e.v4len); });
}

const siit::Settings& settings() {
  static const siit::Settings s = [] {
    siit::Settings s;
    s.pool6 = rfc6052::parse_prefix("2001:db8:64::/96").value();
    for (const RawEam& e : kEams) SIXFOUR_FUZZ_CHECK(s.eam.add(EamTable::parse(e.text).value()).ok());
    s.xlat.hop_change = 0;
    return s;
  }();
  return s;
}

bool transport_checksum_ok(const uint8_t* ip, size_t size, bool v6) {
  const size_t hl = v6 ? 40 : 20;
  const uint8_t proto = v6 ? ip[6] : ip[9];
  const std::span<const uint8_t> l4(ip + hl, size - hl);
  const size_t min = proto == 6 ? 20 : proto == 17 ? 8 : 8;
  if (l4.size() < min) return false;
  if (proto == 17 && load16(&l4[6]) == 0) return false;
  const auto len = static_cast<uint16_t>(l4.size());
  uint32_t sum = 0;
  if (proto != 1)
    sum = v6 ? checksum::pseudo_header6(ip + 8, ip + 24, proto, len)
             : checksum::pseudo_header4(ip + 12, ip + 16, proto, len);
  return checksum::finish(checksum::partial(l4, sum)) == 0;
}

// The IPv6 -> IPv4 -> IPv6 condition above.
bool lossless6(std::span<const uint8_t> p) {
  if (p.size() < 40 || (p[0] >> 4) != 6 || size_t{load16(&p[4])} + 40 != p.size()) return false;
  if ((p[1] & 0x0f) != 0 || p[2] != 0 || p[3] != 0) return false;  // Flow Label
  const uint8_t nh = p[6];
  if (nh == 58) {
    if (p.size() < 48 || (p[40] != 128 && p[40] != 129)) return false;
  } else if (nh != 6 && nh != 17) {
    return false;
  }
  return transport_checksum_ok(p.data(), p.size(), true) && maps_back6(&p[8]) && maps_back6(&p[24]);
}

// The IPv4 -> IPv6 -> IPv4 condition above.
bool lossless4(std::span<const uint8_t> p) {
  if (p.size() < 20 || p[0] != 0x45 || load16(&p[2]) != p.size()) return false;
  if (checksum::finish(checksum::partial(p.first(20))) != 0) return false;
  if ((load16(&p[6]) & 0xbfff) != 0) return false;  // reserved flag, MF, offset
  const uint8_t proto = p[9];
  if (proto == 1) {
    if (p.size() < 28 || (p[20] != 8 && p[20] != 0)) return false;
  } else if (proto != 6 && proto != 17) {
    return false;
  }
  return transport_checksum_ok(p.data(), p.size(), false);
}

// Translates `in` with a fresh translator; the one packet it forwards in the other family, or none.
std::vector<uint8_t> one_pass(std::span<const uint8_t> in) {
  siit::Translator t(settings());
  std::vector<uint8_t> storage(in.size() + 4096 + 65536);
  xlat::Output out;
  out.data = storage;
  t.translate(in, out);
  fuzz::check_output(out);
  if (out.outcome != xlat::Outcome::Forward || out.count != 1) return {};
  const std::span<const uint8_t> p = out.packet(0);
  if (in.empty() || (p[0] >> 4) == (in[0] >> 4)) return {};
  return {p.begin(), p.end()};
}

// A TCP or ICMP checksum field of 0xffff as 0x0000 (see above); `p` is a whole TCP, UDP or ICMP
// packet of either family without options or extension headers.
std::vector<uint8_t> one_zero(std::vector<uint8_t> p) {
  const bool v6 = (p[0] >> 4) == 6;
  const size_t l4 = v6 ? 40 : 20;
  const uint8_t proto = v6 ? p[6] : p[9];
  const size_t at = l4 + (proto == 6 ? 16 : proto == 17 ? p.size() : 2);
  if (at + 2 <= p.size() && p[at] == 0xff && p[at + 1] == 0xff) p[at] = p[at + 1] = 0;
  return p;
}

// The IPv4 header fields the round trip may change (see above), zeroed.
std::vector<uint8_t> normalized4(std::span<const uint8_t> p) {
  std::vector<uint8_t> v(p.begin(), p.end());
  v[4] = v[5] = 0;    // Identification
  v[6] &= 0xbf;       // DF
  v[10] = v[11] = 0;  // header checksum
  return one_zero(v);
}

}  // namespace

SIXFOUR_FUZZ_TARGET(siit_roundtrip) {
  const std::vector<uint8_t> there = one_pass(input);
  if (there.empty()) return;
  const std::vector<uint8_t> back = one_pass(there);
  if (back.empty()) return;
  if ((input[0] >> 4) == 6) {
    if (lossless6(input)) SIXFOUR_FUZZ_CHECK(one_zero(back) == one_zero({input.begin(), input.end()}));
  } else if (lossless4(input)) {
    SIXFOUR_FUZZ_CHECK(back.size() == input.size() && normalized4(back) == normalized4(input));
  }
}
