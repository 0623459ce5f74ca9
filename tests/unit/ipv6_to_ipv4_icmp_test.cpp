// RFC 7915 §5.2 (ICMPv6 -> ICMPv4), §5.3 (the packet quoted in an ICMPv6 error) and §5.4 (the
// translator's own ICMPv6 errors).
#include <gtest/gtest.h>

#include <optional>

#include "packet_builder6.hpp"
#include "xlat/icmpv6_errors.hpp"

using namespace pb6;
using sixfour::xlat::DropReason;
using sixfour::xlat::Outcome;
using sixfour::xlat::Part;

namespace {

// A UDP packet from the IPv4 host (seen in IPv6 as 2001:db8:64::c000:201) to the IPv6 client, as the
// client would quote it in an ICMPv6 error.
Bytes inner_udp(uint8_t hlim = 50, uint16_t sport = 53, uint16_t dport = 40000, size_t n = 12, uint8_t tc = 0x28) {
  Ip6 h{tc, 0, hlim, "2001:db8:64::c000:201", "2001:db8:1::5"};
  Bytes p = ipv6(h, 17, udp(sport, dport, pattern(n)));
  fill_checksum6(p, 40, 17, 6);
  return p;
}

// An ICMPv6 error from `src` to the IPv4 host, quoting `quote`.
Bytes icmp_error(uint8_t type, uint8_t code, uint32_t word, const Bytes& quote, const char* src = "2001:db8:1::5",
                 uint8_t hlim = 64) {
  Ip6 h{0, 0, hlim, src, "2001:db8:64::c000:201"};
  Bytes p = ipv6(h, 58, icmp6(type, code, word, quote));
  fill_checksum6(p, 40, 58, 2);
  return p;
}

Bytes echo(uint8_t type, uint16_t id, uint16_t seq, size_t n, const char* src = "2001:db8:1::5") {
  Ip6 h;
  h.src = src;
  Bytes p = ipv6(h, 58, icmp6(type, 0, uint32_t{id} << 16 | seq, pattern(n)));
  fill_checksum6(p, 40, 58, 2);
  return p;
}

Bytes slice(const Bytes& b, size_t off, size_t n = SIZE_MAX) {
  n = std::min(n, b.size() - off);
  return Bytes(b.begin() + off, b.begin() + off + n);
}

void expect_addr4(const Bytes& p, size_t off, const char* a) {
  const auto want = a4(a);
  for (size_t i = 0; i < 4; ++i) EXPECT_EQ(p.at(off + i), want[i]) << "byte " << off + i;
}

}  // namespace

// ---- informational ----------------------------------------------------------------------------

TEST(Ipv6ToIpv4Icmp, EchoRequestAndReply) {
  for (auto [t6, t4] : {std::pair<uint8_t, uint8_t>{128, 8}, {129, 0}}) {
    Bytes in = echo(t6, 0x4242, 7, 56);
    TestMapper m;
    Xlat6 r = run6(in, test_config(), m);
    ASSERT_EQ(r.outcome, Outcome::Forward);
    const Bytes& p = r.pkts.at(0);
    ASSERT_EQ(p.size(), 20u + 64);
    EXPECT_EQ(p[9], 1);  // ICMPv6 58 -> ICMP 1
    EXPECT_EQ(rd16(p, 2), 84);
    EXPECT_EQ(p[20], t4);
    EXPECT_EQ(p[21], 0);
    EXPECT_EQ(rd16(p, 24), 0x4242);
    EXPECT_EQ(rd16(p, 26), 7);
    EXPECT_TRUE(std::equal(p.begin() + 28, p.end(), in.begin() + 48));
    EXPECT_TRUE(ipv4_header_checksum_ok(p));
    EXPECT_TRUE(ipv4_l4_checksum_ok(p));  // no pseudo-header in ICMPv4
    ASSERT_EQ(m.calls.size(), 1u);
    EXPECT_EQ(m.calls[0].part, Part::Outer);
    EXPECT_EQ(m.calls[0].in.proto, 58);
    EXPECT_EQ(m.calls[0].in.sport, 0x4242);
    EXPECT_EQ(m.calls[0].in.dport, 0x4242);
  }
}

