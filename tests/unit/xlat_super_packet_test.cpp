// xlat::Output::super_packet: a GSO super-packet (xlat/offload.hpp) is translated as one packet. The
// MTU checks, DF-by-size (RFC 7915 §5.1) and fragmentation (RFC 7915 §4) are skipped — the segments
// the kernel cuts it into are what reach the wire, and offload::classify() checked those — while
// everything else (TTL, Time Exceeded, address mapping, NAT64 state, hairpinning) is unchanged.
#include <gtest/gtest.h>

#include "common/bytes.hpp"
#include "common/checksum.hpp"
#include "ipv4_to_ipv6_fixture.hpp"
#include "nat64_fixture.hpp"
#include "addr/rfc6052.hpp"
#include "siit/translator.hpp"
#include "xlat/ipv4_to_ipv6.hpp"
#include "xlat/ipv6_to_ipv4.hpp"
#include "xlat/offload.hpp"

using sixfour::xlat::DropReason;
using sixfour::xlat::Outcome;
namespace off = sixfour::xlat::offload;

namespace {

using Bytes = std::vector<uint8_t>;

// What a NEEDS_CSUM sender leaves in the TCP/UDP checksum field: the folded pseudo-header sum.
void set_partial6(Bytes& p) {
  const uint8_t proto = p[6];
  const size_t ulen = p.size() - 40;
  const uint32_t s = sixfour::checksum::pseudo_header6(p.data() + 8, p.data() + 24, proto, static_cast<uint32_t>(ulen));
  pb6::wr16(p, 40 + (proto == 6 ? 16 : 6), sixfour::checksum::fold(s));
}
void set_partial4(Bytes& p) {
  const uint8_t proto = p[9];
  const size_t ulen = p.size() - 20;
  const uint32_t s =
      sixfour::checksum::pseudo_header4(p.data() + 12, p.data() + 16, proto, static_cast<uint16_t>(ulen));
  pb6::wr16(p, 20 + (proto == 6 ? 16 : 6), sixfour::checksum::fold(s));
}

// An IPv6 TCP super-packet of `total` bytes from the pb6 test client 2001:db8:1::5 port 1111.
Bytes tcp6_super(size_t total, uint8_t hlim = 64, const char* src = "2001:db8:1::5",
                 const char* dst = "2001:db8:64::c000:201", uint16_t sport = 1111, uint16_t dport = 443) {
  pb6::Ip6 h;
  h.hlim = hlim;
  h.src = src;
  h.dst = dst;
  Bytes p = pb6::ipv6(h, 6, pb6::tcp(sport, dport, pb6::pattern(total - 60)));
  set_partial6(p);
  return p;
}

// An IPv4 TCP super-packet of `total` bytes, 198.51.100.7 -> 203.0.113.9.
Bytes tcp4_super(size_t total, bool df = true, uint8_t ttl = 64) {
  v4to6test::V4Opts o;
  o.df = df;
  o.ttl = ttl;
  Bytes p =
      v4to6test::ipv4(6, v4to6test::kSrc4, v4to6test::kDst4,
                      v4to6test::tcp(v4to6test::kSrc4, v4to6test::kDst4, 443, 2222, v4to6test::pattern(total - 40)), o);
  set_partial4(p);
  return p;
}

struct XRun {
  Bytes storage;
  sixfour::xlat::Output out;
  std::vector<Bytes> pkts;
  void collect() {
    pkts.clear();
    for (size_t i = 0; i < out.count; ++i) {
      auto s = out.packet(i);
      pkts.emplace_back(s.begin(), s.end());
    }
  }
};

XRun run6(const Bytes& in, bool super, const sixfour::xlat::Config& cfg) {
  XRun r;
  r.storage.assign(in.size() + 4096, 0xee);
  r.out.data = r.storage;
  r.out.super_packet = super;
  pb6::TestMapper m;
  sixfour::xlat::ipv6_to_ipv4(in, cfg, m, r.out);
  r.collect();
  return r;
}

XRun run4(const Bytes& in, bool super, const sixfour::xlat::Config& cfg) {
  XRun r;
  r.storage.assign(in.size() + 4096, 0xee);
  r.out.data = r.storage;
  r.out.super_packet = super;
  v4to6test::TestMapper m;
  sixfour::xlat::ipv4_to_ipv6(in, cfg, m, r.out);
  r.collect();
  return r;
}

}  // namespace

