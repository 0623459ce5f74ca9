// RFC 7915 §5.1 (IPv6 header -> IPv4 header), §5.4 (translator-generated ICMPv6 errors) and §5.5
// (transport checksums) for ordinary, non-ICMP traffic.
#include <gtest/gtest.h>

#include "packet_builder6.hpp"

using namespace pb6;
using sixfour::xlat::DropReason;
using sixfour::xlat::Outcome;
using sixfour::xlat::Part;

namespace {

Bytes udp_packet(const Ip6& h, uint16_t sport, uint16_t dport, size_t data_len) {
  Bytes p = ipv6(h, 17, udp(sport, dport, pattern(data_len)));
  fill_checksum6(p, 40, 17, 6);
  return p;
}

void expect_addr4(const Bytes& p, size_t off, const char* a) {
  const auto want = a4(a);
  for (size_t i = 0; i < 4; ++i) EXPECT_EQ(p.at(off + i), want[i]) << "byte " << off + i;
}

void expect_addr6(const Bytes& p, size_t off, const char* a) {
  const auto want = a6(a);
  for (size_t i = 0; i < 16; ++i) EXPECT_EQ(p.at(off + i), want[i]) << "byte " << off + i;
}

}  // namespace

// §5.1, every IPv4 header field, and §5.5 for UDP.
TEST(Ipv6ToIpv4, UdpEveryField) {
  Ip6 h;
  h.tc = 0xb8;
  h.flow = 0x12345;
  h.hlim = 64;
  Bytes in = udp_packet(h, 40000, 53, 20);
  TestMapper m;
  Xlat6 r = run6(in, test_config(), m);
  ASSERT_EQ(r.outcome, Outcome::Forward);
  ASSERT_EQ(r.pkts.size(), 1u);
  const Bytes& p = r.pkts[0];
  ASSERT_EQ(p.size(), 48u);
  EXPECT_EQ(p[0], 0x45);          // version 4, IHL 5
  EXPECT_EQ(p[1], 0xb8);          // TOS = Traffic Class
  EXPECT_EQ(rd16(p, 2), 48);      // Total Length = Payload Length + 20
  EXPECT_EQ(rd16(p, 6), 0x0000);  // DF=0 (<= 1260 bytes), MF=0, offset 0
  EXPECT_EQ(p[8], 63);            // TTL = Hop Limit - 1
  EXPECT_EQ(p[9], 17);
  EXPECT_TRUE(ipv4_header_checksum_ok(p));
  expect_addr4(p, 12, "198.51.100.5");
  expect_addr4(p, 16, "192.0.2.1");
  EXPECT_EQ(rd16(p, 20), 40000);
  EXPECT_EQ(rd16(p, 22), 53);
  EXPECT_EQ(rd16(p, 24), 28);
  EXPECT_TRUE(ipv4_l4_checksum_ok(p));
  EXPECT_TRUE(std::equal(p.begin() + 28, p.end(), in.begin() + 48));

  ASSERT_EQ(m.calls.size(), 1u);
  EXPECT_EQ(m.calls[0].part, Part::Outer);
  EXPECT_EQ(m.calls[0].in.proto, 17);
  EXPECT_EQ(m.calls[0].in.sport, 40000);
  EXPECT_EQ(m.calls[0].in.dport, 53);
  EXPECT_EQ(m.calls[0].in.src.b, a6("2001:db8:1::5"));
  EXPECT_EQ(m.calls[0].in.dst.b, a6("2001:db8:64::c000:201"));
}

// §5.5: the mapper's port change is applied and the checksum stays right (RFC 1624).
TEST(Ipv6ToIpv4, TcpPortRewrittenChecksumUpdated) {
  Bytes in = ipv6(Ip6{}, 6, tcp(1111, 443, pattern(33)));
  fill_checksum6(in, 40, 6, 16);
  TestMapper m;
  Xlat6 r = run6(in, test_config(), m);
  ASSERT_EQ(r.outcome, Outcome::Forward);
  const Bytes& p = r.pkts.at(0);
  ASSERT_EQ(p.size(), 20u + 20 + 33);
  EXPECT_EQ(p[9], 6);
  EXPECT_EQ(rd16(p, 20), 2222);
  EXPECT_EQ(rd16(p, 22), 443);
  EXPECT_EQ(rd32(p, 24), 0x01020304u);
  EXPECT_TRUE(ipv4_header_checksum_ok(p));
  EXPECT_TRUE(ipv4_l4_checksum_ok(p));
}

