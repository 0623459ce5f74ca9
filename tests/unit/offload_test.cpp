// xlat/offload: the virtio-net header (virtio spec §5.1.6 "struct virtio_net_hdr", legacy layout),
// the path decision, completing partial checksums, software GSO, and the header fix-up after a
// super-packet was translated. Packets are built byte by byte; checksums are verified with a naive
// RFC 1071 sum written here, independent of src/common/checksum.cpp.
#include "xlat/offload.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <vector>

#include "xlat/ipv4_to_ipv6.hpp"
#include "xlat/ipv6_to_ipv4.hpp"
#include "xlat/mapper.hpp"
#include "xlat/verdict.hpp"

namespace off = sixfour::xlat::offload;
using sixfour::xlat::Config;
using sixfour::xlat::Outcome;

namespace {

using Bytes = std::vector<uint8_t>;
using A4 = std::array<uint8_t, 4>;
using A6 = std::array<uint8_t, 16>;

const A4 kClient4{198, 51, 100, 5};
const A4 kServer4{192, 0, 2, 1};
const A6 kClient6{0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5};       // 2001:db8:1::5
const A6 kServer6{0x20, 0x01, 0x0d, 0xb8, 0, 0x64, 0, 0, 0, 0, 0, 0, 192, 0, 2, 1};  // 2001:db8:64::192.0.2.1

constexpr uint8_t kAck = 0x10, kPsh = 0x08, kFin = 0x01, kCwr = 0x80;

uint16_t rd16(const Bytes& b, size_t off) { return static_cast<uint16_t>(b.at(off) << 8 | b.at(off + 1)); }
uint32_t rd32(const Bytes& b, size_t off) { return uint32_t{rd16(b, off)} << 16 | rd16(b, off + 2); }
void wr16(Bytes& b, size_t off, uint16_t v) {
  b.at(off) = static_cast<uint8_t>(v >> 8);
  b.at(off + 1) = static_cast<uint8_t>(v);
}
void put16(Bytes& b, uint16_t v) {
  b.push_back(static_cast<uint8_t>(v >> 8));
  b.push_back(static_cast<uint8_t>(v));
}
void put32(Bytes& b, uint32_t v) {
  put16(b, static_cast<uint16_t>(v >> 16));
  put16(b, static_cast<uint16_t>(v));
}
template <typename C>
void put(Bytes& b, const C& c) {
  b.insert(b.end(), c.begin(), c.end());
}

uint32_t naive_sum(const uint8_t* p, size_t n, uint32_t s = 0) {
  for (size_t i = 0; i + 1 < n; i += 2) s += uint32_t(p[i] << 8 | p[i + 1]);
  if (n & 1) s += uint32_t(p[n - 1] << 8);
  return s;
}
uint16_t fold(uint32_t s) {
  while (s >> 16) s = (s & 0xffff) + (s >> 16);
  return static_cast<uint16_t>(s);
}

Bytes pattern(size_t n, uint8_t seed = 0x30) {
  Bytes b(n);
  for (size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>(seed + i * 7 + (i >> 9));
  return b;
}

// TCP header (RFC 9293 §3.1) + data; `opt_words` 32-bit words of NOP options; checksum 0.
Bytes tcp(uint16_t sport, uint16_t dport, uint32_t seq, uint8_t flags, const Bytes& data, size_t opt_words = 0) {
  Bytes b;
  put16(b, sport);
  put16(b, dport);
  put32(b, seq);
  put32(b, 0x0a0b0c0d);
  b.push_back(static_cast<uint8_t>((5 + opt_words) << 4));
  b.push_back(flags);
  put16(b, 0xfff0);
  put16(b, 0);
  put16(b, 0);
  for (size_t i = 0; i < opt_words * 4; ++i) b.push_back(1);  // NOP
  put(b, data);
  return b;
}

// UDP header (RFC 768) + data; Length = whole datagram unless `len` given; checksum 0.
Bytes udp(uint16_t sport, uint16_t dport, const Bytes& data, int len = -1) {
  Bytes b;
  put16(b, sport);
  put16(b, dport);
  put16(b, static_cast<uint16_t>(len >= 0 ? len : static_cast<int>(8 + data.size())));
  put16(b, 0);
  put(b, data);
  return b;
}

struct V4 {
  A4 src = kClient4, dst = kServer4;
  uint8_t ttl = 64;
  uint16_t id = 0x4321;
  bool df = true, mf = false;
  size_t option_words = 0;
};

Bytes ipv4(const V4& h, uint8_t proto, const Bytes& l4) {
  Bytes b;
  const size_t ihl = 20 + 4 * h.option_words;
  b.push_back(static_cast<uint8_t>(0x40 | ihl / 4));
  b.push_back(0);
  put16(b, static_cast<uint16_t>(ihl + l4.size()));
  put16(b, h.id);
  put16(b, static_cast<uint16_t>((h.df ? 0x4000 : 0) | (h.mf ? 0x2000 : 0)));
  b.push_back(h.ttl);
  b.push_back(proto);
  put16(b, 0);
  put(b, h.src);
  put(b, h.dst);
  for (size_t i = 0; i < h.option_words * 4; ++i) b.push_back(1);  // NOP options
  wr16(b, 10, static_cast<uint16_t>(~fold(naive_sum(b.data(), ihl))));
  put(b, l4);
  return b;
}

struct V6 {
  A6 src = kClient6, dst = kServer6;
  uint8_t hlim = 64;
};

// IPv6 header + optional 8-byte Destination Options header (RFC 8200 §4.6) + l4.
Bytes ipv6(const V6& h, uint8_t proto, const Bytes& l4, bool dest_opts = false, bool frag = false) {
  Bytes b;
  put32(b, 6u << 28);
  put16(b, static_cast<uint16_t>(l4.size() + (dest_opts ? 8 : 0) + (frag ? 8 : 0)));
  b.push_back(dest_opts ? 60 : frag ? 44 : proto);
  b.push_back(h.hlim);
  put(b, h.src);
  put(b, h.dst);
  if (dest_opts) put(b, Bytes{proto, 0, 1, 4, 0, 0, 0, 0});  // PadN of 6
  if (frag) put(b, Bytes{proto, 0, 0, 1, 0, 0, 0, 7});       // offset 0, M=1
  put(b, l4);
  return b;
}

size_t l4_off(const Bytes& p) {
  if (p[0] >> 4 == 4) return (p[0] & 0xfu) * 4u;
  return p[6] == 60 ? 48 : 40;
}
uint8_t proto_of(const Bytes& p) { return p[0] >> 4 == 4 ? p[9] : p[6] == 60 ? p[40] : p[6]; }

// The pseudo-header sum (RFC 768/9293 or RFC 8200 §8.1), naive.
uint32_t pseudo(const Bytes& p, uint8_t proto, size_t l4len) {
  if (p[0] >> 4 == 4) return naive_sum(p.data() + 12, 8) + proto + uint32_t(l4len);
  return naive_sum(p.data() + 8, 32) + uint32_t(l4len >> 16) + uint32_t(l4len & 0xffff) + proto;
}

// Writes what a NEEDS_CSUM sender leaves in the field: the folded pseudo-header sum, uncomplemented.
void set_partial(Bytes& p) {
  const size_t off = l4_off(p);
  const uint8_t proto = proto_of(p);
  wr16(p, off + (proto == 6 ? 16 : 6), fold(pseudo(p, proto, p.size() - off)));
}

// A full TCP/UDP checksum verifies to 0xffff over pseudo-header + L4.
bool l4_checksum_ok(const Bytes& p) {
  const size_t off = l4_off(p);
  const uint8_t proto = proto_of(p);
  const size_t ulen = (p[0] >> 4 == 4 ? rd16(p, 2) : 40u + rd16(p, 4)) - off;
  if (proto == 17 && rd16(p, off + 6) == 0) return false;  // "no checksum" is not a checksum
  return fold(naive_sum(p.data() + off, ulen, pseudo(p, proto, ulen))) == 0xffff;
}
bool ipv4_header_ok(const Bytes& p) { return fold(naive_sum(p.data(), (p[0] & 0xfu) * 4u)) == 0xffff; }

off::VnetHdr vh(uint8_t flags, uint8_t gso, uint16_t hdr_len, uint16_t gso_size, uint16_t cs, uint16_t co) {
  off::VnetHdr h;
  h.flags = flags;
  h.gso_type = gso;
  h.hdr_len = hdr_len;
  h.gso_size = gso_size;
  h.csum_start = cs;
  h.csum_offset = co;
  return h;
}

// A TCP super-packet as the kernel hands it over: partial checksum, csum_start at the L4 header.
Bytes tcp6_super(size_t payload, uint8_t flags = kAck | kPsh) {
  Bytes p = ipv6(V6{}, 6, tcp(1111, 443, 0x01020304, flags, pattern(payload)));
  set_partial(p);
  return p;
}
Bytes tcp4_super(size_t payload, V4 h = V4{}, uint8_t flags = kAck | kPsh) {
  Bytes p = ipv4(h, 6, tcp(443, 2222, 0x01020304, flags, pattern(payload)));
  set_partial(p);
  return p;
}

std::vector<Bytes> split(const Bytes& storage, const std::vector<uint16_t>& lens, size_t n) {
  std::vector<Bytes> r;
  size_t off = 0;
  for (size_t i = 0; i < n; ++i) {
    r.emplace_back(storage.begin() + static_cast<long>(off), storage.begin() + static_cast<long>(off + lens[i]));
    off += lens[i];
  }
  return r;
}

std::vector<Bytes> run_segment(const Bytes& in, const off::VnetHdr& h, size_t max = 64) {
  Bytes storage(in.size() + max * 80, 0xee);
  std::vector<uint16_t> lens(max);
  const size_t n = off::segment(in, h, storage, lens);
  return split(storage, lens, n);
}

V4 from_server() {
  V4 h;
  h.src = kServer4;
  h.dst = kClient4;
  return h;
}

Config cfg1500() {
  Config c;
  c.mtu4 = 1500;
  c.mtu6 = 1500;
  return c;
}

}  // namespace

// ---- parse / store ---------------------------------------------------------------------------

TEST(Offload, ParseStoreRoundTrip) {
  // The legacy header is flags, gso_type, then four 16-bit fields in the host's byte order (TUN
  // without TUNSETVNETLE/BE).
  uint8_t raw[off::kVnetHdrLen] = {0x01, 0x84};
  const uint16_t fields[4] = {0x0048, 0x05a0, 0x0028, 0x0010};
  std::memcpy(raw + 2, fields, sizeof fields);
  const off::VnetHdr h = off::parse(raw);
  EXPECT_EQ(h.flags, off::kFlagNeedsCsum);
  EXPECT_EQ(h.gso_type, off::kGsoTcpV6 | off::kGsoEcn);
  EXPECT_EQ(h.hdr_len, 72);
  EXPECT_EQ(h.gso_size, 1440);
  EXPECT_EQ(h.csum_start, 40);
  EXPECT_EQ(h.csum_offset, 16);
  if constexpr (std::endian::native == std::endian::little) {
    EXPECT_EQ(raw[2], 0x48);
    EXPECT_EQ(raw[3], 0x00);
    EXPECT_EQ(raw[4], 0xa0);
    EXPECT_EQ(raw[5], 0x05);
  }

  uint8_t back[off::kVnetHdrLen + 2];
  std::memset(back, 0xee, sizeof back);
  off::store(h, back);
  EXPECT_EQ(0, std::memcmp(back, raw, off::kVnetHdrLen));
  EXPECT_EQ(back[off::kVnetHdrLen], 0xee);  // exactly 10 bytes written

  const off::VnetHdr g = vh(2, 5, 0xfffe, 0x1234, 0xabcd, 6);
  uint8_t b2[off::kVnetHdrLen];
  off::store(g, b2);
  const off::VnetHdr g2 = off::parse(b2);
  EXPECT_EQ(g2.flags, 2);
  EXPECT_EQ(g2.gso_type, 5);
  EXPECT_EQ(g2.hdr_len, 0xfffe);
  EXPECT_EQ(g2.gso_size, 0x1234);
  EXPECT_EQ(g2.csum_start, 0xabcd);
  EXPECT_EQ(g2.csum_offset, 6);
}

// ---- classify --------------------------------------------------------------------------------

TEST(OffloadClassify, PlainAndFinishChecksum) {
  const Config cfg = cfg1500();
  Bytes p = ipv4(V4{}, 6, tcp(1, 2, 3, kAck, pattern(100)));
  EXPECT_EQ(off::classify(p, off::VnetHdr{}, cfg), off::Path::Plain);
  // DATA_VALID alone changes nothing for a translator.
  EXPECT_EQ(off::classify(p, vh(off::kFlagDataValid, 0, 0, 0, 0, 0), cfg), off::Path::Plain);
  EXPECT_EQ(off::classify(p, vh(off::kFlagNeedsCsum, 0, 40, 0, 20, 16), cfg), off::Path::FinishChecksum);
  // Checksum field outside the packet: inconsistent.
  EXPECT_EQ(off::classify(p, vh(off::kFlagNeedsCsum, 0, 40, 0, 20, 120), cfg), off::Path::Drop);
  EXPECT_EQ(off::classify(p, vh(off::kFlagNeedsCsum, 0, 40, 0, 200, 0), cfg), off::Path::Drop);
  // The last two bytes of the packet are still inside.
  EXPECT_EQ(off::classify(p, vh(off::kFlagNeedsCsum, 0, 40, 0, 20, 118), cfg), off::Path::FinishChecksum);
  // A checksum that starts inside the IP header would overwrite it.
  EXPECT_EQ(off::classify(p, vh(off::kFlagNeedsCsum, 0, 40, 0, 0, 10), cfg), off::Path::Drop);
  EXPECT_EQ(off::classify(p, vh(off::kFlagNeedsCsum, 0, 40, 0, 19, 16), cfg), off::Path::Drop);
  const Bytes p6 = ipv6(V6{}, 17, udp(7, 9, pattern(30)));
  EXPECT_EQ(off::classify(p6, vh(off::kFlagNeedsCsum, 0, 48, 0, 40, 6), cfg), off::Path::FinishChecksum);
  EXPECT_EQ(off::classify(p6, vh(off::kFlagNeedsCsum, 0, 48, 0, 39, 6), cfg), off::Path::Drop);
  EXPECT_EQ(off::classify(p6, vh(off::kFlagNeedsCsum, 0, 48, 0, 8, 0), cfg), off::Path::Drop);
}

TEST(OffloadClassify, TcpV6Super) {
  const Config cfg = cfg1500();
  const Bytes p = tcp6_super(60000);
  // 20 + 20 + 1440 = 1480: over 1260, within mtu4.
  EXPECT_EQ(off::classify(p, vh(1, off::kGsoTcpV6, 60, 1440, 40, 16), cfg), off::Path::Super);
  EXPECT_EQ(off::classify(p, vh(1, off::kGsoTcpV6 | off::kGsoEcn, 60, 1440, 40, 16), cfg), off::Path::Super);
  // hdr_len is a hint: the kernel reports its linear part, which may hold payload.
  EXPECT_EQ(off::classify(p, vh(1, off::kGsoTcpV6, 200, 1440, 40, 16), cfg), off::Path::Super);
  // 1500 exactly fits; 1481 does not.
  EXPECT_EQ(off::classify(p, vh(1, off::kGsoTcpV6, 60, 1460, 40, 16), cfg), off::Path::Super);
  EXPECT_EQ(off::classify(p, vh(1, off::kGsoTcpV6, 60, 1461, 40, 16), cfg), off::Path::Segment);
  // 20 + 20 + 1220 = 1260: RFC 7915 §5.1 wants DF=0 for those.
  EXPECT_EQ(off::classify(p, vh(1, off::kGsoTcpV6, 60, 1220, 40, 16), cfg), off::Path::Segment);
  EXPECT_EQ(off::classify(p, vh(1, off::kGsoTcpV6, 60, 1221, 40, 16), cfg), off::Path::Super);
  // Without a partial checksum there is nothing to hand on: software GSO.
  EXPECT_EQ(off::classify(p, vh(0, off::kGsoTcpV6, 60, 1440, 0, 0), cfg), off::Path::Segment);
  // A larger IPv4 MTU moves the limit.
  Config big = cfg;
  big.mtu4 = 9000;
  EXPECT_EQ(off::classify(p, vh(1, off::kGsoTcpV6, 60, 8000, 40, 16), big), off::Path::Super);
  EXPECT_EQ(off::classify(p, vh(1, off::kGsoTcpV6, 60, 8000, 40, 16), cfg), off::Path::Segment);
}

TEST(OffloadClassify, TcpV6WithExtensionHeaderAndTcpOptions) {
  const Config cfg = cfg1500();
  // 12 bytes of TCP options (a timestamp's worth): 20 + 32 + 1448 = 1500.
  Bytes p = ipv6(V6{}, 6, tcp(1111, 443, 1, kAck, pattern(30000), 3), /*dest_opts=*/true);
  set_partial(p);
  EXPECT_EQ(off::classify(p, vh(1, off::kGsoTcpV6, 80, 1448, 48, 16), cfg), off::Path::Super);
  EXPECT_EQ(off::classify(p, vh(1, off::kGsoTcpV6, 80, 1449, 48, 16), cfg), off::Path::Segment);
  // csum_start must be the TCP header, after the extension header.
  EXPECT_EQ(off::classify(p, vh(1, off::kGsoTcpV6, 80, 1448, 40, 16), cfg), off::Path::Drop);
}

TEST(OffloadClassify, Ipv6TooLargeForIpv4) {
  const Config cfg = cfg1500();
  // Payload Length 65535 = 20 TCP + 65515: the IPv4 translation would be 65555 bytes.
  const Bytes p = tcp6_super(65515);
  ASSERT_EQ(rd16(p, 4), 65535);
  EXPECT_EQ(off::classify(p, vh(1, off::kGsoTcpV6, 60, 1440, 40, 16), cfg), off::Path::Segment);
  const Bytes q = tcp6_super(65495);  // 20 + 20 + 65495 = 65535: fits
  EXPECT_EQ(off::classify(q, vh(1, off::kGsoTcpV6, 60, 1440, 40, 16), cfg), off::Path::Super);
}

TEST(OffloadClassify, TcpV4Super) {
  const Config cfg = cfg1500();
  const Bytes p = tcp4_super(30000);
  // DF=1: 40 + 20 + 1440 = 1500 <= mtu6.
  EXPECT_EQ(off::classify(p, vh(1, off::kGsoTcpV4, 40, 1440, 20, 16), cfg), off::Path::Super);
  EXPECT_EQ(off::classify(p, vh(1, off::kGsoTcpV4, 40, 1460, 20, 16), cfg), off::Path::Segment);
  // DF=0: RFC 7915 §4 would fragment anything over lowest-ipv6-mtu (1280 by default).
  V4 h;
  h.df = false;
  const Bytes q = tcp4_super(30000, h);
  EXPECT_EQ(off::classify(q, vh(1, off::kGsoTcpV4, 40, 1440, 20, 16), cfg), off::Path::Segment);
  EXPECT_EQ(off::classify(q, vh(1, off::kGsoTcpV4, 40, 1220, 20, 16), cfg), off::Path::Super);
  Config c2 = cfg;
  c2.lowest_ipv6_mtu = 1500;
  EXPECT_EQ(off::classify(q, vh(1, off::kGsoTcpV4, 40, 1440, 20, 16), c2), off::Path::Super);
  // IPv4 options are dropped by the translation, so they do not count against mtu6.
  V4 o;
  o.option_words = 2;
  const Bytes r = tcp4_super(30000, o);
  EXPECT_EQ(off::classify(r, vh(1, off::kGsoTcpV4, 48, 1440, 28, 16), cfg), off::Path::Super);
  EXPECT_EQ(off::classify(r, vh(1, off::kGsoTcpV4, 48, 1440, 20, 16), cfg), off::Path::Drop);
}

TEST(OffloadClassify, UdpL4BothFamilies) {
  const Config cfg = cfg1500();
  Bytes u4 = ipv4(V4{}, 17, udp(5000, 53, pattern(14000)));
  set_partial(u4);
  Bytes u6 = ipv6(V6{}, 17, udp(5000, 53, pattern(14000)));
  set_partial(u6);
  EXPECT_EQ(off::classify(u4, vh(1, off::kGsoUdpL4, 28, 1400, 20, 6), cfg), off::Path::Super);
  EXPECT_EQ(off::classify(u6, vh(1, off::kGsoUdpL4, 48, 1400, 40, 6), cfg), off::Path::Super);
  // csum_offset must be UDP's.
  EXPECT_EQ(off::classify(u4, vh(1, off::kGsoUdpL4, 28, 1400, 20, 16), cfg), off::Path::Drop);
  // More than 64 datagrams: the kernel refuses such a UDP GSO packet.
  EXPECT_EQ(off::classify(u6, vh(1, off::kGsoUdpL4, 48, 218, 40, 6), cfg), off::Path::Segment);
  // UDP Length not the whole datagram: the kernel's per-segment checksum would come out wrong.
  Bytes bad = ipv6(V6{}, 17, udp(5000, 53, pattern(14000), 1408));
  set_partial(bad);
  EXPECT_EQ(off::classify(bad, vh(1, off::kGsoUdpL4, 48, 1400, 40, 6), cfg), off::Path::Segment);
}

TEST(OffloadClassify, SmallPacketWithGsoIsOneSegment) {
  const Config cfg = cfg1500();
  // Payload 1000 <= gso_size: not really a GSO packet (as the kernel says); its partial checksum is
  // completed and it is translated as any packet.
  const Bytes p = tcp6_super(1000);
  EXPECT_EQ(off::classify(p, vh(1, off::kGsoTcpV6, 60, 1440, 40, 16), cfg), off::Path::FinishChecksum);
  EXPECT_EQ(off::classify(p, vh(0, off::kGsoTcpV6, 60, 1440, 0, 0), cfg), off::Path::Plain);
}

TEST(OffloadClassify, InconsistentMetadataIsDropped) {
  const Config cfg = cfg1500();
  const Bytes t6 = tcp6_super(20000);
  const Bytes t4 = tcp4_super(20000);
  Bytes u6 = ipv6(V6{}, 17, udp(1, 2, pattern(20000)));
  set_partial(u6);
  // gso_type against the IP version and protocol.
  EXPECT_EQ(off::classify(t6, vh(1, off::kGsoTcpV4, 60, 1440, 40, 16), cfg), off::Path::Drop);
  EXPECT_EQ(off::classify(t4, vh(1, off::kGsoTcpV6, 40, 1440, 20, 16), cfg), off::Path::Drop);
  EXPECT_EQ(off::classify(t6, vh(1, off::kGsoUdpL4, 60, 1440, 40, 6), cfg), off::Path::Drop);
  EXPECT_EQ(off::classify(u6, vh(1, off::kGsoTcpV6, 48, 1400, 40, 16), cfg), off::Path::Drop);
  // UFO (never offered to the kernel) and unknown types.
  EXPECT_EQ(off::classify(u6, vh(1, off::kGsoUdp, 48, 1400, 40, 6), cfg), off::Path::Drop);
  EXPECT_EQ(off::classify(t6, vh(1, 2, 60, 1440, 40, 16), cfg), off::Path::Drop);
  EXPECT_EQ(off::classify(t6, vh(1, 6, 60, 1440, 40, 16), cfg), off::Path::Drop);
  // gso_size 0, csum_start / csum_offset not the TCP checksum, hdr_len beyond the packet.
  EXPECT_EQ(off::classify(t6, vh(1, off::kGsoTcpV6, 60, 0, 40, 16), cfg), off::Path::Drop);
  EXPECT_EQ(off::classify(t6, vh(1, off::kGsoTcpV6, 60, 1440, 44, 16), cfg), off::Path::Drop);
  EXPECT_EQ(off::classify(t6, vh(1, off::kGsoTcpV6, 60, 1440, 40, 6), cfg), off::Path::Drop);
  EXPECT_EQ(off::classify(t6, vh(1, off::kGsoTcpV6, 60000, 1440, 40, 16), cfg), off::Path::Drop);
  // Fragments cannot be segmented.
  V4 f;
  f.df = false;
  f.mf = true;
  const Bytes frag4 = tcp4_super(20000, f);
  EXPECT_EQ(off::classify(frag4, vh(1, off::kGsoTcpV4, 40, 1220, 20, 16), cfg), off::Path::Drop);
  const Bytes frag6 = ipv6(V6{}, 6, tcp(1, 2, 3, kAck, pattern(20000)), false, /*frag=*/true);
  EXPECT_EQ(off::classify(frag6, vh(1, off::kGsoTcpV6, 68, 1440, 48, 16), cfg), off::Path::Drop);
  // Truncated packets and non-TCP/UDP.
  const Bytes cut(t6.begin(), t6.begin() + 50);
  EXPECT_EQ(off::classify(cut, vh(1, off::kGsoTcpV6, 50, 1440, 40, 16), cfg), off::Path::Drop);
  EXPECT_EQ(off::classify(Bytes{}, vh(1, off::kGsoTcpV6, 0, 1440, 40, 16), cfg), off::Path::Drop);
  Bytes icmp = ipv6(V6{}, 58, pattern(3000));
  EXPECT_EQ(off::classify(icmp, vh(1, off::kGsoTcpV6, 48, 1400, 40, 2), cfg), off::Path::Drop);
  // TCP Data Offset beyond the packet.
  Bytes doff = tcp6_super(4);
  doff[40 + 12] = 0xf0;
  EXPECT_EQ(off::classify(doff, vh(1, off::kGsoTcpV6, 60, 1, 40, 16), cfg), off::Path::Drop);
}

// ---- finish_checksum -------------------------------------------------------------------------

TEST(OffloadFinishChecksum, TcpIpv4) {
  Bytes p = ipv4(V4{}, 6, tcp(1, 2, 3, kAck, pattern(777)));
  set_partial(p);
  const Bytes before = p;
  ASSERT_TRUE(off::finish_checksum(p, vh(1, 0, 0, 0, 20, 16)));
  EXPECT_TRUE(l4_checksum_ok(p));
  // The expected value, from scratch: ~(pseudo + header with field 0 + data).
  Bytes z = before;
  wr16(z, 36, 0);
  EXPECT_EQ(rd16(p, 36),
            static_cast<uint16_t>(~fold(naive_sum(z.data() + 20, z.size() - 20, pseudo(z, 6, z.size() - 20)))));
  // Nothing else changed.
  wr16(p, 36, 0);
  EXPECT_EQ(p, z);
}

TEST(OffloadFinishChecksum, UdpIpv6ZeroBecomesAllOnes) {
  Bytes p = ipv6(V6{}, 17, udp(7, 9, Bytes(10, 0)));
  set_partial(p);
  // Choose the first two data bytes so that the complete sum is 0xffff (checksum 0).
  const uint16_t s = fold(naive_sum(p.data() + 40, p.size() - 40));
  const uint16_t w = static_cast<uint16_t>(0xffff - s);
  wr16(p, 48, w);
  ASSERT_EQ(fold(naive_sum(p.data() + 40, p.size() - 40)), 0xffff);
  ASSERT_TRUE(off::finish_checksum(p, vh(1, 0, 0, 0, 40, 6)));
  EXPECT_EQ(rd16(p, 46), 0xffff);
  EXPECT_TRUE(l4_checksum_ok(p));
}

TEST(OffloadFinishChecksum, OutOfBoundsLeavesPacketAlone) {
  Bytes p = ipv4(V4{}, 17, udp(7, 9, pattern(3)));
  const Bytes before = p;
  EXPECT_FALSE(off::finish_checksum(p, vh(1, 0, 0, 0, 20, 10)));
  EXPECT_FALSE(off::finish_checksum(p, vh(1, 0, 0, 0, 400, 0)));
  EXPECT_FALSE(off::finish_checksum(std::span<uint8_t>{}, vh(1, 0, 0, 0, 0, 0)));
  // Inside the IP header (the IPv4 header checksum field, or the source address).
  EXPECT_FALSE(off::finish_checksum(p, vh(1, 0, 0, 0, 0, 10)));
  EXPECT_FALSE(off::finish_checksum(p, vh(1, 0, 0, 0, 12, 0)));
  EXPECT_EQ(p, before);
  // Link-layer padding after Total Length is not summed, and the field may not lie in it.
  Bytes padded = ipv4(V4{}, 17, udp(7, 9, pattern(3)));
  set_partial(padded);
  padded.push_back(0x77);
  padded.push_back(0x77);
  ASSERT_TRUE(off::finish_checksum(padded, vh(1, 0, 0, 0, 20, 6)));
  padded.resize(padded.size() - 2);
  EXPECT_TRUE(l4_checksum_ok(padded));
}

// ---- after_translation -----------------------------------------------------------------------

TEST(OffloadAfterTranslation, TcpV6ToV4) {
  // What ipv6_to_ipv4 produces from a super-packet: IPv4 + TCP, the checksum field incrementally
  // updated from the IPv6 partial sum (no longer meaningful).
  Bytes out = ipv4(V4{}, 6, tcp(2222, 443, 5, kAck, pattern(5000), 3));
  wr16(out, 36, 0xbeef);
  off::VnetHdr in = vh(off::kFlagNeedsCsum, off::kGsoTcpV6 | off::kGsoEcn, 72, 1428, 40, 16);
  off::VnetHdr o;
  ASSERT_TRUE(off::after_translation(in, out, o));
  EXPECT_EQ(o.flags, off::kFlagNeedsCsum);
  EXPECT_EQ(o.gso_type, off::kGsoTcpV4 | off::kGsoEcn);
  EXPECT_EQ(o.gso_size, 1428);
  EXPECT_EQ(o.csum_start, 20);
  EXPECT_EQ(o.csum_offset, 16);
  EXPECT_EQ(o.hdr_len, 52);  // 72 - 40 + 20
  // The new pseudo-header: 198.51.100.5, 192.0.2.1, 0, 6, TCP length 5032, written out by hand.
  const uint32_t ph = 0xc633 + 0x6405 + 0xc000 + 0x0201 + 6 + 5032;
  EXPECT_EQ(rd16(out, 36), fold(ph));
  EXPECT_EQ(rd16(out, 36), fold(pseudo(out, 6, out.size() - 20)));
}

TEST(OffloadAfterTranslation, TcpV4ToV6) {
  Bytes out = ipv6(V6{}, 6, tcp(443, 1111, 5, kAck, pattern(3000)));
  off::VnetHdr o;
  // The IPv4 input had 8 bytes of options: csum_start 28, hdr_len 48.
  ASSERT_TRUE(off::after_translation(vh(1, off::kGsoTcpV4, 48, 1440, 28, 16), out, o));
  EXPECT_EQ(o.flags, off::kFlagNeedsCsum);
  EXPECT_EQ(o.gso_type, off::kGsoTcpV6);
  EXPECT_EQ(o.gso_size, 1440);
  EXPECT_EQ(o.csum_start, 40);
  EXPECT_EQ(o.csum_offset, 16);
  EXPECT_EQ(o.hdr_len, 60);
  uint32_t ph = 0;
  for (size_t i = 0; i < 16; i += 2) ph += uint32_t(kClient6[i] << 8 | kClient6[i + 1]);
  for (size_t i = 0; i < 16; i += 2) ph += uint32_t(kServer6[i] << 8 | kServer6[i + 1]);
  ph += 3020 + 6;
  EXPECT_EQ(rd16(out, 56), fold(ph));
}

TEST(OffloadAfterTranslation, UdpL4BothWays) {
  Bytes out4 = ipv4(V4{}, 17, udp(5000, 53, pattern(4000)));
  off::VnetHdr o;
  ASSERT_TRUE(off::after_translation(vh(1, off::kGsoUdpL4, 48, 1400, 40, 6), out4, o));
  EXPECT_EQ(o.gso_type, off::kGsoUdpL4);
  EXPECT_EQ(o.csum_start, 20);
  EXPECT_EQ(o.csum_offset, 6);
  EXPECT_EQ(o.hdr_len, 28);
  EXPECT_EQ(o.gso_size, 1400);
  EXPECT_EQ(o.flags, off::kFlagNeedsCsum);
  EXPECT_EQ(rd16(out4, 26), fold(0xc633 + 0x6405 + 0xc000 + 0x0201 + 17 + 4008));

  Bytes out6 = ipv6(V6{}, 17, udp(5000, 53, pattern(4000)));
  ASSERT_TRUE(off::after_translation(vh(1, off::kGsoUdpL4, 28, 1400, 20, 6), out6, o));
  EXPECT_EQ(o.gso_type, off::kGsoUdpL4);
  EXPECT_EQ(o.csum_start, 40);
  EXPECT_EQ(o.hdr_len, 48);
  EXPECT_EQ(rd16(out6, 46), fold(pseudo(out6, 17, 4008)));
}

TEST(OffloadAfterTranslation, HairpinnedStaysInFamily) {
  // RFC 7757 §4 / RFC 6146 §3.8: an IPv6 super-packet comes out as IPv6 again.
  Bytes out = ipv6(V6{}, 6, tcp(1, 2, 3, kAck, pattern(3000)));
  off::VnetHdr o;
  ASSERT_TRUE(off::after_translation(vh(1, off::kGsoTcpV6, 60, 1440, 40, 16), out, o));
  EXPECT_EQ(o.gso_type, off::kGsoTcpV6);
  EXPECT_EQ(o.csum_start, 40);
  EXPECT_EQ(o.hdr_len, 60);
  EXPECT_EQ(rd16(out, 56), fold(pseudo(out, 6, 3020)));
}

TEST(OffloadAfterTranslation, IcmpErrorGoesOutPlain) {
  Bytes err = ipv4(V4{}, 1, Bytes{11, 0, 0, 0, 0, 0, 0, 0});
  const Bytes before = err;
  off::VnetHdr o = vh(9, 9, 9, 9, 9, 9);
  ASSERT_TRUE(off::after_translation(vh(1, off::kGsoTcpV6, 60, 1440, 40, 16), err, o));
  EXPECT_EQ(o.flags, 0);
  EXPECT_EQ(o.gso_type, off::kGsoNone);
  EXPECT_EQ(o.gso_size, 0);
  EXPECT_EQ(o.csum_start, 0);
  EXPECT_EQ(o.hdr_len, 0);
  EXPECT_EQ(err, before);
}

TEST(OffloadAfterTranslation, UnexpectedShapes) {
  off::VnetHdr o;
  const off::VnetHdr tcp_in = vh(1, off::kGsoTcpV6, 60, 1440, 40, 16);
  Bytes u = ipv4(V4{}, 17, udp(1, 2, pattern(100)));
  EXPECT_FALSE(off::after_translation(tcp_in, u, o));  // protocol changed
  Bytes gre = ipv4(V4{}, 47, pattern(100));
  EXPECT_FALSE(off::after_translation(tcp_in, gre, o));
  Bytes t = ipv4(V4{}, 6, tcp(1, 2, 3, kAck, {}));
  t.resize(30);
  wr16(t, 2, 30);
  EXPECT_FALSE(off::after_translation(tcp_in, t, o));  // TCP header cut short
  V4 f;
  f.df = false;
  f.mf = true;
  Bytes frag = ipv4(f, 6, tcp(1, 2, 3, kAck, pattern(100)));
  EXPECT_FALSE(off::after_translation(tcp_in, frag, o));
  EXPECT_FALSE(off::after_translation(tcp_in, std::span<uint8_t>{}, o));
  Bytes ok = ipv4(V4{}, 6, tcp(1, 2, 3, kAck, pattern(100)));
  EXPECT_FALSE(off::after_translation(vh(1, off::kGsoNone, 0, 0, 0, 0), ok, o));
  EXPECT_FALSE(off::after_translation(vh(1, off::kGsoUdp, 0, 0, 0, 0), ok, o));
}

// ---- segment ---------------------------------------------------------------------------------

TEST(OffloadSegment, TcpIpv4SequenceFlagsIdsChecksums) {
  V4 h;
  h.id = 0xfffe;  // wraps
  Bytes p = ipv4(h, 6, tcp(443, 2222, 0xfffffc00, kCwr | kAck | kPsh | kFin, pattern(2500)));
  set_partial(p);
  const auto segs = run_segment(p, vh(1, off::kGsoTcpV4, 40, 1000, 20, 16));
  ASSERT_EQ(segs.size(), 3u);
  const uint16_t want_len[] = {1040, 1040, 540};
  const uint16_t want_id[] = {0xfffe, 0xffff, 0x0000};
  const uint32_t want_seq[] = {0xfffffc00, 0xfffffc00 + 1000, 0xfffffc00 + 2000};  // wraps too
  const uint8_t want_flags[] = {kCwr | kAck, kAck, kAck | kPsh | kFin};
  for (size_t i = 0; i < 3; ++i) {
    const Bytes& s = segs[i];
    SCOPED_TRACE(i);
    ASSERT_EQ(s.size(), want_len[i]);
    EXPECT_EQ(rd16(s, 2), want_len[i]);
    EXPECT_EQ(rd16(s, 4), want_id[i]);
    EXPECT_EQ(rd16(s, 6), 0x4000);
    EXPECT_EQ(s[8], 64);
    EXPECT_TRUE(ipv4_header_ok(s));
    EXPECT_EQ(rd16(s, 20), 443);
    EXPECT_EQ(rd16(s, 22), 2222);
    EXPECT_EQ(rd32(s, 24), want_seq[i]);
    EXPECT_EQ(rd32(s, 28), 0x0a0b0c0du);
    EXPECT_EQ(s[33], want_flags[i]);
    EXPECT_EQ(rd16(s, 34), 0xfff0);
    EXPECT_TRUE(l4_checksum_ok(s));
    EXPECT_TRUE(std::equal(s.begin() + 40, s.end(), p.begin() + 40 + static_cast<long>(i * 1000)));
  }
}

TEST(OffloadSegment, TcpIpv6WithOptionsAndExtensionHeader) {
  Bytes p = ipv6(V6{}, 6, tcp(1111, 443, 7, kAck, pattern(4000), 3), /*dest_opts=*/true);
  // A complete (not partial) checksum in the field: it is recomputed all the same.
  wr16(p, 48 + 16, 0x1234);
  const auto segs = run_segment(p, vh(0, off::kGsoTcpV6, 80, 1448, 0, 0));
  ASSERT_EQ(segs.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    const Bytes& s = segs[i];
    SCOPED_TRACE(i);
    const size_t len = i < 2 ? 1448 : 4000 - 2 * 1448;
    ASSERT_EQ(s.size(), 48 + 32 + len);
    EXPECT_EQ(rd16(s, 4), 8 + 32 + len);  // Payload Length includes the extension header
    EXPECT_EQ(s[6], 60);
    EXPECT_TRUE(std::equal(s.begin(), s.begin() + 4, p.begin()));
    EXPECT_TRUE(std::equal(s.begin() + 6, s.begin() + 48, p.begin() + 6));                 // addresses, ext header
    EXPECT_TRUE(std::equal(s.begin() + 48 + 8, s.begin() + 48 + 16, p.begin() + 48 + 8));  // ack..window
    EXPECT_TRUE(std::equal(s.begin() + 48 + 18, s.begin() + 80, p.begin() + 48 + 18));     // urg, options
    EXPECT_EQ(rd32(s, 48 + 4), 7 + i * 1448);
    EXPECT_TRUE(l4_checksum_ok(s));
    EXPECT_TRUE(std::equal(s.begin() + 80, s.end(), p.begin() + 80 + static_cast<long>(i * 1448)));
  }
}

TEST(OffloadSegment, UdpIpv6AndIpv4) {
  Bytes p6 = ipv6(V6{}, 17, udp(5000, 53, pattern(3000)));
  set_partial(p6);
  auto segs = run_segment(p6, vh(1, off::kGsoUdpL4, 48, 1200, 40, 6));
  ASSERT_EQ(segs.size(), 3u);
  const uint16_t want[] = {1208, 1208, 608};
  for (size_t i = 0; i < 3; ++i) {
    const Bytes& s = segs[i];
    SCOPED_TRACE(i);
    ASSERT_EQ(s.size(), 40u + want[i]);
    EXPECT_EQ(rd16(s, 4), want[i]);
    EXPECT_EQ(rd16(s, 40), 5000);
    EXPECT_EQ(rd16(s, 42), 53);
    EXPECT_EQ(rd16(s, 44), want[i]);  // each datagram its own UDP Length
    EXPECT_TRUE(l4_checksum_ok(s));
    EXPECT_TRUE(std::equal(s.begin() + 48, s.end(), p6.begin() + 48 + static_cast<long>(i * 1200)));
  }

  V4 h;
  h.id = 100;
  Bytes p4 = ipv4(h, 17, udp(5000, 53, pattern(2401)));  // odd sizes: 1200, 1200, 1
  set_partial(p4);
  segs = run_segment(p4, vh(1, off::kGsoUdpL4, 28, 1200, 20, 6));
  ASSERT_EQ(segs.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    const Bytes& s = segs[i];
    SCOPED_TRACE(i);
    const size_t len = i < 2 ? 1200 : 1;
    ASSERT_EQ(s.size(), 28 + len);
    EXPECT_EQ(rd16(s, 2), 28 + len);
    EXPECT_EQ(rd16(s, 4), 100 + i);
    EXPECT_TRUE(ipv4_header_ok(s));
    EXPECT_EQ(rd16(s, 24), 8 + len);
    EXPECT_TRUE(l4_checksum_ok(s));
  }
}

TEST(OffloadSegment, LimitsAndMalformed) {
  Bytes p = tcp6_super(5000);
  const off::VnetHdr h = vh(1, off::kGsoTcpV6, 60, 1000, 40, 16);
  Bytes storage(10000);
  std::vector<uint16_t> lens(5);
  EXPECT_EQ(off::segment(p, h, storage, lens), 5u);
  EXPECT_EQ(off::segment(p, h, storage, std::span<uint16_t>(lens).first(4)), 0u);  // too many packets
  // Exactly enough bytes: 5 * 60 + 5000.
  EXPECT_EQ(off::segment(p, h, std::span<uint8_t>(storage).first(5300), lens), 5u);
  EXPECT_EQ(off::segment(p, h, std::span<uint8_t>(storage).first(5299), lens), 0u);
  EXPECT_EQ(off::segment(p, vh(1, off::kGsoTcpV6, 60, 0, 40, 16), storage, lens), 0u);
  EXPECT_EQ(off::segment(p, vh(1, off::kGsoUdpL4, 60, 1000, 40, 6), storage, lens), 0u);
  EXPECT_EQ(off::segment(p, vh(1, off::kGsoNone, 60, 1000, 40, 16), storage, lens), 0u);
  const Bytes cut(p.begin(), p.begin() + 45);
  EXPECT_EQ(off::segment(cut, h, storage, lens), 0u);
  Bytes icmp = ipv6(V6{}, 58, pattern(3000));
  EXPECT_EQ(off::segment(icmp, h, storage, lens), 0u);
  // A single segment is still a complete packet.
  const Bytes small = tcp6_super(10);
  const auto one = run_segment(small, h);
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].size(), small.size());
  EXPECT_TRUE(l4_checksum_ok(one[0]));
}