TEST(Ipv6ToIpv4Icmp, EchoIdentifierRewritten) {
  Bytes in = echo(128, 1111, 1, 8);
  TestMapper m;
  Xlat6 r = run6(in, test_config(), m);
  ASSERT_EQ(r.outcome, Outcome::Forward);
  EXPECT_EQ(rd16(r.pkts.at(0), 24), 2222);
  EXPECT_TRUE(ipv4_l4_checksum_ok(r.pkts[0]));
}

class InformationalDropped : public testing::TestWithParam<int> {};
// MLD (130-132, 143), ND (133-137), and informational types with no IPv4 counterpart.
TEST_P(InformationalDropped, SilentlyDropped) {
  Bytes in = icmp_error(static_cast<uint8_t>(GetParam()), 0, 0, pattern(16));
  TestMapper m;
  Xlat6 r = run6(in, test_config(), m);
  EXPECT_EQ(r.outcome, Outcome::Drop);
  EXPECT_EQ(r.reason, DropReason::UntranslatableIcmp);
  EXPECT_TRUE(r.pkts.empty());
}
INSTANTIATE_TEST_SUITE_P(Rfc7915Sec52, InformationalDropped,
                         testing::Values(130, 131, 132, 133, 134, 135, 136, 137, 139, 143, 200, 255));

// ---- errors: the §5.2 type/code table ------------------------------------------------------------

struct ErrRow {
  uint8_t type6, code6;
  uint32_t word6;
  std::optional<std::pair<uint8_t, uint8_t>> v4;  // nullopt: silently dropped
};

class ErrorTable : public testing::TestWithParam<ErrRow> {};

TEST_P(ErrorTable, TypeAndCode) {
  const ErrRow& row = GetParam();
  Bytes q = inner_udp();
  Bytes in = icmp_error(row.type6, row.code6, row.word6, q);
  TestMapper m;
  Xlat6 r = run6(in, test_config(), m);
  if (!row.v4) {
    EXPECT_EQ(r.outcome, Outcome::Drop);
    EXPECT_EQ(r.reason, DropReason::UntranslatableIcmp);
    return;
  }
  ASSERT_EQ(r.outcome, Outcome::Forward);
  const Bytes& p = r.pkts.at(0);
  ASSERT_EQ(p.size(), 20u + 8 + 20 + 20);
  // Outer IPv4 header.
  EXPECT_EQ(p[0], 0x45);
  EXPECT_EQ(rd16(p, 2), p.size());
  EXPECT_EQ(rd16(p, 6), 0);
  EXPECT_EQ(p[8], 63);
  EXPECT_EQ(p[9], 1);
  expect_addr4(p, 12, "198.51.100.5");
  expect_addr4(p, 16, "192.0.2.1");
  EXPECT_TRUE(ipv4_header_checksum_ok(p));
  // ICMPv4 header.
  EXPECT_EQ(p[20], row.v4->first);
  EXPECT_EQ(p[21], row.v4->second);
  EXPECT_TRUE(ipv4_l4_checksum_ok(p));
  // §5.3: the quoted packet, translated.
  Bytes inner = slice(p, 28);
  EXPECT_EQ(inner[0], 0x45);
  EXPECT_EQ(inner[1], 0x28);      // Traffic Class copied
  EXPECT_EQ(rd16(inner, 2), 40);  // original length: 20 + 20-byte UDP
  EXPECT_EQ(rd16(inner, 4), 0);   // no Fragment header: zero
  EXPECT_EQ(rd16(inner, 6), 0);
  EXPECT_EQ(inner[8], 50);  // Hop Limit copied, not decremented
  EXPECT_EQ(inner[9], 17);
  expect_addr4(inner, 12, "192.0.2.1");
  expect_addr4(inner, 16, "198.51.100.5");
  EXPECT_TRUE(ipv4_header_checksum_ok(inner));
  EXPECT_EQ(rd16(inner, 20), 53);
  EXPECT_EQ(rd16(inner, 22), 40000);
  EXPECT_TRUE(ipv4_l4_checksum_ok(inner));  // inner UDP checksum fixed for the new addresses
  // Mapper: outer as the outer of an ICMP error, then the inner part.
  ASSERT_EQ(m.calls.size(), 2u);
  EXPECT_EQ(m.calls[0].part, Part::OuterOfIcmpError);
  EXPECT_EQ(m.calls[1].part, Part::Inner);
  EXPECT_EQ(m.calls[1].in.sport, 53);
  EXPECT_EQ(m.calls[1].in.dport, 40000);
  EXPECT_EQ(m.calls[1].in.proto, 17);
}