TEST(Ipv6ToIpv4, ResetTosUsesConfiguredValue) {
  Ip6 h;
  h.tc = 0xfc;
  Bytes in = udp_packet(h, 1, 2, 4);
  auto cfg = test_config();
  cfg.reset_tos = true;
  cfg.new_tos = 0x20;
  TestMapper m;
  Xlat6 r = run6(in, cfg, m);
  ASSERT_EQ(r.outcome, Outcome::Forward);
  EXPECT_EQ(r.pkts.at(0)[1], 0x20);
  EXPECT_TRUE(ipv4_header_checksum_ok(r.pkts[0]));
}

// §5.1 Flags: DF=0 up to 1260 translated bytes, DF=1 above.
TEST(Ipv6ToIpv4, DontFragmentAt1260And1261) {
  TestMapper m;
  Xlat6 a = run6(udp_packet(Ip6{}, 1, 2, 1260 - 28), test_config(), m);
  ASSERT_EQ(a.outcome, Outcome::Forward);
  EXPECT_EQ(rd16(a.pkts.at(0), 2), 1260);
  EXPECT_EQ(rd16(a.pkts[0], 6), 0x0000);
  Xlat6 b = run6(udp_packet(Ip6{}, 1, 2, 1261 - 28), test_config(), m);
  ASSERT_EQ(b.outcome, Outcome::Forward);
  EXPECT_EQ(rd16(b.pkts.at(0), 2), 1261);
  EXPECT_EQ(rd16(b.pkts[0], 6), 0x4000);
  EXPECT_TRUE(ipv4_header_checksum_ok(a.pkts[0]));
  EXPECT_TRUE(ipv4_header_checksum_ok(b.pkts[0]));
  EXPECT_TRUE(ipv4_l4_checksum_ok(b.pkts[0]));
}

// §5.1 Identification: from a generator, so back-to-back packets of one flow get different IDs.
TEST(Ipv6ToIpv4, IdentificationGeneratedPerPacket) {
  TestMapper m;
  Bytes in = udp_packet(Ip6{}, 1, 2, 10);
  uint16_t prev = rd16(run6(in, test_config(), m).pkts.at(0), 4);
  for (int i = 0; i < 100; ++i) {
    Xlat6 r = run6(in, test_config(), m);
    const uint16_t id = rd16(r.pkts.at(0), 4);
    EXPECT_NE(id, prev);
    EXPECT_TRUE(ipv4_header_checksum_ok(r.pkts[0]));
    prev = id;
  }
}

TEST(Ipv6ToIpv4, TrailingBytesBeyondPayloadLengthIgnored) {
  Bytes in = udp_packet(Ip6{}, 1, 2, 10);
  const size_t real = in.size();
  in.insert(in.end(), 13, 0xaa);
  TestMapper m;
  Xlat6 r = run6(in, test_config(), m);
  ASSERT_EQ(r.outcome, Outcome::Forward);
  EXPECT_EQ(r.pkts.at(0).size(), real - 20);
  EXPECT_EQ(rd16(r.pkts[0], 2), real - 20);
  EXPECT_TRUE(ipv4_l4_checksum_ok(r.pkts[0]));
}

TEST(Ipv6ToIpv4, HopLimitTwoLeavesWithTtlOne) {
  Ip6 h;
  h.hlim = 2;
  TestMapper m;
  Xlat6 r = run6(udp_packet(h, 1, 2, 4), test_config(), m);
  ASSERT_EQ(r.outcome, Outcome::Forward);
  EXPECT_EQ(r.pkts.at(0)[8], 1);
}