// ---- end to end: super-packet -> translation -> header fix-up -> the kernel's segmentation ------

namespace {

// 2001:db8:1::5 <-> 198.51.100.5 with port 1111 <-> 2222 (as a NAT64 session would), and
// 2001:db8:64::/96 <-> the embedded IPv4 address.
class E2eMapper : public sixfour::xlat::Mapper {
 public:
  sixfour::xlat::MapStatus map_6to4(const sixfour::xlat::Flow6& in, sixfour::xlat::Part,
                                    sixfour::xlat::Flow4& out) override {
    if (in.src.b != kClient6 || !std::equal(kServer6.begin(), kServer6.begin() + 12, in.dst.b.begin()))
      return sixfour::xlat::MapStatus::DstUntranslatable;
    out.src.b = kClient4;
    std::copy(in.dst.b.begin() + 12, in.dst.b.end(), out.dst.b.begin());
    out.sport = in.sport == 1111 ? 2222 : in.sport;
    out.dport = in.dport;
    return sixfour::xlat::MapStatus::Ok;
  }
  sixfour::xlat::MapStatus map_4to6(const sixfour::xlat::Flow4& in, sixfour::xlat::Part,
                                    sixfour::xlat::Flow6& out) override {
    if (in.dst.b != kClient4) return sixfour::xlat::MapStatus::DstUntranslatable;
    out.dst.b = kClient6;
    out.src.b = kServer6;
    std::copy(in.src.b.begin(), in.src.b.end(), out.src.b.begin() + 12);
    out.sport = in.sport;
    out.dport = in.dport == 2222 ? 1111 : in.dport;
    return sixfour::xlat::MapStatus::Ok;
  }
};

}  // namespace