// ---- IPv6 -> IPv4 (RFC 7915 §5) ---------------------------------------------------------------

TEST(XlatSuperPacket, Ipv6TcpSuperPacketIsOneIpv4PacketWithDf) {
  const auto cfg = pb6::test_config();
  ASSERT_EQ(cfg.mtu4, 1500);
  const Bytes in = tcp6_super(60000);
  XRun r = run6(in, true, cfg);
  ASSERT_EQ(r.out.outcome, Outcome::Forward);
  ASSERT_EQ(r.pkts.size(), 1u);
  const Bytes& p = r.pkts[0];
  ASSERT_EQ(p.size(), 60000u - 20);
  EXPECT_EQ(p[0], 0x45);
  EXPECT_EQ(pb6::rd16(p, 2), 59980);
  EXPECT_EQ(pb6::rd16(p, 6), 0x4000);  // DF=1, MF=0, offset 0
  EXPECT_EQ(p[8], 63);
  EXPECT_EQ(p[9], 6);
  EXPECT_TRUE(pb6::ipv4_header_checksum_ok(p));
  EXPECT_EQ(pb6::rd16(p, 20), 2222);  // the mapper's port
  EXPECT_EQ(pb6::rd16(p, 22), 443);
  EXPECT_TRUE(std::equal(p.begin() + 40, p.end(), in.begin() + 60));
  // And the header that goes with it (the checksum field becomes the IPv4 pseudo-header sum).
  off::VnetHdr h;
  h.flags = off::kFlagNeedsCsum;
  h.gso_type = off::kGsoTcpV6;
  h.gso_size = 1440;
  h.csum_start = 40;
  h.csum_offset = 16;
  h.hdr_len = 60;
  ASSERT_EQ(off::classify(in, h, cfg), off::Path::Super);
  off::VnetHdr o;
  ASSERT_TRUE(off::after_translation(h, r.out.packet(0), o));
  EXPECT_EQ(o.gso_type, off::kGsoTcpV4);
  Bytes q(r.out.packet(0).begin(), r.out.packet(0).end());
  ASSERT_TRUE(off::finish_checksum(q, o));
  EXPECT_TRUE(pb6::ipv4_l4_checksum_ok(q));
}

TEST(XlatSuperPacket, Ipv6WithoutTheFlagGetsPacketTooBig) {
  const Bytes in = tcp6_super(60000);
  XRun r = run6(in, false, pb6::test_config());
  ASSERT_EQ(r.out.outcome, Outcome::Reply);
  EXPECT_EQ(r.out.reason, DropReason::TooBig);
  ASSERT_EQ(r.pkts.size(), 1u);
  const Bytes& e = r.pkts[0];
  EXPECT_EQ(e.size(), 1280u);  // the quote is cut to the IPv6 minimum MTU (RFC 4443 §2.4 (c))
  EXPECT_EQ(e[40], 2);         // Packet Too Big
  EXPECT_EQ(pb6::rd32(e, 44), 1520u);
}

TEST(XlatSuperPacket, Ipv6SmallSuperPacketStillGetsDf) {
  // RFC 7915 §5.1 gives a translated packet of at most 1260 bytes DF=0; a super-packet's DF is
  // copied to every segment, which classify() found to be over 1260 bytes.
  const Bytes in = tcp6_super(1000);
  XRun s = run6(in, true, pb6::test_config());
  ASSERT_EQ(s.out.outcome, Outcome::Forward);
  EXPECT_EQ(pb6::rd16(s.pkts.at(0), 6), 0x4000);
  XRun p = run6(in, false, pb6::test_config());
  ASSERT_EQ(p.out.outcome, Outcome::Forward);
  EXPECT_EQ(pb6::rd16(p.pkts.at(0), 6), 0x0000);
}