// §5.1 TTL + §5.4: Hop Limit 1 is not forwarded; ICMPv6 Time Exceeded goes back, byte by byte.
TEST(Ipv6ToIpv4, HopLimitOneRepliesTimeExceeded) {
  for (uint8_t hl : {uint8_t{1}, uint8_t{0}}) {
    Ip6 h;
    h.hlim = hl;
    Bytes in = udp_packet(h, 1, 2, 30);
    TestMapper m;
    Xlat6 r = run6(in, test_config(), m);
    ASSERT_EQ(r.outcome, Outcome::Reply);
    EXPECT_EQ(r.reason, DropReason::TtlExpired);
    ASSERT_EQ(r.pkts.size(), 1u);
    const Bytes& p = r.pkts[0];
    ASSERT_EQ(p.size(), 48 + in.size());
    EXPECT_EQ(rd32(p, 0), 0x60000000u);  // version 6, TC 0, flow 0
    EXPECT_EQ(rd16(p, 4), 8 + in.size());
    EXPECT_EQ(p[6], 58);
    EXPECT_EQ(p[7], 64);
    expect_addr6(p, 8, "2001:db8:ff::1");  // cfg.self6
    expect_addr6(p, 24, "2001:db8:1::5");  // back to the source
    EXPECT_EQ(p[40], 3);                   // Time Exceeded
    EXPECT_EQ(p[41], 0);                   // hop limit exceeded in transit
    EXPECT_EQ(rd32(p, 44), 0u);
    EXPECT_TRUE(std::equal(in.begin(), in.end(), p.begin() + 48));
    EXPECT_TRUE(ipv6_icmp_checksum_ok(p));
    EXPECT_TRUE(m.calls.empty());  // nothing is mapped for a packet that is not forwarded
  }
}

TEST(Ipv6ToIpv4, HopLimitOneWithoutIcmpErrorsDrops) {
  Ip6 h;
  h.hlim = 1;
  auto cfg = test_config();
  cfg.send_icmp_errors = false;
  TestMapper m;
  Xlat6 r = run6(udp_packet(h, 1, 2, 4), cfg, m);
  EXPECT_EQ(r.outcome, Outcome::Drop);
  EXPECT_EQ(r.reason, DropReason::TtlExpired);
  EXPECT_TRUE(r.pkts.empty());
}

TEST(Ipv6ToIpv4, MulticastDestinationDropped) {
  Ip6 h;
  h.dst = "ff0e::1";
  TestMapper m;
  Xlat6 r = run6(udp_packet(h, 1, 2, 4), test_config(), m);
  EXPECT_EQ(r.outcome, Outcome::Drop);
  EXPECT_EQ(r.reason, DropReason::Multicast);
}

TEST(Ipv6ToIpv4, UntranslatableSourceRepliesAdminProhibited) {
  Ip6 h;
  h.src = "2001:db8:77::1";
  TestMapper m;
  const Bytes in = udp_packet(h, 1, 2, 4);
  Xlat6 r = run6(in, test_config(), m);
  // RFC 7915 §5.4's default error back to the (IPv6) source; silent with send_icmp_errors off or
  // for a CLAT (answer_untranslatable_source off).
  ASSERT_EQ(r.outcome, Outcome::Reply);
  EXPECT_EQ(r.reason, DropReason::SrcUntranslatable);
  const Bytes& p = r.pkts.at(0);
  EXPECT_EQ(p[40], 1);  // Destination Unreachable
  EXPECT_EQ(p[41], 1);  // communication administratively prohibited
  expect_addr6(p, 24, "2001:db8:77::1");
  EXPECT_TRUE(std::equal(in.begin(), in.end(), p.begin() + 48));
  EXPECT_TRUE(ipv6_icmp_checksum_ok(p));
  for (bool clat : {false, true}) {
    sixfour::xlat::Config c = test_config();
    (clat ? c.answer_untranslatable_source : c.send_icmp_errors) = false;
    r = run6(in, c, m);
    EXPECT_EQ(r.outcome, Outcome::Drop);
    EXPECT_EQ(r.reason, DropReason::SrcUntranslatable);
    EXPECT_TRUE(r.pkts.empty());
  }
}