TEST(OffloadEndToEnd, TcpV6SuperToIpv4Segments) {
  const Config cfg = cfg1500();
  const size_t payload = 10000;
  const Bytes in = tcp6_super(payload, kAck | kPsh);
  const off::VnetHdr ih = vh(1, off::kGsoTcpV6, 60, 1440, 40, 16);
  ASSERT_EQ(off::classify(in, ih, cfg), off::Path::Super);

  E2eMapper m;
  Bytes storage(in.size() + 4096);
  sixfour::xlat::Output out;
  out.data = storage;
  out.super_packet = true;
  sixfour::xlat::ipv6_to_ipv4(in, cfg, m, out);
  ASSERT_EQ(out.outcome, Outcome::Forward);
  ASSERT_EQ(out.count, 1);
  auto pkt = out.packet(0);
  ASSERT_EQ(pkt.size(), 20 + 20 + payload);
  EXPECT_EQ(pkt[6] & 0x40, 0x40);  // DF

  off::VnetHdr oh;
  ASSERT_TRUE(off::after_translation(ih, pkt, oh));
  EXPECT_EQ(oh.gso_type, off::kGsoTcpV4);
  EXPECT_EQ(oh.csum_start, 20);
  EXPECT_EQ(oh.hdr_len, 40);
  EXPECT_EQ(oh.gso_size, 1440);
  const Bytes v4(pkt.begin(), pkt.end());

  // Completing the partial sum over the whole super-packet gives a valid checksum: the field was
  // the pseudo-header sum over the full length.
  Bytes whole = v4;
  ASSERT_TRUE(off::finish_checksum(whole, oh));
  EXPECT_TRUE(l4_checksum_ok(whole));

  const auto segs = run_segment(v4, oh);
  ASSERT_EQ(segs.size(), 7u);  // 6 x 1440 + 1360
  for (size_t i = 0; i < segs.size(); ++i) {
    const Bytes& s = segs[i];
    SCOPED_TRACE(i);
    const size_t len = i < 6 ? 1440 : payload - 6 * 1440;
    ASSERT_EQ(s.size(), 40 + len);
    EXPECT_TRUE(ipv4_header_ok(s));
    EXPECT_EQ(rd16(s, 6), 0x4000);
    EXPECT_EQ(rd16(s, 4), static_cast<uint16_t>(rd16(v4, 4) + i));
    EXPECT_EQ(rd16(s, 20), 2222);
    EXPECT_EQ(rd16(s, 22), 443);
    EXPECT_EQ(rd32(s, 24), 0x01020304u + i * 1440);
    EXPECT_EQ(s[33], i < 6 ? kAck : kAck | kPsh);
    EXPECT_TRUE(l4_checksum_ok(s));
    EXPECT_TRUE(std::equal(s.begin() + 40, s.end(), in.begin() + 60 + static_cast<long>(i * 1440)));
  }
}