TEST(XlatSuperPacket, Ipv6TooLargeForAnIpv4TotalLength) {
  // Payload Length 65535 with no extension headers: 65555 bytes once translated.
  const Bytes in = tcp6_super(65575);
  ASSERT_EQ(pb6::rd16(in, 4), 65535);
  XRun r = run6(in, true, pb6::test_config());
  EXPECT_EQ(r.out.outcome, Outcome::Drop);
  EXPECT_EQ(r.out.reason, DropReason::TooBig);
  EXPECT_EQ(r.out.count, 0);
  // 65535 exactly fits.
  XRun ok = run6(tcp6_super(65555), true, pb6::test_config());
  ASSERT_EQ(ok.out.outcome, Outcome::Forward);
  EXPECT_EQ(pb6::rd16(ok.pkts.at(0), 2), 65535);
}

TEST(XlatSuperPacket, Ipv6HopLimitExpiredIsAnsweredOnceWithATruncatedQuote) {
  const Bytes in = tcp6_super(60000, /*hlim=*/1);
  XRun r = run6(in, true, pb6::test_config());
  ASSERT_EQ(r.out.outcome, Outcome::Reply);
  EXPECT_EQ(r.out.reason, DropReason::TtlExpired);
  ASSERT_EQ(r.pkts.size(), 1u);
  const Bytes& e = r.pkts[0];
  EXPECT_EQ(e.size(), 1280u);
  EXPECT_EQ(e[40], 3);  // Time Exceeded
  EXPECT_EQ(e[41], 0);
  EXPECT_TRUE(pb6::ipv6_icmp_checksum_ok(e));
  EXPECT_TRUE(std::equal(e.begin() + 48, e.end(), in.begin()));
}

// ---- IPv4 -> IPv6 (RFC 7915 §4) ---------------------------------------------------------------

TEST(XlatSuperPacket, Ipv4DfSuperPacketIsOneIpv6Packet) {
  sixfour::xlat::Config cfg;  // mtu6 1500
  const Bytes in = tcp4_super(30000);
  XRun r = run4(in, true, cfg);
  ASSERT_EQ(r.out.outcome, Outcome::Forward);
  ASSERT_EQ(r.pkts.size(), 1u);
  const Bytes& p = r.pkts[0];
  ASSERT_EQ(p.size(), 30020u);
  EXPECT_EQ(pb6::rd16(p, 4), 29980);
  EXPECT_EQ(p[6], 6);  // TCP, no Fragment header
  EXPECT_EQ(p[7], 63);
  EXPECT_TRUE(std::equal(p.begin() + 60, p.end(), in.begin() + 40));

  // Without the flag: Fragmentation Needed with the IPv6 MTU less 20 (RFC 7915 §4, RFC 1191).
  XRun n = run4(in, false, cfg);
  ASSERT_EQ(n.out.outcome, Outcome::Reply);
  EXPECT_EQ(n.out.reason, DropReason::TooBig);
  const Bytes& e = n.pkts.at(0);
  EXPECT_EQ(e[20], 3);
  EXPECT_EQ(e[21], 4);
  EXPECT_EQ(pb6::rd16(e, 26), 1480);
}

