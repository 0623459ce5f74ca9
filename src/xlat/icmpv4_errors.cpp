#include "xlat/icmpv4_errors.hpp"

#include <algorithm>
#include <cstring>

#include "common/bytes.hpp"
#include "common/checksum.hpp"
#include "xlat/config.hpp"

namespace sixfour::xlat::icmpv4 {
namespace {

constexpr size_t kIpHdr = 20;
constexpr size_t kIcmpHdr = 8;
constexpr uint8_t kProtoIcmp = 1;

// 224.0.0.0/4 multicast and 240.0.0.0/4 reserved (which holds 255.255.255.255, the limited broadcast).
bool is_group_or_reserved(const uint8_t* a) { return a[0] >= 224; }

// RFC 1812 §4.3.2.7: an ICMP error must not be sent to a source that does not define a single host:
// 0.0.0.0/8 ("this network"), 127.0.0.0/8 (loopback), class D and E.
bool is_unusable_source(const uint8_t* a) { return a[0] == 0 || a[0] == 127 || is_group_or_reserved(a); }

bool is_icmp_error_type(uint8_t type) {
  switch (type) {
    case kDestUnreachable:
    case kSourceQuench:
    case kRedirect:
    case kTimeExceeded:
    case kParameterProblem:
      return true;
    default:
      return false;
  }
}

}  // namespace

bool may_send_error_about(std::span<const uint8_t> p) {
  if (p.size() < kIpHdr) return false;
  const size_t ihl = size_t{p[0] & 0x0fu} * 4;
  if (ihl < kIpHdr || ihl > p.size()) return false;
  const uint16_t frag = load16(&p[6]);
  if ((frag & 0x1fff) != 0) return false;  // non-initial fragment
  if (is_unusable_source(&p[12]) || is_group_or_reserved(&p[16])) return false;
  if (p[9] == kProtoIcmp) {
    // An ICMP message whose type we cannot even see is treated as an error: better silent than a loop.
    if (p.size() <= ihl) return false;
    if (is_icmp_error_type(p[ihl])) return false;
  }
  return true;
}

size_t build_error(std::span<const uint8_t> offending, uint8_t type, uint8_t code, uint32_t rest, Ipv4Addr self,
                   std::span<uint8_t> out) {
  if (!may_send_error_about(offending)) return 0;
  const size_t quoted = std::min(offending.size(), kMaxErrorSize - kIpHdr - kIcmpHdr);
  const size_t total = kIpHdr + kIcmpHdr + quoted;
  if (out.size() < total) return 0;
  uint8_t* ip = out.data();
  ip[0] = 0x45;
  // RFC 1812 §4.3.2.5: errors other than Source Quench SHOULD carry precedence 6 (Internetwork Control).
  ip[1] = 0xc0;
  store16(ip + 2, static_cast<uint16_t>(total));
  store16(ip + 4, 0);  // Identification: a 576-byte datagram is never fragmented (RFC 6864 §4.1)
  store16(ip + 6, 0);
  ip[8] = 64;  // RFC 1700 / RFC 1122 §3.2.1.7 default TTL
  ip[9] = kProtoIcmp;
  store16(ip + 10, 0);
  std::memcpy(ip + 12, self.b.data(), 4);
  std::memcpy(ip + 16, &offending[12], 4);  // back to the offending packet's source
  store16(ip + 10, checksum::finish(checksum::partial({ip, kIpHdr})));

  uint8_t* icmp = ip + kIpHdr;
  icmp[0] = type;
  icmp[1] = code;
  store16(icmp + 2, 0);
  store32(icmp + 4, rest);
  std::memcpy(icmp + kIcmpHdr, offending.data(), quoted);
  store16(icmp + 2, checksum::finish(checksum::partial({icmp, kIcmpHdr + quoted})));
  return total;
}

// The packet an error of the translator quotes is the one the TUN gave, after the kernel's decrement
// on the way in. A translator that gives that decrement back (hop_change +1, issue 16) gives it back
// in the quote too: it shows the TTL the packet had when it reached the host. Both checksums the
// TTL is under (the quoted header's and the ICMP message's) are updated (RFC 1624).
void restore_quoted_ttl(std::span<uint8_t> e, int8_t change) {
  if (change <= 0 || e.size() < 20) return;
  const size_t oh = size_t{e[0] & 0x0fu} * 4;
  if (e.size() < oh + 8 + 20) return;
  uint8_t* icmp = e.data() + oh;
  uint8_t* q = icmp + 8;
  if ((q[0] >> 4) != 4 || q[8] == 255) return;
  const uint16_t old_word = load16(q + 8), old_hc = load16(q + 10);
  q[8] = outgoing_hop(q[8], change);
  const uint16_t new_word = load16(q + 8);
  const uint16_t new_hc = checksum::update(old_hc, old_word, new_word);
  store16(q + 10, new_hc);
  store16(icmp + 2, checksum::update(load16(icmp + 2), uint32_t{old_word} + old_hc, uint32_t{new_word} + new_hc));
}

}  // namespace sixfour::xlat::icmpv4