TEST(OffloadEndToEnd, TcpV4SuperToIpv6Segments) {
  const Config cfg = cfg1500();
  const size_t payload = 20000;
  const Bytes in = tcp4_super(payload, from_server(), kAck | kFin);
  const off::VnetHdr ih = vh(1, off::kGsoTcpV4, 40, 1440, 20, 16);
  ASSERT_EQ(off::classify(in, ih, cfg), off::Path::Super);

  E2eMapper m;
  Bytes storage(in.size() + 4096);
  sixfour::xlat::Output out;
  out.data = storage;
  out.super_packet = true;
  sixfour::xlat::ipv4_to_ipv6(in, cfg, m, out);
  ASSERT_EQ(out.outcome, Outcome::Forward);
  ASSERT_EQ(out.count, 1);
  auto pkt = out.packet(0);
  ASSERT_EQ(pkt.size(), 40 + 20 + payload);
  EXPECT_EQ(pkt[6], 6);  // no Fragment header

  off::VnetHdr oh;
  ASSERT_TRUE(off::after_translation(ih, pkt, oh));
  EXPECT_EQ(oh.gso_type, off::kGsoTcpV6);
  EXPECT_EQ(oh.csum_start, 40);
  EXPECT_EQ(oh.hdr_len, 60);
  const Bytes v6(pkt.begin(), pkt.end());
  Bytes whole = v6;
  ASSERT_TRUE(off::finish_checksum(whole, oh));
  EXPECT_TRUE(l4_checksum_ok(whole));

  const auto segs = run_segment(v6, oh);
  ASSERT_EQ(segs.size(), 14u);  // 13 x 1440 + 1280
  for (size_t i = 0; i < segs.size(); ++i) {
    const Bytes& s = segs[i];
    SCOPED_TRACE(i);
    const size_t len = i < 13 ? 1440 : payload - 13 * 1440;
    ASSERT_EQ(s.size(), 60 + len);
    EXPECT_EQ(rd16(s, 4), 20 + len);
    EXPECT_EQ(s[7], 63);
    EXPECT_EQ(rd16(s, 40), 443);
    EXPECT_EQ(rd16(s, 42), 1111);
    EXPECT_EQ(rd32(s, 44), 0x01020304u + i * 1440);
    EXPECT_EQ(s[53], i < 13 ? kAck : kAck | kFin);
    EXPECT_TRUE(l4_checksum_ok(s));
  }
}