TEST(XlatSuperPacket, Ipv4NoDfSuperPacketGetsNoFragmentHeader) {
  sixfour::xlat::Config cfg;
  const Bytes in = tcp4_super(20000, /*df=*/false);
  XRun r = run4(in, true, cfg);
  ASSERT_EQ(r.out.outcome, Outcome::Forward);
  ASSERT_EQ(r.pkts.size(), 1u);
  EXPECT_EQ(r.pkts[0].size(), 20020u);
  EXPECT_EQ(r.pkts[0][6], 6);
  // Without the flag: fragments of at most lowest-ipv6-mtu, each with a Fragment header.
  XRun n = run4(in, false, cfg);
  ASSERT_EQ(n.out.outcome, Outcome::Forward);
  ASSERT_GT(n.pkts.size(), 1u);
  EXPECT_EQ(n.pkts[0][6], 44);
  EXPECT_LE(n.pkts[0].size(), 1280u);
}

TEST(XlatSuperPacket, Ipv4TtlExpiredIsAnsweredAsUsual) {
  sixfour::xlat::Config cfg;
  const Bytes in = tcp4_super(30000, true, /*ttl=*/1);
  XRun r = run4(in, true, cfg);
  ASSERT_EQ(r.out.outcome, Outcome::Reply);
  EXPECT_EQ(r.out.reason, DropReason::TtlExpired);
  const Bytes& e = r.pkts.at(0);
  EXPECT_EQ(e[20], 11);       // Time Exceeded
  EXPECT_LE(e.size(), 576u);  // RFC 1812 §4.3.2.3: the quote is cut short
}

// ---- NAT64 (RFC 6146) -----------------------------------------------------------------------

namespace {

using nat64test::Got;
using nat64test::Nat;

Got run_super(Nat& nat, const Bytes& in) {
  Bytes storage(65536 + 4096, 0xee);
  sixfour::xlat::Output out;
  out.data = storage;
  out.super_packet = true;
  nat.xl->translate(in, nat.now, out);
  Got r{out.outcome, out.reason, {}};
  for (size_t i = 0; i < out.count; ++i) {
    auto sp = out.packet(i);
    r.pkts.emplace_back(sp.begin(), sp.end());
  }
  return r;
}

}  // namespace

TEST(XlatSuperPacket, Nat64TcpSuperPacketUsesTheSessionPort) {
  Nat nat(nat64test::lab_settings());
  // The connection's SYN creates the session (RFC 6146 §3.5.2).
  Got syn = nat.run(nat64test::tcp6("2001:db8:1::5", 50000, "64:ff9b::c000:201", 80, 0x02));
  ASSERT_EQ(syn.outcome, Outcome::Forward);
  const uint16_t port4 = pb6::rd16(syn.pkt(), 20);
  Got synack = nat.run(nat64test::tcp4("192.0.2.1", 80, "198.51.100.1", port4, 0x12));
  ASSERT_EQ(synack.outcome, Outcome::Forward);

  // Then 60000 bytes of data in one super-packet: one IPv4 packet out, from the session's port.
  const Bytes in = tcp6_super(60000, 64, "2001:db8:1::5", "64:ff9b::c000:201", 50000, 80);
  Got r = run_super(nat, in);
  ASSERT_EQ(r.outcome, Outcome::Forward);
  ASSERT_EQ(r.pkts.size(), 1u);
  const Bytes& p = r.pkt();
  ASSERT_EQ(p.size(), 59980u);
  EXPECT_EQ(pb6::rd16(p, 6), 0x4000);
  EXPECT_EQ(nat64test::v4src(p), "198.51.100.1");
  EXPECT_EQ(nat64test::v4dst(p), "192.0.2.1");
  EXPECT_EQ(pb6::rd16(p, 20), port4);
  EXPECT_EQ(pb6::rd16(p, 22), 80);
  EXPECT_EQ(nat.counter("out4"), 2u);

  // The same without the flag: Packet Too Big, as before.
  Got n = nat.run(in);
  EXPECT_EQ(n.outcome, Outcome::Reply);
  EXPECT_EQ(n.reason, DropReason::TooBig);

  // And a super-packet the other way, to the session's pool4 port: one IPv6 packet to port 50000.
  Bytes back = v4to6test::ipv4(
      6, pb6::a4("192.0.2.1"), pb6::a4("198.51.100.1"),
      v4to6test::tcp(pb6::a4("192.0.2.1"), pb6::a4("198.51.100.1"), 80, port4, v4to6test::pattern(40000)), [] {
        v4to6test::V4Opts o;
        o.df = true;
        return o;
      }());
  set_partial4(back);
  Got b = run_super(nat, back);
  ASSERT_EQ(b.outcome, Outcome::Forward);
  ASSERT_EQ(b.pkts.size(), 1u);
  EXPECT_EQ(b.pkt().size(), 40u + 20 + 40000);
  EXPECT_EQ(b.pkt()[6], 6);
  EXPECT_EQ(nat64test::v6at(b.pkt(), 24), "2001:db8:1::5");
  EXPECT_EQ(pb6::rd16(b.pkt(), 42), 50000);
}