using P = std::pair<uint8_t, uint8_t>;
INSTANTIATE_TEST_SUITE_P(Rfc7915Sec52, ErrorTable,
                         testing::Values(ErrRow{1, 0, 0, P{3, 1}},       // no route -> host unreachable
                                         ErrRow{1, 1, 0, P{3, 10}},      // admin prohibited -> host admin prohibited
                                         ErrRow{1, 2, 0, P{3, 1}},       // beyond scope -> host unreachable
                                         ErrRow{1, 3, 0, P{3, 1}},       // address unreachable -> host unreachable
                                         ErrRow{1, 4, 0, P{3, 3}},       // port unreachable -> port unreachable
                                         ErrRow{1, 5, 0, std::nullopt},  // other codes: silently drop
                                         ErrRow{1, 6, 0, std::nullopt},
                                         ErrRow{2, 0, 1400, P{3, 4}},  // packet too big -> fragmentation needed
                                         ErrRow{3, 0, 0, P{11, 0}},    // time exceeded, code unchanged
                                         ErrRow{3, 1, 0, P{11, 1}},
                                         ErrRow{4, 0, 6, P{12, 0}},  // parameter problem, pointer mapped
                                         ErrRow{4, 1, 0, P{3, 2}},   // unrecognized next header -> protocol unreachable
                                         ErrRow{4, 2, 0, std::nullopt},  // unrecognized option: drop
                                         ErrRow{5, 0, 0, std::nullopt},  // unknown error types: drop
                                         ErrRow{127, 0, 0, std::nullopt}));

// §5.2 Figure 6.
class PointerMap : public testing::TestWithParam<std::pair<uint32_t, int>> {};
TEST_P(PointerMap, Figure6) {
  auto [ptr6, ptr4] = GetParam();
  Bytes in = icmp_error(4, 0, ptr6, inner_udp());
  TestMapper m;
  Xlat6 r = run6(in, test_config(), m);
  if (ptr4 < 0) {
    EXPECT_EQ(r.outcome, Outcome::Drop);
    EXPECT_EQ(r.reason, DropReason::UntranslatableIcmp);
    return;
  }
  ASSERT_EQ(r.outcome, Outcome::Forward);
  const Bytes& p = r.pkts.at(0);
  EXPECT_EQ(p[20], 12);
  EXPECT_EQ(p[21], 0);
  EXPECT_EQ(p[24], ptr4);
  EXPECT_EQ(p[25], 0);
  EXPECT_EQ(rd16(p, 26), 0);
  EXPECT_TRUE(ipv4_l4_checksum_ok(p));
}
INSTANTIATE_TEST_SUITE_P(Rfc7915Sec52, PointerMap,
                         testing::Values(std::pair<uint32_t, int>{0, 0}, std::pair<uint32_t, int>{1, 1},
                                         std::pair<uint32_t, int>{2, -1}, std::pair<uint32_t, int>{3, -1},
                                         std::pair<uint32_t, int>{4, 2}, std::pair<uint32_t, int>{5, 2},
                                         std::pair<uint32_t, int>{6, 9}, std::pair<uint32_t, int>{7, 8},
                                         std::pair<uint32_t, int>{8, 12}, std::pair<uint32_t, int>{23, 12},
                                         std::pair<uint32_t, int>{24, 16}, std::pair<uint32_t, int>{39, 16},
                                         std::pair<uint32_t, int>{40, -1}, std::pair<uint32_t, int>{0x01000006, -1}));

