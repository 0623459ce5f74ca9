// TUN offloads: the virtio-net header, the decision which path a packet takes, the software GSO
// fallback, and the header fix-up after a super-packet was translated. The rules mirror what the
// Linux kernel does with the same metadata (virtio_net_hdr_to_skb / virtio_net_hdr_from_skb on the
// TUN device, tcp_gso_segment / __udp_gso_segment / inet_gso_segment / ipv6_gso_segment when it
// segments), so that a packet reaches the wire the same whether it was segmented here or there.
#include "xlat/offload.hpp"

#include <algorithm>
#include <cstring>

#include "common/bytes.hpp"
#include "common/checksum.hpp"
#include "xlat/icmpv6_errors.hpp"

namespace sixfour::xlat::offload {

namespace {

using namespace wire;

constexpr uint8_t kIcmp4 = 1;
constexpr uint8_t kTcp = 6;
constexpr uint8_t kIcmp6 = 58;
constexpr size_t kTcpHdr = 20;
constexpr size_t kTcpCsumOff = 16;

// RFC 7915 §5.1: a translated IPv4 packet of at most 1260 bytes leaves with DF=0.
constexpr size_t kDfThreshold = 1260;
constexpr uint16_t kIpv6MinMtu = 1280;
// The kernel refuses a UDP GSO packet of more segments than this (UDP_MAX_SEGMENTS, virtio_net.h).
constexpr size_t kUdpMaxSegments = 64;

constexpr uint8_t kTcpFin = 0x01;
constexpr uint8_t kTcpPsh = 0x08;
constexpr uint8_t kTcpCwr = 0x80;

uint16_t host16(const uint8_t* p) {
  uint16_t v;
  std::memcpy(&v, p, 2);
  return v;
}
void put_host16(uint8_t* p, uint16_t v) { std::memcpy(p, &v, 2); }

// Where the headers of an IP packet are. Only the headers are looked at, never the payload.
struct Layout {
  uint8_t version = 0;
  size_t total = 0;       // IP length (IPv4 Total Length, 40 + IPv6 Payload Length); <= pkt.size()
  size_t l4_off = 0;      // start of the upper-layer header (after IPv4 options / IPv6 extension headers)
  uint8_t proto = 0;      // upper-layer protocol
  bool fragment = false;  // IPv4 MF/offset, or any IPv6 Fragment header
  bool df = false;        // IPv4 only
  size_t l4_len() const { return total - l4_off; }
};

// `size` is the packet's length; pkt may hold only its first bytes (the headers), which is all
// that is read.
bool parse_layout(std::span<const uint8_t> pkt, Layout& L, size_t size) {
  if (pkt.empty()) return false;
  L.version = pkt[0] >> 4;
  if (L.version == 4) {
    if (pkt.size() < kIpv4Hdr) return false;
    const size_t ihl = size_t{pkt[0] & 0x0fu} * 4;
    const size_t total = load16(pkt.data() + 2);
    if (ihl < kIpv4Hdr || total < ihl || total > size || ihl > pkt.size()) return false;
    const uint16_t fo = load16(pkt.data() + 6);
    L.total = total;
    L.l4_off = ihl;
    L.proto = pkt[9];
    L.fragment = (fo & 0x3fff) != 0;  // MF or a fragment offset
    L.df = (fo & 0x4000) != 0;
    return true;
  }
  if (L.version == 6) {
    if (pkt.size() < kIpv6Hdr) return false;
    const size_t plen = load16(pkt.data() + 4);
    // Payload Length 0 is a Jumbo Payload (RFC 2675, the kernel's BIG TCP): not translatable.
    if (plen == 0 || kIpv6Hdr + plen > size) return false;
    Ipv6Chain c;
    if (walk_ipv6_chain(pkt.first(std::min(pkt.size(), kIpv6Hdr + plen)), c) != ChainStatus::Ok) return false;
    L.total = kIpv6Hdr + plen;
    L.l4_off = c.l4_off;
    L.proto = c.proto;
    L.fragment = c.has_frag;  // even an atomic fragment: its translation keeps fragment semantics
    return L.l4_off <= L.total;
  }
  return false;
}

bool parse_layout(std::span<const uint8_t> pkt, Layout& L) { return parse_layout(pkt, L, pkt.size()); }

// Length of the TCP or UDP header at L.l4_off, 0 if it does not fit the packet.
size_t l4_header_len(std::span<const uint8_t> pkt, const Layout& L) {
  const size_t avail = L.l4_len();
  if (L.proto == kTcp) {
    if (avail < kTcpHdr || pkt.size() < L.l4_off + kTcpHdr) return 0;
    const size_t doff = static_cast<size_t>(pkt[L.l4_off + 12] >> 4) * 4;  // RFC 9293 §3.1 Data Offset
    return (doff >= kTcpHdr && doff <= avail) ? doff : 0;
  }
  if (L.proto == kUdp) return avail >= kUdpHdr && pkt.size() >= L.l4_off + kUdpHdr ? kUdpHdr : 0;
  return 0;
}

// The pseudo-header sum (RFC 768/9293 for IPv4, RFC 8200 §8.1 for IPv6) for an upper-layer length.
uint32_t pseudo_sum(const uint8_t* ip, uint8_t version, uint8_t proto, size_t l4len) {
  if (version == 4) return checksum::pseudo_header4(ip + 12, ip + 16, proto, static_cast<uint16_t>(l4len));
  return checksum::pseudo_header6(ip + 8, ip + 24, proto, static_cast<uint32_t>(l4len));
}

// Where finish_checksum stops: the IP length when the header says one, else the buffer's end.
size_t checksum_end(std::span<const uint8_t> pkt) {
  if (!pkt.empty() && (pkt[0] >> 4) == 4 && pkt.size() >= kIpv4Hdr) {
    const size_t total = load16(pkt.data() + 2);
    if (total >= kIpv4Hdr && total <= pkt.size()) return total;
  } else if (!pkt.empty() && (pkt[0] >> 4) == 6 && pkt.size() >= kIpv6Hdr) {
    const size_t total = kIpv6Hdr + load16(pkt.data() + 4);
    if (total > kIpv6Hdr && total <= pkt.size()) return total;
  }
  return pkt.size();
}

// Where the IP header ends (IPv4 options included): no checksum to complete starts before it.
size_t ip_header_end(std::span<const uint8_t> pkt) {
  if (pkt.empty()) return 0;
  if ((pkt[0] >> 4) == 4) return size_t{pkt[0] & 0x0fu} * 4;
  return (pkt[0] >> 4) == 6 ? kIpv6Hdr : 0;
}

bool csum_fits(std::span<const uint8_t> pkt, const VnetHdr& h) {
  return h.csum_start >= ip_header_end(pkt) && size_t{h.csum_start} + h.csum_offset + 2 <= checksum_end(pkt);
}

}  // namespace

VnetHdr parse(const uint8_t* p) {
  VnetHdr h;
  h.flags = p[0];
  h.gso_type = p[1];
  h.hdr_len = host16(p + 2);
  h.gso_size = host16(p + 4);
  h.csum_start = host16(p + 6);
  h.csum_offset = host16(p + 8);
  return h;
}

void store(const VnetHdr& h, uint8_t* p) {
  p[0] = h.flags;
  p[1] = h.gso_type;
  put_host16(p + 2, h.hdr_len);
  put_host16(p + 4, h.gso_size);
  put_host16(p + 6, h.csum_start);
  put_host16(p + 8, h.csum_offset);
}

Path classify(std::span<const uint8_t> pkt, const VnetHdr& h, const Config& cfg) {
  const uint8_t base = h.gso_type & static_cast<uint8_t>(~kGsoEcn);
  const bool partial = (h.flags & kFlagNeedsCsum) != 0;
  if (base == kGsoNone) {
    if (!partial) return Path::Plain;
    return csum_fits(pkt, h) ? Path::FinishChecksum : Path::Drop;
  }
  // UFO (kGsoUdp) asks for IP fragmentation of one datagram; it is never offered to the kernel
  // (TUN_F_UFO is not set), so a packet claiming it is inconsistent.
  if (base != kGsoTcpV4 && base != kGsoTcpV6 && base != kGsoUdpL4) return Path::Drop;
  if (h.gso_size == 0) return Path::Drop;

  Layout L;
  if (!parse_layout(pkt, L) || L.fragment) return Path::Drop;
  const bool tcp = base != kGsoUdpL4;
  if (L.proto != (tcp ? kTcp : kUdp)) return Path::Drop;
  if ((base == kGsoTcpV4 && L.version != 4) || (base == kGsoTcpV6 && L.version != 6)) return Path::Drop;
  const size_t l4hdr = l4_header_len(pkt, L);
  if (l4hdr == 0) return Path::Drop;
  // hdr_len is only a hint (the kernel fills in the linear part's length, which may include some
  // payload), so it only has to lie within the packet.
  if (h.hdr_len > pkt.size()) return Path::Drop;
  if (partial && (h.csum_start != L.l4_off || h.csum_offset != (tcp ? kTcpCsumOff : kUdpCsumOff))) return Path::Drop;

  const size_t l4len = L.l4_len();
  const size_t payload = l4len - l4hdr;
  // "Too small packets are not really GSO ones" (the kernel ignores gso_size for them too): the
  // packet is its own only segment, and is translated as one.
  if (payload <= h.gso_size) return partial ? Path::FinishChecksum : Path::Plain;
  // Without a partial checksum there is nothing the fast path could hand on to be completed.
  if (!partial) return Path::Segment;
  if (!tcp) {
    // The kernel derives each datagram's checksum from the super-packet's by swapping the UDP
    // Length into the pseudo-header sum, so that field must be the whole length; and it refuses
    // more than 64 datagrams.
    if (load16(pkt.data() + L.l4_off + 4) != l4len) return Path::Segment;
    if ((payload + h.gso_size - 1) / h.gso_size > kUdpMaxSegments) return Path::Segment;
  }

  // The fast path is taken only when each wire segment, translated on its own, would be one packet
  // with the same DF bit the super-packet gets: exactly what ipv4_to_ipv6 / ipv6_to_ipv4 decide.
  if (L.version == 4) {
    // IPv4 options are dropped (RFC 7915 §4.1), so the exact size is IPv6 header + L4.
    const size_t seg6 = kIpv6Hdr + l4hdr + h.gso_size;
    const size_t mtu6 = std::max(cfg.mtu6, kIpv6MinMtu);
    const size_t frag_limit = std::max(std::min(cfg.lowest_ipv6_mtu, static_cast<uint16_t>(mtu6)), kIpv6MinMtu);
    // RFC 7915 §4: a DF=0 packet larger than lowest-ipv6-mtu would get a Fragment header.
    if (seg6 > (L.df ? mtu6 : frag_limit)) return Path::Segment;
    return Path::Super;
  }
  // RFC 7915 §5.1: extension headers are dropped; a segment of at most 1260 bytes would get DF=0
  // (the super-packet gets DF=1); a larger one must fit the IPv4 MTU; and the whole translated
  // super-packet must fit an IPv4 Total Length.
  const size_t seg4 = kIpv4Hdr + l4hdr + h.gso_size;
  if (seg4 <= kDfThreshold || seg4 > cfg.mtu4) return Path::Segment;
  if (kIpv4Hdr + l4len > 0xffff) return Path::Segment;
  return Path::Super;
}

bool finish_checksum(std::span<uint8_t> pkt, const VnetHdr& h) {
  if (!csum_fits(pkt, h)) return false;
  const size_t end = checksum_end(pkt);
  const size_t start = h.csum_start;
  const size_t at = start + h.csum_offset;
  // The field holds the pseudo-header part already (that is what "partial" means), so summing it
  // along with the rest gives the full sum.
  uint16_t ck = checksum::finish(checksum::partial(pkt.subspan(start, end - start)));
  // As the kernel's skb_checksum_help: 0 and 0xffff are the same one's-complement value, and a UDP
  // checksum of 0 would mean "none" (RFC 768).
  if (ck == 0) ck = 0xffff;
  store16(pkt.data() + at, ck);
  return true;
}

size_t segment(std::span<const uint8_t> pkt, const VnetHdr& h, std::span<uint8_t> out, std::span<uint16_t> lens) {
  const uint8_t base = h.gso_type & static_cast<uint8_t>(~kGsoEcn);
  if (base != kGsoTcpV4 && base != kGsoTcpV6 && base != kGsoUdpL4) return 0;
  const size_t mss = h.gso_size;
  if (mss == 0) return 0;
  Layout L;
  if (!parse_layout(pkt, L) || L.fragment) return 0;
  const bool tcp = L.proto == kTcp;
  if (tcp != (base != kGsoUdpL4) || (!tcp && L.proto != kUdp)) return 0;
  const size_t l4hdr = l4_header_len(pkt, L);
  if (l4hdr == 0) return 0;

  const size_t hdrs = L.l4_off + l4hdr;  // copied in front of every segment
  const size_t payload = L.total - hdrs;
  const size_t n = payload == 0 ? 1 : (payload + mss - 1) / mss;
  if (n > lens.size()) return 0;
  if (hdrs + std::min(mss, payload) > 0xffff) return 0;
  if (n * hdrs + payload > out.size()) return 0;

  const uint8_t* in = pkt.data();
  const uint16_t id = L.version == 4 ? load16(in + 4) : 0;
  const uint32_t seq = tcp ? load32(in + L.l4_off + 4) : 0;
  const uint8_t tcp_flags = tcp ? in[L.l4_off + 13] : 0;
  const size_t ck_off = tcp ? kTcpCsumOff : kUdpCsumOff;

  uint8_t* o = out.data();
  for (size_t i = 0; i < n; ++i) {
    const size_t done = i * mss;
    const size_t len = std::min(mss, payload - done);
    const size_t total = hdrs + len;
    std::memcpy(o, in, hdrs);
    std::memcpy(o + hdrs, in + hdrs + done, len);
    if (L.version == 4) {
      // inet_gso_segment: every segment its Total Length, an Identification one more than the
      // previous (as the sender's own segments would have had), and its header checksum.
      store16(o + 2, static_cast<uint16_t>(total));
      store16(o + 4, static_cast<uint16_t>(id + i));
      store16(o + 10, 0);
      store16(o + 10, checksum::finish(checksum::partial({o, L.l4_off})));
    } else {
      store16(o + 4, static_cast<uint16_t>(total - kIpv6Hdr));
    }
    uint8_t* l4 = o + L.l4_off;
    const size_t ulen = total - L.l4_off;
    if (tcp) {
      // tcp_gso_segment: sequence numbers advance by the payload before; CWR only on the first
      // segment (RFC 3168 §6.1.2: once per window), FIN and PSH only on the last.
      store32(l4 + 4, static_cast<uint32_t>(seq + done));
      uint8_t f = tcp_flags;
      if (i != 0) f &= static_cast<uint8_t>(~kTcpCwr);
      if (i + 1 != n) f &= static_cast<uint8_t>(~(kTcpFin | kTcpPsh));
      l4[13] = f;
    } else {
      store16(l4 + 4, static_cast<uint16_t>(ulen));  // __udp_gso_segment: each datagram its length
    }
    // The whole checksum, afresh: the super-packet's field may be partial or complete, and is not
    // trusted either way.
    store16(l4 + ck_off, 0);
    uint16_t ck = checksum::finish(checksum::partial({l4, ulen}, pseudo_sum(o, L.version, L.proto, ulen)));
    if (!tcp && ck == 0) ck = 0xffff;  // RFC 768 / RFC 8200 §8.1: a computed zero is sent as all ones
    store16(l4 + ck_off, ck);
    lens[i] = static_cast<uint16_t>(total);
    o += total;
  }
  return n;
}

bool after_translation(const VnetHdr& in, std::span<uint8_t> out_pkt, VnetHdr& out) {
  return after_translation(in, out_pkt, out_pkt.size(), out);
}

bool after_translation(const VnetHdr& in, std::span<uint8_t> out_pkt, size_t total, VnetHdr& out) {
  Layout L;
  if (total < out_pkt.size() || !parse_layout(out_pkt, L, total) || L.fragment) return false;
  // An ICMP error generated on the way (e.g. a hairpinned super-packet's TTL ran out in the second
  // pass) is a complete ordinary packet: written without offload metadata.
  if ((L.version == 4 && L.proto == kIcmp4) || (L.version == 6 && L.proto == kIcmp6)) {
    out = VnetHdr{};
    return true;
  }
  const uint8_t base = in.gso_type & static_cast<uint8_t>(~kGsoEcn);
  const bool tcp = base == kGsoTcpV4 || base == kGsoTcpV6;
  if (!tcp && base != kGsoUdpL4) return false;
  if (L.proto != (tcp ? kTcp : kUdp)) return false;
  const size_t l4hdr = l4_header_len(out_pkt, L);
  if (l4hdr == 0) return false;
  out = VnetHdr{};
  out.flags = kFlagNeedsCsum;
  out.gso_type =
      static_cast<uint8_t>((tcp ? (L.version == 4 ? kGsoTcpV4 : kGsoTcpV6) : kGsoUdpL4) | (in.gso_type & kGsoEcn));
  out.gso_size = in.gso_size;
  out.csum_start = static_cast<uint16_t>(L.l4_off);
  out.csum_offset = tcp ? static_cast<uint16_t>(kTcpCsumOff) : static_cast<uint16_t>(kUdpCsumOff);
  // hdr_len moves with the headers in front of it; the kernel only uses it as a hint for how much
  // to copy into the linear part, and refuses one larger than the packet.
  size_t hdr_len = L.l4_off + l4hdr;
  if (in.hdr_len >= in.csum_start) hdr_len = size_t{in.hdr_len} - in.csum_start + L.l4_off;
  out.hdr_len = static_cast<uint16_t>(std::min(hdr_len, total));

  // NEEDS_CSUM: the field holds the folded pseudo-header sum of the new family over the whole L4
  // length, not complemented (what tcp_v4_check/csum_ipv6_magic seed in the kernel); the payload
  // and the (possibly rewritten) ports are summed by whoever completes it.
  const size_t l4len = L.l4_len();
  store16(out_pkt.data() + L.l4_off + out.csum_offset,
          checksum::fold(pseudo_sum(out_pkt.data(), L.version, L.proto, l4len)));
  return true;
}

}  // namespace sixfour::xlat::offload