TEST(XlatSuperPacket, Nat64HairpinKeepsTheFlag) {
  auto s = nat64test::lab_settings();
  s.statics.push_back(sixfour::nat64::parse_static("udp,198.51.100.1#8053,2001:db8:1::53#53").value());
  Nat nat(s);
  pb6::Ip6 h;
  h.src = "2001:db8:1::5";
  h.dst = "64:ff9b::c633:6401";  // the server's pool4 address 198.51.100.1
  Bytes in = pb6::ipv6(h, 17, pb6::udp(40000, 8053, pb6::pattern(20000)));
  set_partial6(in);
  // Both passes (6->4 then 4->6) see the flag: neither gives Packet Too Big nor Fragmentation Needed.
  Got r = run_super(nat, in);
  ASSERT_EQ(r.outcome, Outcome::Forward);
  ASSERT_EQ(r.pkts.size(), 1u);
  const Bytes& p = r.pkt();
  ASSERT_EQ(p[0] >> 4, 6);
  EXPECT_EQ(p.size(), in.size());
  EXPECT_EQ(p[6], 17);
  EXPECT_EQ(p[7], 62);
  EXPECT_EQ(nat64test::v6at(p, 24), "2001:db8:1::53");
  EXPECT_EQ(pb6::rd16(p, 42), 53);
  EXPECT_EQ(nat.counter("hairpinned"), 1u);
  // The offload header for what came out: still IPv6, UDP_L4.
  off::VnetHdr ih;
  ih.flags = off::kFlagNeedsCsum;
  ih.gso_type = off::kGsoUdpL4;
  ih.gso_size = 1400;
  ih.csum_start = 40;
  ih.csum_offset = 6;
  ih.hdr_len = 48;
  off::VnetHdr o;
  Bytes q = p;
  ASSERT_TRUE(off::after_translation(ih, q, o));
  EXPECT_EQ(o.gso_type, off::kGsoUdpL4);
  EXPECT_EQ(o.csum_start, 40);
  ASSERT_TRUE(off::finish_checksum(q, o));
  Bytes l4(q.begin() + 40, q.end());
  EXPECT_TRUE(v4to6test::v6_l4_checksum_ok({q.data() + 8, 16}, {q.data() + 24, 16}, 17, l4));
}

// ---- SIIT (RFC 7915 + RFC 7757) --------------------------------------------------------------

namespace {

sixfour::siit::Settings siit_settings() {
  sixfour::siit::Settings s;
  s.pool6 = sixfour::rfc6052::parse_prefix("2001:db8:64::/96").value();
  EXPECT_TRUE(s.eam.add(sixfour::EamTable::parse("2001:db8:a::/120=198.51.100.0/24").value()).ok());
  EXPECT_TRUE(s.eam.add(sixfour::EamTable::parse("2001:db8:b::2=192.0.2.2").value()).ok());
  return s;
}

}  // namespace