// §5.2 Packet Too Big: minimum(MTU - 20, IPv4 next-hop MTU, IPv6 next-hop MTU - 20), and 8 more
// when the quoted packet had a Fragment header.
TEST(Ipv6ToIpv4Icmp, PacketTooBigMtuArithmetic) {
  struct Case {
    uint32_t adv;
    uint16_t mtu4, mtu6;
    bool frag;
    uint16_t want;
  };
  for (const Case& c :
       {Case{1400, 1500, 1500, false, 1380}, Case{1400, 1500, 1500, true, 1372}, Case{9000, 1500, 9000, false, 1500},
        Case{9000, 9000, 1500, false, 1480}, Case{1400, 1300, 1500, false, 1300}}) {
    Bytes q = inner_udp();
    if (c.frag) {
      Bytes body = slice(q, 40);
      Bytes fh = fragment_header(17, 0, true, 0x00c0ffee);
      fh.insert(fh.end(), body.begin(), body.end());
      q = ipv6(Ip6{0, 0, 50, "2001:db8:64::c000:201", "2001:db8:1::5"}, 44, fh);
    }
    auto cfg = test_config();
    cfg.mtu4 = c.mtu4;
    cfg.mtu6 = c.mtu6;
    TestMapper m;
    Xlat6 r = run6(icmp_error(2, 0, c.adv, q), cfg, m);
    ASSERT_EQ(r.outcome, Outcome::Forward);
    const Bytes& p = r.pkts.at(0);
    EXPECT_EQ(p[20], 3);
    EXPECT_EQ(p[21], 4);
    EXPECT_EQ(rd16(p, 24), 0);
    EXPECT_EQ(rd16(p, 26), c.want) << c.adv << " " << c.mtu4 << " " << c.mtu6 << " " << c.frag;
    EXPECT_TRUE(ipv4_l4_checksum_ok(p));
    if (c.frag) {  // §5.3: an inner Fragment header becomes the inner IPv4 fragment fields
      Bytes inner = slice(p, 28);
      EXPECT_EQ(rd16(inner, 2), 40);  // 20 + UDP, without the 8-byte Fragment header
      EXPECT_EQ(rd16(inner, 4), 0xffee);
      EXPECT_EQ(rd16(inner, 6), 0x2000);
      EXPECT_EQ(inner[9], 17);
      EXPECT_TRUE(ipv4_header_checksum_ok(inner));
    }
  }
}

// §5.2 at every RFC 1191 §7 plateau: an IPv6 router's Packet Too Big of plateau + 20 (the IPv6 form
// of an IPv4 path of that MTU) becomes Fragmentation Needed with the plateau itself in the low 16
// bits of the word (RFC 1191 §4: the high 16 bits stay zero); with an inner Fragment header, 8 less.
// mtu4 and mtu6 are as large as they go, so only the arithmetic shows.
TEST(Ipv6ToIpv4Icmp, PacketTooBigAtEveryRfc1191Plateau) {
  for (uint32_t plateau : {68u, 296u, 508u, 1006u, 1492u, 2002u, 4352u, 8166u, 17914u, 32000u, 65515u}) {
    auto cfg = test_config();
    cfg.mtu4 = 65535;
    cfg.mtu6 = 65535;
    TestMapper m;
    Xlat6 r = run6(icmp_error(2, 0, plateau + 20, inner_udp()), cfg, m);
    ASSERT_EQ(r.outcome, Outcome::Forward) << plateau;
    const Bytes& p = r.pkts.at(0);
    const uint8_t want[4] = {0, 0, uint8_t(plateau >> 8), uint8_t(plateau)};
    EXPECT_EQ(p[20], 3);
    EXPECT_EQ(p[21], 4);
    EXPECT_TRUE(std::equal(want, want + 4, p.begin() + 24)) << plateau;
    EXPECT_TRUE(ipv4_l4_checksum_ok(p));
  }
}