TEST(Ipv6ToIpv4, UntranslatableDestinationRepliesNoRoute) {
  Ip6 h;
  h.dst = "2001:db8:77::1";
  Bytes in = udp_packet(h, 1, 2, 4);
  TestMapper m;
  Xlat6 r = run6(in, test_config(), m);
  ASSERT_EQ(r.outcome, Outcome::Reply);
  EXPECT_EQ(r.reason, DropReason::DstUntranslatable);
  const Bytes& p = r.pkts.at(0);
  EXPECT_EQ(p[40], 1);  // Destination Unreachable
  EXPECT_EQ(p[41], 0);  // no route to destination
  EXPECT_EQ(rd32(p, 44), 0u);
  expect_addr6(p, 24, "2001:db8:1::5");
  EXPECT_TRUE(std::equal(in.begin(), in.end(), p.begin() + 48));
  EXPECT_TRUE(ipv6_icmp_checksum_ok(p));
}

TEST(Ipv6ToIpv4, ProhibitedRepliesAdminProhibited) {
  Ip6 h;
  h.dst = "2001:db8:64::c000:242";  // 192.0.2.66
  TestMapper m;
  Xlat6 r = run6(udp_packet(h, 1, 2, 4), test_config(), m);
  ASSERT_EQ(r.outcome, Outcome::Reply);
  EXPECT_EQ(r.reason, DropReason::Prohibited);
  EXPECT_EQ(r.pkts.at(0)[40], 1);
  EXPECT_EQ(r.pkts[0][41], 1);  // communication administratively prohibited
  EXPECT_TRUE(ipv6_icmp_checksum_ok(r.pkts[0]));
}

// §5.1.1: DF=1 packet larger than the IPv4 MTU -> Packet Too Big with MTU + 20, quoting up to 1280.
TEST(Ipv6ToIpv4, TooBigRepliesPacketTooBig) {
  auto cfg = test_config();
  cfg.mtu4 = 1400;
  Bytes in = udp_packet(Ip6{}, 1, 2, 1401 - 28);
  TestMapper m;
  Xlat6 ok = run6(udp_packet(Ip6{}, 1, 2, 1400 - 28), cfg, m);
  EXPECT_EQ(ok.outcome, Outcome::Forward);
  Xlat6 r = run6(in, cfg, m);
  ASSERT_EQ(r.outcome, Outcome::Reply);
  EXPECT_EQ(r.reason, DropReason::TooBig);
  const Bytes& p = r.pkts.at(0);
  ASSERT_EQ(p.size(), 1280u);
  EXPECT_EQ(rd16(p, 4), 1240);
  EXPECT_EQ(p[40], 2);
  EXPECT_EQ(p[41], 0);
  EXPECT_EQ(rd32(p, 44), 1420u);
  EXPECT_TRUE(std::equal(p.begin() + 48, p.end(), in.begin()));
  EXPECT_TRUE(ipv6_icmp_checksum_ok(p));
}

TEST(Ipv6ToIpv4, TooBigMtuNeverBelow1280) {
  auto cfg = test_config();
  cfg.mtu4 = 1000;
  TestMapper m;
  Xlat6 r = run6(udp_packet(Ip6{}, 1, 2, 1300), cfg, m);
  ASSERT_EQ(r.outcome, Outcome::Reply);
  EXPECT_EQ(rd32(r.pkts.at(0), 44), 1280u);
}