TEST(XlatSuperPacket, SiitSuperPacketAndHairpin) {
  const auto settings = siit_settings();
  sixfour::siit::Translator t(settings);
  Bytes storage(65536 + 4096);
  sixfour::xlat::Output out;

  // To the IPv4 Internet: one IPv4 packet.
  Bytes in = tcp6_super(50000, 64, "2001:db8:a::1", "2001:db8:64::203.0.113.5", 1234, 80);
  out.data = storage;
  out.super_packet = true;
  t.translate(in, out);
  ASSERT_EQ(out.outcome, Outcome::Forward);
  ASSERT_EQ(out.count, 1);
  EXPECT_EQ(out.lens[0], 49980);
  EXPECT_EQ(out.packet(0)[0], 0x45);
  EXPECT_EQ(sixfour::load16(out.packet(0).data() + 6), 0x4000);

  // RFC 7757 §4 hairpin to B: both passes keep the flag, one IPv6 packet of the full size.
  in = tcp6_super(50000, 64, "2001:db8:a::1", "2001:db8:64::192.0.2.2", 1234, 80);
  out = sixfour::xlat::Output{};
  out.data = storage;
  out.super_packet = true;
  t.translate(in, out);
  ASSERT_EQ(out.outcome, Outcome::Forward);
  ASSERT_EQ(out.count, 1);
  auto p = out.packet(0);
  ASSERT_EQ(p.size(), 50000u);
  EXPECT_EQ(p[0] >> 4, 6);
  EXPECT_EQ(p[6], 6);
  EXPECT_EQ(p[7], 62);
  EXPECT_EQ(t.counters().hairpinned, 1u);

  // Without the flag the first pass already answers Packet Too Big.
  out = sixfour::xlat::Output{};
  out.data = storage;
  t.translate(in, out);
  EXPECT_EQ(out.outcome, Outcome::Reply);
  EXPECT_EQ(out.reason, DropReason::TooBig);
}

// ---- Output::payload_in_place: headers written, payload left in the input ----------------------
// What the data plane writes (data's headers, then the input's tail) must be byte for byte what the
// translator writes whole without the flag.

namespace {

// Packet 0 as the data plane assembles it: data's first lens[0] - tail_len bytes, then the tail.
Bytes assembled(const sixfour::xlat::Output& out, const Bytes& in) {
  const size_t head = size_t{out.lens[0]} - out.tail_len;
  Bytes p(out.data.begin(), out.data.begin() + static_cast<std::ptrdiff_t>(head));
  p.insert(p.end(), in.begin() + out.tail_from, in.begin() + out.tail_from + out.tail_len);
  return p;
}

// An IPv4 packet with its Identification (a fresh random one per translation, RFC 7915 §5.1) and
// the header checksum that covers it blanked, for comparing two translations of the same packet.
Bytes without_id(Bytes p) {
  p.at(4) = p.at(5) = p.at(10) = p.at(11) = 0;
  return p;
}

sixfour::xlat::Output in_place_output(Bytes& storage) {
  storage.assign(65536 + 4096, 0xee);
  sixfour::xlat::Output out;
  out.data = storage;
  out.super_packet = true;
  out.payload_in_place = true;
  return out;
}

}  // namespace