TEST(OffloadEndToEnd, UdpL4BothWays) {
  const Config cfg = cfg1500();
  E2eMapper m;
  // IPv6 -> IPv4.
  Bytes in6 = ipv6(V6{}, 17, udp(1111, 53, pattern(9000)));
  set_partial(in6);
  const off::VnetHdr h6 = vh(1, off::kGsoUdpL4, 48, 1400, 40, 6);
  ASSERT_EQ(off::classify(in6, h6, cfg), off::Path::Super);
  Bytes storage(in6.size() + 4096);
  sixfour::xlat::Output out;
  out.data = storage;
  out.super_packet = true;
  sixfour::xlat::ipv6_to_ipv4(in6, cfg, m, out);
  ASSERT_EQ(out.outcome, Outcome::Forward);
  off::VnetHdr oh;
  ASSERT_TRUE(off::after_translation(h6, out.packet(0), oh));
  const Bytes v4(out.packet(0).begin(), out.packet(0).end());
  auto segs = run_segment(v4, oh);
  ASSERT_EQ(segs.size(), 7u);
  for (const Bytes& s : segs) {
    EXPECT_EQ(rd16(s, 20), 2222);
    EXPECT_TRUE(ipv4_header_ok(s));
    EXPECT_TRUE(l4_checksum_ok(s));
  }
  // IPv4 -> IPv6.
  Bytes in4 = ipv4(from_server(), 17, udp(53, 2222, pattern(9000)));
  set_partial(in4);
  const off::VnetHdr h4 = vh(1, off::kGsoUdpL4, 28, 1400, 20, 6);
  ASSERT_EQ(off::classify(in4, h4, cfg), off::Path::Super);
  out = {};
  out.data = storage;
  out.super_packet = true;
  sixfour::xlat::ipv4_to_ipv6(in4, cfg, m, out);
  ASSERT_EQ(out.outcome, Outcome::Forward);
  ASSERT_TRUE(off::after_translation(h4, out.packet(0), oh));
  const Bytes v6(out.packet(0).begin(), out.packet(0).end());
  segs = run_segment(v6, oh);
  ASSERT_EQ(segs.size(), 7u);
  for (const Bytes& s : segs) {
    EXPECT_EQ(rd16(s, 42), 1111);
    EXPECT_TRUE(l4_checksum_ok(s));
  }
}