// A DF=0 packet (<= 1260 bytes) that exceeds a small IPv4 MTU cannot be fixed by the IPv6 sender
// (it already sends the IPv6 minimum): it is fragmented in IPv4, as any IPv4 router would.
TEST(Ipv6ToIpv4, DfClearPacketFragmentedToSmallMtu) {
  auto cfg = test_config();
  cfg.mtu4 = 600;
  Bytes in = udp_packet(Ip6{}, 1, 2, 1000 - 28);
  TestMapper m;
  Xlat6 r = run6(in, cfg, m);
  ASSERT_EQ(r.outcome, Outcome::Forward);
  ASSERT_EQ(r.pkts.size(), 2u);
  const Bytes& f0 = r.pkts[0];
  const Bytes& f1 = r.pkts[1];
  ASSERT_EQ(f0.size(), 20u + 576);
  ASSERT_EQ(f1.size(), 20u + 1000 - 20 - 576);
  EXPECT_EQ(rd16(f0, 2), 596);
  EXPECT_EQ(rd16(f1, 2), 424);
  EXPECT_EQ(rd16(f0, 4), rd16(f1, 4));
  EXPECT_EQ(rd16(f0, 6), 0x2000);   // MF, offset 0
  EXPECT_EQ(rd16(f1, 6), 576 / 8);  // last: MF=0
  EXPECT_TRUE(ipv4_header_checksum_ok(f0));
  EXPECT_TRUE(ipv4_header_checksum_ok(f1));
  for (const Bytes* f : {&f0, &f1}) {
    EXPECT_EQ((*f)[9], 17);
    EXPECT_EQ((*f)[8], 63);
    expect_addr4(*f, 12, "198.51.100.5");
    expect_addr4(*f, 16, "192.0.2.1");
  }
  // Reassembled, the datagram is the unfragmented translation.
  Bytes whole(f0.begin(), f0.begin() + 20);
  whole.insert(whole.end(), f0.begin() + 20, f0.end());
  whole.insert(whole.end(), f1.begin() + 20, f1.end());
  wr16(whole, 2, 1000);
  EXPECT_TRUE(ipv4_l4_checksum_ok(whole));
  EXPECT_TRUE(std::equal(whole.begin() + 28, whole.end(), in.begin() + 48));
}

// §5.5 / RFC 8200 §8.1: a zero UDP checksum is invalid in IPv6.
TEST(Ipv6ToIpv4, UdpZeroChecksumDropped) {
  Bytes in = ipv6(Ip6{}, 17, udp(1, 2, pattern(8)));
  TestMapper m;
  Xlat6 r = run6(in, test_config(), m);
  // Discarded; RFC 7915 §5.4 answers it (refusals_test.cpp checks the bytes).
  EXPECT_EQ(r.outcome, Outcome::Reply);
  EXPECT_EQ(r.reason, DropReason::UdpZeroChecksum);
}

// RFC 768: a translated checksum that computes to zero is sent as 0xffff.
TEST(Ipv6ToIpv4, UdpChecksumZeroBecomesAllOnes) {
  Bytes in = ipv6(Ip6{}, 17, udp(7, 9, Bytes(2, 0)));
  // Choose the 2 data bytes so that the IPv4 sum over everything but the checksum is 0xffff.
  Bytes v4;  // pseudo-header + UDP header with checksum 0, without the data word
  put(v4, a4("198.51.100.5"));
  put(v4, a4("192.0.2.1"));
  put16(v4, 17);
  put16(v4, 10);
  put16(v4, 7);
  put16(v4, 9);
  put16(v4, 10);
  const uint16_t s = fold(naive_sum(v4.data(), v4.size()));
  wr16(in, 48, static_cast<uint16_t>(0xffff - s));
  fill_checksum6(in, 40, 17, 6);
  TestMapper m;
  Xlat6 r = run6(in, test_config(), m);
  ASSERT_EQ(r.outcome, Outcome::Forward);
  EXPECT_EQ(rd16(r.pkts.at(0), 26), 0xffff);
  EXPECT_TRUE(ipv4_l4_checksum_ok(r.pkts[0]));
}

TEST(Ipv6ToIpv4, OtherProtocolPassedThrough) {
  Bytes gre = pattern(24);
  Bytes in = ipv6(Ip6{}, 47, gre);
  TestMapper m;
  Xlat6 r = run6(in, test_config(), m);
  ASSERT_EQ(r.outcome, Outcome::Forward);
  const Bytes& p = r.pkts.at(0);
  EXPECT_EQ(p[9], 47);
  EXPECT_EQ(rd16(p, 2), 44);
  EXPECT_TRUE(std::equal(p.begin() + 20, p.end(), gre.begin()));
  EXPECT_EQ(m.calls.at(0).in.proto, 47);
  EXPECT_EQ(m.calls[0].in.sport, 0);
}