TEST(XlatPayloadInPlace, Ipv6TcpOnlyHeadersAreWritten) {
  const auto cfg = pb6::test_config();
  const Bytes in = tcp6_super(60000);
  const XRun whole = run6(in, true, cfg);
  ASSERT_EQ(whole.out.outcome, Outcome::Forward);
  EXPECT_EQ(whole.out.tail_len, 0);

  Bytes storage;
  auto out = in_place_output(storage);
  pb6::TestMapper m;
  sixfour::xlat::ipv6_to_ipv4(in, cfg, m, out);
  ASSERT_EQ(out.outcome, Outcome::Forward);
  ASSERT_EQ(out.count, 1);
  EXPECT_EQ(out.lens[0], 59980);
  EXPECT_EQ(out.tail_from, 60u);        // after the IPv6 header and the fixed TCP header
  EXPECT_EQ(out.tail_len, 59980 - 40);  // everything after the new headers
  EXPECT_EQ(storage[40], 0xee);         // nothing written past the headers
  EXPECT_EQ(without_id(assembled(out, in)), without_id(whole.pkts[0]));

  // The offload header from the headers alone equals the one from the whole packet.
  off::VnetHdr h;
  h.flags = off::kFlagNeedsCsum;
  h.gso_type = off::kGsoTcpV6;
  h.gso_size = 1440;
  h.csum_start = 40;
  h.csum_offset = 16;
  h.hdr_len = 60;
  off::VnetHdr a, b;
  Bytes full = whole.pkts[0];
  ASSERT_TRUE(off::after_translation(h, full, a));
  ASSERT_TRUE(off::after_translation(h, std::span<uint8_t>(storage.data(), 40), out.lens[0], b));
  EXPECT_EQ(a.gso_type, b.gso_type);
  EXPECT_EQ(a.hdr_len, b.hdr_len);
  EXPECT_EQ(a.csum_start, b.csum_start);
  EXPECT_EQ(a.csum_offset, b.csum_offset);
  EXPECT_EQ(a.gso_size, b.gso_size);
  EXPECT_TRUE(std::equal(full.begin() + 20, full.begin() + 40, storage.begin() + 20));  // TCP header
  // Headers cut short of the TCP header are refused, not read past.
  EXPECT_FALSE(off::after_translation(h, std::span<uint8_t>(storage.data(), 30), out.lens[0], b));
}

TEST(XlatPayloadInPlace, Ipv4TcpAndUdpOnlyHeadersAreWritten) {
  sixfour::xlat::Config cfg;
  const Bytes in = tcp4_super(30000);
  const XRun whole = run4(in, true, cfg);
  ASSERT_EQ(whole.out.outcome, Outcome::Forward);

  Bytes storage;
  auto out = in_place_output(storage);
  v4to6test::TestMapper m;
  sixfour::xlat::ipv4_to_ipv6(in, cfg, m, out);
  ASSERT_EQ(out.outcome, Outcome::Forward);
  EXPECT_EQ(out.lens[0], 30020);
  EXPECT_EQ(out.tail_from, 40u);
  EXPECT_EQ(out.tail_len, 30020 - 60);
  EXPECT_EQ(storage[60], 0xee);
  EXPECT_EQ(assembled(out, in), whole.pkts[0]);

  // UDP: the 8-byte header is written, the rest left in place.
  v4to6test::V4Opts o;
  o.df = true;
  Bytes u = v4to6test::ipv4(17, v4to6test::kSrc4, v4to6test::kDst4,
                            v4to6test::udp(v4to6test::kSrc4, v4to6test::kDst4, 53, 5353, v4to6test::pattern(9000)), o);
  const XRun uwhole = run4(u, true, cfg);
  out = in_place_output(storage);
  sixfour::xlat::ipv4_to_ipv6(u, cfg, m, out);
  ASSERT_EQ(out.outcome, Outcome::Forward);
  EXPECT_EQ(out.tail_from, 28u);
  EXPECT_EQ(out.tail_len, 9000);
  EXPECT_EQ(assembled(out, u), uwhole.pkts[0]);
}