// Malformed input never reads or writes outside the buffers (checked under ASan/UBSan): every
// truncation and a sweep of single-byte corruptions of the headers, through every function.
TEST(OffloadRobustness, TruncatedAndCorruptedPackets) {
  const Config cfg = cfg1500();
  std::vector<std::pair<Bytes, off::VnetHdr>> seeds;
  seeds.emplace_back(tcp6_super(3000), vh(1, off::kGsoTcpV6, 60, 1300, 40, 16));
  seeds.emplace_back(tcp4_super(3000), vh(1, off::kGsoTcpV4, 40, 1300, 20, 16));
  Bytes u = ipv6(V6{}, 17, udp(1, 2, pattern(3000)), /*dest_opts=*/true);
  set_partial(u);
  seeds.emplace_back(u, vh(1, off::kGsoUdpL4, 56, 1300, 48, 6));
  Bytes storage(16384);
  std::vector<uint16_t> lens(64);
  for (const auto& [seed, h] : seeds) {
    for (size_t cut = 0; cut <= seed.size(); cut += (cut < 100 ? 1 : 97)) {
      Bytes p(seed.begin(), seed.begin() + static_cast<long>(cut));
      const off::Path path = off::classify(p, h, cfg);
      if (cut < seed.size()) {
        EXPECT_NE(path, off::Path::Super) << cut;
      }
      (void)off::segment(p, h, storage, lens);
      off::VnetHdr o;
      (void)off::after_translation(h, p, o);
      (void)off::finish_checksum(p, h);
    }
    for (size_t at = 0; at < 80; ++at) {
      for (uint8_t v : {uint8_t{0x00}, uint8_t{0x0f}, uint8_t{0x44}, uint8_t{0x60}, uint8_t{0xff}}) {
        Bytes p = seed;
        p[at] = v;
        (void)off::classify(p, h, cfg);
        const size_t n = off::segment(p, h, storage, lens);
        size_t sum = 0;
        for (size_t i = 0; i < n; ++i) sum += lens[i];
        EXPECT_LE(sum, storage.size());
        off::VnetHdr o;
        (void)off::after_translation(h, p, o);
        (void)off::finish_checksum(p, h);
      }
    }
    // Header fields at their extremes.
    for (uint16_t x : {uint16_t{0}, uint16_t{1}, uint16_t{7}, uint16_t{0x7fff}, uint16_t{0xffff}}) {
      for (int f = 0; f < 4; ++f) {
        off::VnetHdr g = h;
        (f == 0 ? g.hdr_len : f == 1 ? g.gso_size : f == 2 ? g.csum_start : g.csum_offset) = x;
        Bytes p = seed;
        (void)off::classify(p, g, cfg);
        (void)off::segment(p, g, storage, lens);
        off::VnetHdr o;
        (void)off::after_translation(g, p, o);
        (void)off::finish_checksum(p, g);
      }
    }
  }
}