// The edges of each clamp of minimum(MTU - 20, mtu4, mtu6 - 20): the IPv6 minimum (1280 -> 1260, the
// smallest IPv4 path an IPv6 path can be), one over it, mtu4 equal and one under, mtu6 - 20 equal and
// one under, and an MTU beyond 16 bits.
TEST(Ipv6ToIpv4Icmp, PacketTooBigBoundaryMtus) {
  struct Case {
    uint32_t adv;
    uint16_t mtu4, mtu6;
    uint16_t want;
  };
  for (const Case& c : {Case{1280, 1500, 1500, 1260}, Case{1281, 1500, 1500, 1261}, Case{1520, 1500, 1500, 1480},
                        Case{1521, 1500, 9000, 1500}, Case{1520, 1500, 9000, 1500}, Case{1519, 1500, 9000, 1499},
                        Case{1500, 9000, 1500, 1480}, Case{1499, 9000, 1500, 1479}, Case{0x10000, 65535, 65535, 65515},
                        Case{0xffffffff, 65535, 65535, 65515}}) {
    auto cfg = test_config();
    cfg.mtu4 = c.mtu4;
    cfg.mtu6 = c.mtu6;
    TestMapper m;
    Xlat6 r = run6(icmp_error(2, 0, c.adv, inner_udp()), cfg, m);
    ASSERT_EQ(r.outcome, Outcome::Forward) << c.adv;
    const Bytes& p = r.pkts.at(0);
    EXPECT_EQ(rd16(p, 24), 0) << c.adv;
    EXPECT_EQ(rd16(p, 26), c.want) << c.adv << " " << c.mtu4 << " " << c.mtu6;
    EXPECT_TRUE(ipv4_l4_checksum_ok(p));
  }
}

// §5.3: inner extension headers are removed.
TEST(Ipv6ToIpv4Icmp, InnerExtensionHeadersRemoved) {
  Ip6 h{0, 0, 9, "2001:db8:64::c000:201", "2001:db8:1::5"};
  Bytes body = opts_header(17);
  Bytes u = udp(53, 40000, pattern(4));
  body.insert(body.end(), u.begin(), u.end());
  Bytes q = ipv6(h, 0, body);
  fill_checksum6(q, 48, 17, 6);
  TestMapper m;
  Xlat6 r = run6(icmp_error(1, 4, 0, q), test_config(), m);
  ASSERT_EQ(r.outcome, Outcome::Forward);
  Bytes inner = slice(r.pkts.at(0), 28);
  ASSERT_EQ(inner.size(), 20 + u.size());
  EXPECT_EQ(rd16(inner, 2), 20 + u.size());
  EXPECT_EQ(inner[9], 17);
  EXPECT_EQ(inner[8], 9);
  EXPECT_TRUE(ipv4_l4_checksum_ok(inner));
  EXPECT_TRUE(ipv4_l4_checksum_ok(r.pkts[0]));
}

// §5.3: the mapper's inner port change is applied to the quote and its checksum.
TEST(Ipv6ToIpv4Icmp, InnerPortRewritten) {
  TestMapper m;
  Xlat6 r = run6(icmp_error(1, 4, 0, inner_udp(50, 53, 1111)), test_config(), m);
  ASSERT_EQ(r.outcome, Outcome::Forward);
  Bytes inner = slice(r.pkts.at(0), 28);
  EXPECT_EQ(rd16(inner, 22), 2222);
  EXPECT_TRUE(ipv4_l4_checksum_ok(inner));
  EXPECT_TRUE(ipv4_l4_checksum_ok(r.pkts[0]));
}

TEST(Ipv6ToIpv4Icmp, InnerEchoTranslated) {
  Ip6 h{0, 0, 30, "2001:db8:64::c000:201", "2001:db8:1::5"};
  Bytes q = ipv6(h, 58, icmp6(128, 0, 1111u << 16 | 3, pattern(24)));
  fill_checksum6(q, 40, 58, 2);
  TestMapper m;
  Xlat6 r = run6(icmp_error(1, 4, 0, q), test_config(), m);
  ASSERT_EQ(r.outcome, Outcome::Forward);
  Bytes inner = slice(r.pkts.at(0), 28);
  EXPECT_EQ(inner[9], 1);
  EXPECT_EQ(inner[20], 8);
  EXPECT_EQ(rd16(inner, 24), 2222);
  EXPECT_TRUE(ipv4_l4_checksum_ok(inner));
}

TEST(Ipv6ToIpv4Icmp, InnerIcmpErrorNotTranslated) {
  Ip6 h{0, 0, 30, "2001:db8:64::c000:201", "2001:db8:1::5"};
  Bytes q = ipv6(h, 58, icmp6(1, 4, 0, inner_udp()));
  TestMapper m;
  Xlat6 r = run6(icmp_error(1, 4, 0, q), test_config(), m);
  EXPECT_EQ(r.outcome, Outcome::Drop);
  EXPECT_EQ(r.reason, DropReason::InnerPacket);
}