TEST(XlatPayloadInPlace, IgnoredWhereThePacketIsNotCopiedAsOne) {
  // ICMP is written whole, and so is a packet that must be fragmented (no super_packet flag).
  sixfour::xlat::Config cfg;
  Bytes storage;
  auto out = in_place_output(storage);
  out.super_packet = false;
  v4to6test::V4Opts o;
  o.df = false;
  const Bytes big =
      v4to6test::ipv4(17, v4to6test::kSrc4, v4to6test::kDst4,
                      v4to6test::udp(v4to6test::kSrc4, v4to6test::kDst4, 53, 5353, v4to6test::pattern(3000)), o);
  v4to6test::TestMapper m;
  sixfour::xlat::ipv4_to_ipv6(big, cfg, m, out);
  ASSERT_EQ(out.outcome, Outcome::Forward);
  EXPECT_GT(out.count, 1);
  EXPECT_EQ(out.tail_len, 0);

  out = in_place_output(storage);
  pb6::Ip6 h;
  h.dst = "2001:db8:64::c000:201";
  Bytes echo = pb6::ipv6(h, 58, pb6::icmp6(128, 0, 0x00070001, pb6::pattern(1000)));
  pb6::fill_checksum6(echo, 40, 58, 2);
  pb6::TestMapper m6;
  sixfour::xlat::ipv6_to_ipv4(echo, pb6::test_config(), m6, out);
  ASSERT_EQ(out.outcome, Outcome::Forward);
  EXPECT_EQ(out.tail_len, 0);
}

TEST(XlatPayloadInPlace, Nat64SessionAndHairpinAreWholeAfterTheSecondPass) {
  Nat nat(nat64test::lab_settings());
  Got syn = nat.run(nat64test::tcp6("2001:db8:1::5", 50000, "64:ff9b::c000:201", 80, 0x02));
  ASSERT_EQ(syn.outcome, Outcome::Forward);
  const uint16_t port4 = pb6::rd16(syn.pkt(), 20);
  const Bytes in = tcp6_super(60000, 64, "2001:db8:1::5", "64:ff9b::c000:201", 50000, 80);
  const Got whole = run_super(nat, in);
  ASSERT_EQ(whole.outcome, Outcome::Forward);
  Bytes storage;
  auto out = in_place_output(storage);
  nat.xl->translate(in, nat.now, out);
  ASSERT_EQ(out.outcome, Outcome::Forward);
  EXPECT_GT(out.tail_len, 0);
  const Bytes p = assembled(out, in);
  EXPECT_EQ(without_id(p), without_id(whole.pkt()));
  EXPECT_EQ(pb6::rd16(p, 20), port4);

  // Hairpinning joins the payload to its headers before the second pass: the result is whole.
  auto s = nat64test::lab_settings();
  s.statics.push_back(sixfour::nat64::parse_static("udp,198.51.100.1#8053,2001:db8:1::53#53").value());
  Nat hp(s);
  pb6::Ip6 h;
  h.src = "2001:db8:1::5";
  h.dst = "64:ff9b::c633:6401";
  Bytes u = pb6::ipv6(h, 17, pb6::udp(40000, 8053, pb6::pattern(20000)));
  set_partial6(u);
  out = in_place_output(storage);
  hp.xl->translate(u, hp.now, out);
  ASSERT_EQ(out.outcome, Outcome::Forward);
  EXPECT_EQ(out.tail_len, 0);
  EXPECT_EQ(out.lens[0], u.size());
  EXPECT_EQ(hp.counter("hairpinned"), 1u);
  EXPECT_TRUE(std::equal(u.begin() + 48, u.end(), out.data.begin() + 48));  // the payload, unchanged
}

TEST(XlatPayloadInPlace, SiitHairpinIsWhole) {
  const auto settings = siit_settings();
  sixfour::siit::Translator t(settings);
  Bytes storage;
  auto out = in_place_output(storage);
  const Bytes in = tcp6_super(50000, 64, "2001:db8:a::1", "2001:db8:64::192.0.2.2", 1234, 80);
  t.translate(in, out);
  ASSERT_EQ(out.outcome, Outcome::Forward);
  EXPECT_EQ(out.tail_len, 0);
  ASSERT_EQ(out.lens[0], 50000);
  EXPECT_TRUE(std::equal(in.begin() + 60, in.end(), out.data.begin() + 60));
  EXPECT_EQ(t.counters().hairpinned, 1u);
}