// A near-64 KiB packet: header translated once, checksum updated without re-summing, still right.
TEST(Ipv6ToIpv4, LargePacket) {
  auto cfg = test_config();
  cfg.mtu4 = 65535;
  Bytes in = udp_packet(Ip6{}, 1111, 80, 65000);
  TestMapper m;
  Xlat6 r = run6(in, cfg, m);
  ASSERT_EQ(r.outcome, Outcome::Forward);
  const Bytes& p = r.pkts.at(0);
  EXPECT_EQ(p.size(), 65028u);
  EXPECT_EQ(rd16(p, 2), 65028);
  EXPECT_EQ(rd16(p, 6), 0x4000);
  EXPECT_EQ(rd16(p, 20), 2222);
  EXPECT_TRUE(ipv4_header_checksum_ok(p));
  EXPECT_TRUE(ipv4_l4_checksum_ok(p));
}

TEST(Ipv6ToIpv4, OutputTooSmallIsNoSpace) {
  TestMapper m;
  Xlat6 r = run6(udp_packet(Ip6{}, 1, 2, 40), test_config(), m, 50);
  EXPECT_EQ(r.outcome, Outcome::Drop);
  EXPECT_EQ(r.reason, DropReason::NoSpace);
  EXPECT_TRUE(r.pkts.empty());
}

// Issue 16: a translator on a TUN gives back one of its kernel's two decrements (hop_change +1),
// so the host is one hop. Hop limit 1 (what the kernel's first step leaves of a 2) is not expired
// but leaves with TTL 2, which the kernel's second step makes 1.
TEST(Ipv6ToIpv4, HopChangePlusOneGivesOneBack) {
  for (uint8_t hl : {uint8_t{1}, uint8_t{63}, uint8_t{255}}) {
    Ip6 h;
    h.hlim = hl;
    TestMapper m;
    sixfour::xlat::Config cfg = test_config();
    cfg.hop_change = 1;
    Xlat6 r = run6(udp_packet(h, 1, 2, 4), cfg, m);
    ASSERT_EQ(r.outcome, Outcome::Forward) << int{hl};
    EXPECT_EQ(r.pkts.at(0)[8], hl == 255 ? 255 : hl + 1);  // never past 255
  }
  EXPECT_EQ(sixfour::xlat::hairpin_pass(sixfour::xlat::Config{.hop_change = 1}).hop_change, 0);
  EXPECT_EQ(sixfour::xlat::hairpin_pass(sixfour::xlat::Config{}).hop_change, -1);
  EXPECT_TRUE(sixfour::xlat::hop_expires(1, -1));
  EXPECT_FALSE(sixfour::xlat::hop_expires(2, -1));
  EXPECT_TRUE(sixfour::xlat::hop_expires(0, 0));
  EXPECT_FALSE(sixfour::xlat::hop_expires(1, 0));
  EXPECT_FALSE(sixfour::xlat::hop_expires(0, 1));
}

TEST(Ipv6ToIpv4, HopChangePlusOneRestoresTheQuotedHopLimit) {
  auto cfg = test_config();
  cfg.mtu4 = 1400;
  cfg.hop_change = 1;
  Ip6 h;
  h.hlim = 63;
  Bytes in = udp_packet(h, 1, 2, 1401 - 28);
  TestMapper m;
  Xlat6 r = run6(in, cfg, m);
  ASSERT_EQ(r.outcome, Outcome::Reply);
  const Bytes& p = r.pkts.at(0);
  EXPECT_EQ(p[48 + 7], 64);  // quoted hop limit: 63 + 1
  EXPECT_TRUE(ipv6_icmp_checksum_ok(p));
  in[7] = 64;
  EXPECT_TRUE(std::equal(p.begin() + 48, p.end(), in.begin()));
}