TEST(Ipv6ToIpv4Icmp, InnerTruncatedBelowIpv6Header) {
  TestMapper m;
  Xlat6 r = run6(icmp_error(1, 4, 0, slice(inner_udp(), 0, 30)), test_config(), m);
  EXPECT_EQ(r.outcome, Outcome::Drop);
  EXPECT_EQ(r.reason, DropReason::InnerPacket);
}

// §5.3: the translated ICMPv4 error is cut to 576 bytes; the inner Total Length keeps the original.
TEST(Ipv6ToIpv4Icmp, TruncatedTo576) {
  Bytes q = inner_udp(50, 53, 40000, 1100);
  TestMapper m;
  Xlat6 r = run6(icmp_error(3, 0, 0, q), test_config(), m);
  ASSERT_EQ(r.outcome, Outcome::Forward);
  const Bytes& p = r.pkts.at(0);
  ASSERT_EQ(p.size(), 576u);
  EXPECT_EQ(rd16(p, 2), 576);
  EXPECT_EQ(rd16(p, 6), 0);  // DF=0 at 576 bytes
  EXPECT_TRUE(ipv4_header_checksum_ok(p));
  EXPECT_TRUE(ipv4_l4_checksum_ok(p));
  Bytes inner = slice(p, 28);
  EXPECT_EQ(rd16(inner, 2), 20 + 8 + 1100);
  EXPECT_TRUE(ipv4_header_checksum_ok(inner));
  EXPECT_TRUE(std::equal(inner.begin() + 28, inner.end(), q.begin() + 48));
}

// RFC 6791 (through the mapper's Part::OuterOfIcmpError): an error from an IPv6 router with no IPv4
// address still reaches the IPv4 host, traceroute-style.
TEST(Ipv6ToIpv4Icmp, Rfc6791SourceForUntranslatableRouter) {
  TestMapper m;
  Xlat6 r = run6(icmp_error(3, 0, 0, inner_udp(1), "2001:db8:ffff::1"), test_config(), m);
  ASSERT_EQ(r.outcome, Outcome::Forward);
  const Bytes& p = r.pkts.at(0);
  expect_addr4(p, 12, "203.0.113.254");
  expect_addr4(p, 16, "192.0.2.1");
  EXPECT_EQ(p[20], 11);
  EXPECT_EQ(p[21], 0);
  EXPECT_TRUE(ipv4_header_checksum_ok(p));
  EXPECT_TRUE(ipv4_l4_checksum_ok(p));
  EXPECT_EQ(m.calls.at(0).part, Part::OuterOfIcmpError);
  // The same router address as the source of anything but an error is not translatable.
  TestMapper m2;
  Xlat6 e = run6(echo(128, 5, 5, 8, "2001:db8:ffff::1"), test_config(), m2);
  EXPECT_EQ(e.outcome, Outcome::Drop);
  EXPECT_EQ(e.reason, DropReason::SrcUntranslatable);
}

// RFC 4884: the extension after the Length*8-byte quote is carried, with the ICMPv4 length attribute.
TEST(Ipv6ToIpv4Icmp, Rfc4884ExtensionCarried) {
  Bytes q = inner_udp(50, 53, 40000, 108);  // 40 + 8 + 108 = 156 -> padded to 160 = 20 words of 8
  q.resize(160, 0);
  Bytes ext{0x20, 0, 0, 0, 0, 8, 1, 1, 0xde, 0xad, 0xbe, 0xef};
  q.insert(q.end(), ext.begin(), ext.end());
  TestMapper m;
  Xlat6 r = run6(icmp_error(1, 4, 20u << 24, q), test_config(), m);
  ASSERT_EQ(r.outcome, Outcome::Forward);
  const Bytes& p = r.pkts.at(0);
  // The 136-octet translated quote (34 words of 4) and the extension after it (icmp_extensions_test).
  EXPECT_EQ(p.size(), 20u + 8 + 20 + 116 + 12);
  EXPECT_EQ(p[25], 34);  // ICMPv4 Length attribute
  EXPECT_EQ(slice(p, 164), ext);
  EXPECT_TRUE(ipv4_l4_checksum_ok(p));
}

// ICMPv6 errors are never answered with an error (RFC 4443 §2.4 (e.1)), even at Hop Limit 1.
TEST(Ipv6ToIpv4Icmp, NoErrorAboutAnError) {
  TestMapper m;
  Xlat6 r = run6(icmp_error(1, 4, 0, inner_udp(), "2001:db8:1::5", 1), test_config(), m);
  EXPECT_EQ(r.outcome, Outcome::Drop);
  EXPECT_EQ(r.reason, DropReason::TtlExpired);
  EXPECT_TRUE(r.pkts.empty());
}

// An ICMPv4 error above a small IPv4 MTU is fragmented (it is at most 576 bytes, DF=0).
TEST(Ipv6ToIpv4Icmp, ErrorFragmentedForSmallMtu) {
  auto cfg = test_config();
  cfg.mtu4 = 300;
  TestMapper m;
  Xlat6 r = run6(icmp_error(3, 0, 0, inner_udp(50, 53, 40000, 1100)), cfg, m);
  ASSERT_EQ(r.outcome, Outcome::Forward);
  ASSERT_EQ(r.pkts.size(), 2u);
  EXPECT_EQ(r.pkts[0].size(), 20u + 280);
  EXPECT_EQ(r.pkts[1].size(), 20u + 556 - 280);
  EXPECT_EQ(rd16(r.pkts[0], 6), 0x2000);
  EXPECT_EQ(rd16(r.pkts[1], 6), 280 / 8);
  Bytes whole = r.pkts[0];
  whole.insert(whole.end(), r.pkts[1].begin() + 20, r.pkts[1].end());
  wr16(whole, 2, 576);
  EXPECT_TRUE(ipv4_l4_checksum_ok(whole));
}

// ---- §5.4 builder ------------------------------------------------------------------------------

TEST(Icmpv6Errors, RefusesMulticastUnspecifiedNonFirstFragmentAndErrors) {
  const auto self = sixfour::Ipv6Addr::parse("2001:db8:ff::1").value();
  Bytes out(2000);
  auto build = [&](const Bytes& orig) { return sixfour::xlat::build_icmpv6_error(orig, 3, 0, 0, self, out); };
  Ip6 mc;
  mc.src = "ff02::1";
  EXPECT_EQ(build(ipv6(mc, 17, udp(1, 2, pattern(4)))), 0u);
  Ip6 un;
  un.src = "::";
  EXPECT_EQ(build(ipv6(un, 17, udp(1, 2, pattern(4)))), 0u);
  Bytes nf = fragment_header(17, 10, false, 1);
  nf.resize(40);
  EXPECT_EQ(build(ipv6(Ip6{}, 44, nf)), 0u);
  EXPECT_EQ(build(ipv6(Ip6{}, 58, icmp6(1, 0, 0, pattern(40)))), 0u);
  // A first fragment and an informational ICMPv6 message do get errors.
  Bytes ff = fragment_header(17, 0, true, 1);
  ff.resize(40);
  EXPECT_EQ(build(ipv6(Ip6{}, 44, ff)), 48u + 80);
  EXPECT_EQ(build(ipv6(Ip6{}, 58, icmp6(128, 0, 0, pattern(8)))), 48u + 56);
  // Too little space: nothing.
  Bytes small(60);
  EXPECT_EQ(sixfour::xlat::build_icmpv6_error(ipv6(Ip6{}, 17, udp(1, 2, pattern(4))), 3, 0, 0, self, small), 0u);
}

TEST(Icmpv6Errors, QuoteCappedAt1280) {
  const auto self = sixfour::Ipv6Addr::parse("2001:db8:ff::1").value();
  Bytes orig = ipv6(Ip6{}, 17, udp(1, 2, pattern(3000)));
  Bytes out(4000);
  const size_t n = sixfour::xlat::build_icmpv6_error(orig, 4, 0, 0x2a, self, out);
  ASSERT_EQ(n, 1280u);
  out.resize(n);
  EXPECT_EQ(rd16(out, 4), 1240);
  EXPECT_EQ(out[40], 4);
  EXPECT_EQ(rd32(out, 44), 0x2au);
  EXPECT_TRUE(std::equal(out.begin() + 48, out.end(), orig.begin()));
  EXPECT_TRUE(ipv6_icmp_checksum_ok(out));
}
