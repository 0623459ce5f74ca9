// RFC 7915 §4.2 (ICMPv4 -> ICMPv6 type/code table, Figure 3 pointer map, MTU arithmetic) and §4.3
// (the quoted packet inside ICMPv4 errors).
#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <tuple>

#include "ipv4_to_ipv6_fixture.hpp"

using namespace v4to6test;
using sixfour::xlat::DropReason;
using sixfour::xlat::MapStatus;
using sixfour::xlat::Outcome;
using sixfour::xlat::Part;

namespace {

// The packet that went out from 203.0.113.9 (an IPv6 host's IPv4 address) towards 198.51.100.7 and
// provoked the error; the error comes from router 192.0.2.1 back to 203.0.113.9.
Bytes original_udp(size_t data = 12) {
  return ipv4(17, kDst4, kSrc4, udp(kDst4, kSrc4, 40000, 53, pattern(data)), {.ttl = 17, .id = 0x5151});
}
Bytes icmp_error(uint8_t type, uint8_t code, uint32_t rest, std::span<const uint8_t> quote, const V4Opts& o = {}) {
  return ipv4(1, kRouter4, kDst4, icmp4(type, code, rest, quote), o);
}

// Checks the ICMPv6 error around an inner packet: outer header, ICMPv6 header and checksum from scratch.
void expect_icmpv6_error(std::span<const uint8_t> p, uint8_t type, uint8_t code, uint32_t rest) {
  ASSERT_GE(p.size(), 48u);
  expect_v6_header(p, 0, static_cast<uint16_t>(p.size() - 40), 58, 63, embed(kRouter4), embed(kDst4));
  EXPECT_EQ(p[40], type);
  EXPECT_EQ(p[41], code);
  EXPECT_EQ(rd32(p, 44), rest);
  EXPECT_TRUE(v6_l4_checksum_ok(p.subspan(8, 16), p.subspan(24, 16), 58, p.subspan(40)));
}

// The quoted original, translated (§4.3): IPv6 header with TTL not decremented, UDP checksum valid.
void expect_inner_udp(std::span<const uint8_t> p, size_t data) {
  auto in6 = p.subspan(48);
  expect_v6_header(in6, 0, static_cast<uint16_t>(8 + data), 17, 17, embed(kDst4), embed(kSrc4));
  EXPECT_EQ(rd16(in6, 40), 40000);
  EXPECT_EQ(rd16(in6, 42), 53);
  EXPECT_TRUE(v6_l4_checksum_ok(in6.subspan(8, 16), in6.subspan(24, 16), 17, in6.subspan(40)));
}

}  // namespace

// §4.2 Echo Request / Echo Reply -> 128 / 129 with the ICMPv6 checksum (pseudo-header included).
TEST_F(V4to6, EchoRequestAndReply) {
  for (auto [t4, t6] : {std::pair{8, 128}, std::pair{0, 129}}) {
    const Bytes data = pattern(56);
    const Bytes m = icmp4(static_cast<uint8_t>(t4), 0, 0x0bad0001, data);
    run(ipv4(1, kSrc4, kDst4, m, {.tos = 0x10}));
    ASSERT_EQ(out.outcome, Outcome::Forward) << t4;
    auto p = pkt();
    ASSERT_EQ(p.size(), 40 + m.size());
    expect_v6_header(p, 0x10, static_cast<uint16_t>(m.size()), 58, 63, embed(kSrc4), embed(kDst4));
    EXPECT_EQ(p[40], t6);
    EXPECT_EQ(p[41], 0);
    EXPECT_EQ(rd16(p, 44), 0x0bad) << "identifier";
    EXPECT_EQ(rd16(p, 46), 0x0001) << "sequence";
    EXPECT_TRUE(std::equal(data.begin(), data.end(), p.begin() + 48));
    EXPECT_TRUE(v6_l4_checksum_ok(p.subspan(8, 16), p.subspan(24, 16), 58, p.subspan(40)));
    EXPECT_EQ(mapper.seen.back().sport, 0x0bad);
    EXPECT_EQ(mapper.seen.back().dport, 0x0bad);
  }
}

TEST_F(V4to6, EchoIdentifierChangedByMapper) {
  mapper.port_delta = 5;
  run(ipv4(1, kSrc4, kDst4, icmp4(8, 0, 0x01000009, pattern(10))));
  ASSERT_EQ(out.outcome, Outcome::Forward);
  EXPECT_EQ(rd16(pkt(), 44), 0x0105);
  EXPECT_TRUE(v6_l4_checksum_ok(pkt().subspan(8, 16), pkt().subspan(24, 16), 58, pkt().subspan(40)));
}

// A large DF=0 echo is split after its checksum is computed over the whole message.
TEST_F(V4to6, LargeEchoFragmentedWithWholeChecksum) {
  const Bytes m = icmp4(8, 0, 0x00070001, pattern(2000));
  run(ipv4(1, kSrc4, kDst4, m, {.id = 77}));
  ASSERT_EQ(out.outcome, Outcome::Forward);
  ASSERT_EQ(out.count, 2);
  Bytes whole;
  for (size_t i = 0; i < out.count; ++i) whole.insert(whole.end(), pkt(i).begin() + 48, pkt(i).end());
  EXPECT_EQ(pkt(0)[40], 58);
  EXPECT_TRUE(v6_l4_checksum_ok(embed(kSrc4), embed(kDst4), 58, whole));
}

// Not translated (RFC 7915 §1.2); the first fragment of a query gets §4.4's error (refusals_test.cpp
// checks its bytes), a later fragment nothing (RFC 1812 §4.3.2.7).
TEST_F(V4to6, FragmentedIcmpDropped) {
  run(ipv4(1, kSrc4, kDst4, icmp4(8, 0, 1, pattern(64)), {.mf = true}));
  ASSERT_EQ(out.outcome, Outcome::Reply);
  EXPECT_EQ(out.reason, DropReason::FragmentedIcmp);
  run(ipv4(1, kSrc4, kDst4, pattern(64), {.frag_off = 9}));
  expect_drop(DropReason::FragmentedIcmp);
}

TEST_F(V4to6, IcmpBadChecksumDropped) {
  Bytes m = icmp4(8, 0, 1, pattern(20));
  m[10] ^= 0x40;
  run(ipv4(1, kSrc4, kDst4, m));
  expect_drop(DropReason::BadChecksum);
}

// §4.2: every ICMPv4 type without a translation is dropped.
class DroppedIcmpType : public V4to6, public ::testing::WithParamInterface<int> {};
TEST_P(DroppedIcmpType, Dropped) {
  const uint8_t type = static_cast<uint8_t>(GetParam());
  run(ipv4(1, kSrc4, kDst4, icmp4(type, 0, 0, original_udp())));
  expect_drop(DropReason::UntranslatableIcmp);
  EXPECT_EQ(mapper.calls, 0);
}
INSTANTIATE_TEST_SUITE_P(Rfc7915Sec4_2, DroppedIcmpType,
                         ::testing::Values(4,       // Source Quench (obsoleted)
                                           5,       // Redirect (single hop)
                                           6,       // Alternative Host Address
                                           9,       // Router Advertisement (single hop)
                                           10,      // Router Solicitation (single hop)
                                           13, 14,  // Timestamp / Reply (obsoleted)
                                           15, 16,  // Information Request / Reply (obsoleted)
                                           17, 18,  // Address Mask Request / Reply (obsoleted)
                                           1, 2, 7, 19, 30, 40, 42, 43, 253, 255));  // unassigned / unknown

// §4.2 Destination Unreachable (Type 3), every code 0..15 (and one unknown).
struct DuRow {
  int code;
  std::optional<std::pair<int, int>> v6;  // type, code; nullopt = silently drop
  uint32_t rest = 0;
};
class DestUnreachCode : public V4to6, public ::testing::WithParamInterface<DuRow> {};
TEST_P(DestUnreachCode, Translated) {
  const DuRow r = GetParam();
  const Bytes orig = original_udp();
  const uint32_t rest4 = r.code == 4 ? 1400 : 0;
  run(icmp_error(3, static_cast<uint8_t>(r.code), rest4, orig));
  if (!r.v6) {
    expect_drop(DropReason::UntranslatableIcmp);
    return;
  }
  ASSERT_EQ(out.outcome, Outcome::Forward);
  ASSERT_EQ(out.count, 1);
  EXPECT_EQ(out.lens[0], 40 + 8 + 40 + 20);
  expect_icmpv6_error(pkt(), static_cast<uint8_t>(r.v6->first), static_cast<uint8_t>(r.v6->second), r.rest);
  expect_inner_udp(pkt(), 12);
}
INSTANTIATE_TEST_SUITE_P(
    Rfc7915Sec4_2, DestUnreachCode,
    ::testing::Values(DuRow{0, std::pair{1, 0}},        // net unreachable -> no route
                      DuRow{1, std::pair{1, 0}},        // host unreachable -> no route
                      DuRow{2, std::pair{4, 1}, 6},     // protocol unreachable -> Parameter Problem, Next Header
                      DuRow{3, std::pair{1, 4}},        // port unreachable
                      DuRow{4, std::pair{2, 0}, 1420},  // fragmentation needed -> Packet Too Big
                      DuRow{5, std::pair{1, 0}},        // source route failed
                      DuRow{6, std::pair{1, 0}}, DuRow{7, std::pair{1, 0}}, DuRow{8, std::pair{1, 0}},
                      DuRow{9, std::pair{1, 1}}, DuRow{10, std::pair{1, 1}},  // administratively prohibited
                      DuRow{11, std::pair{1, 0}}, DuRow{12, std::pair{1, 0}},
                      DuRow{13, std::pair{1, 1}},  // communication administratively prohibited
                      DuRow{14, std::nullopt},     // host precedence violation: drop
                      DuRow{15, std::pair{1, 1}},  // precedence cutoff
                      DuRow{16, std::nullopt}, DuRow{200, std::nullopt}));

// §4.2 Fragmentation Needed -> Packet Too Big: max(1280, min(MTU+20, mtu6, mtu4+20)); a zero MTU is
// replaced by the greatest RFC 1191 plateau below the quoted Total Length that is at least 1280.
struct PtbRow {
  uint16_t field, inner_total, mtu4, mtu6;
  uint32_t expected;
};
class PacketTooBigMtu : public V4to6, public ::testing::WithParamInterface<PtbRow> {};
TEST_P(PacketTooBigMtu, Arithmetic) {
  const PtbRow r = GetParam();
  cfg.mtu4 = r.mtu4;
  cfg.mtu6 = r.mtu6;
  // Only the first 28 bytes are quoted; the Total Length field says how big the original was.
  Bytes orig = original_udp(r.inner_total - 28);
  orig.resize(28);
  run(icmp_error(3, 4, r.field, orig));
  ASSERT_EQ(out.outcome, Outcome::Forward);
  expect_icmpv6_error(pkt(), 2, 0, r.expected);
  EXPECT_EQ(rd16(pkt(), 48 + 4), r.inner_total - 20) << "inner payload length from the original";
}
INSTANTIATE_TEST_SUITE_P(Rfc7915Sec4_2, PacketTooBigMtu,
                         ::testing::Values(PtbRow{1400, 1500, 1500, 1500, 1420}, PtbRow{1480, 1500, 1500, 1500, 1500},
                                           PtbRow{1500, 1600, 1500, 1500, 1500},  // mtu6 limits
                                           PtbRow{1500, 1600, 1400, 9000, 1420},  // mtu4 + 20 limits
                                           PtbRow{1000, 1500, 1500, 1500, 1280},  // 1280 floor
                                           PtbRow{68, 1500, 1500, 1500, 1280},
                                           PtbRow{0, 1500, 9000, 9000, 1512},  // plateau 1492
                                           PtbRow{0, 9000, 9000, 9000, 8186},  // plateau 8166
                                           PtbRow{0, 1400, 9000, 9000, 1280},  // no plateau >= 1280
                                           PtbRow{0, 600, 9000, 9000, 1280}, PtbRow{0, 1500, 1500, 1280, 1280}));

// Every RFC 1191 §7 plateau, both ways it can reach the translator (mtu4 = mtu6 = 65535, so only
// the arithmetic and the 1280 floor limit the result):
//  - as a router's Next-Hop MTU: Packet Too Big says plateau + 20, at least 1280;
//  - as the quoted Total Length behind a zero MTU field: the greatest plateau below it that is
//    at least 1280 (+ 20), else 1280; one byte more picks that plateau itself.
constexpr uint16_t kRfc1191Plateaus[] = {68, 296, 508, 1006, 1492, 2002, 4352, 8166, 17914, 32000, 65535};

uint32_t expected_from_zero_field(uint16_t inner_total) {
  uint32_t best = 0;
  for (uint16_t p : kRfc1191Plateaus)
    if (p < inner_total && p >= 1280) best = p;
  return best == 0 ? 1280 : std::min<uint32_t>(best + 20, 65535);
}

class Rfc1191Plateau : public V4to6, public ::testing::WithParamInterface<uint16_t> {
 protected:
  void SetUp() override {
    cfg.mtu4 = 65535;
    cfg.mtu6 = 65535;
  }
  // The error quotes only the first 28 bytes; the Total Length says how big the original was.
  void run_frag_needed(uint16_t field, uint16_t inner_total) {
    Bytes orig = original_udp(inner_total - 28);
    orig.resize(28);
    run(icmp_error(3, 4, field, orig));
  }
};
TEST_P(Rfc1191Plateau, AsNextHopMtu) {
  const uint16_t p = GetParam();
  run_frag_needed(p, 65535);
  ASSERT_EQ(out.outcome, Outcome::Forward);
  expect_icmpv6_error(pkt(), 2, 0, std::max<uint32_t>(1280, std::min<uint32_t>(p + 20, 65535)));
}
TEST_P(Rfc1191Plateau, AsQuotedTotalLengthBehindZeroMtu) {
  const uint16_t p = GetParam();
  if (p < 28) GTEST_SKIP();
  run_frag_needed(0, p);  // "less than the returned Total Length": the plateau below p
  ASSERT_EQ(out.outcome, Outcome::Forward);
  expect_icmpv6_error(pkt(), 2, 0, expected_from_zero_field(p));
  if (p == 65535) return;
  run_frag_needed(0, static_cast<uint16_t>(p + 1));  // p itself, when it is at least 1280
  ASSERT_EQ(out.outcome, Outcome::Forward);
  expect_icmpv6_error(pkt(), 2, 0, p >= 1280 ? p + 20u : 1280u);
}
INSTANTIATE_TEST_SUITE_P(Rfc7915Sec4_2, Rfc1191Plateau, ::testing::ValuesIn(kRfc1191Plateaus));

// The values Packet Too Big must get exactly, byte for byte in the ICMPv6 header, at the edges of
// each clamp: the 1280 floor (1259/1260/1261), mtu6 (equal, one over), mtu4 + 20.
TEST_F(V4to6, FragmentationNeededBoundaryMtus) {
  struct Case {
    uint16_t field, mtu4, mtu6;
    uint32_t want;
  };
  for (const Case& c : {Case{1259, 1500, 1500, 1280}, Case{1260, 1500, 1500, 1280}, Case{1261, 1500, 1500, 1281},
                        Case{1479, 1500, 1500, 1499}, Case{1480, 1500, 1500, 1500}, Case{1481, 1500, 1500, 1500},
                        Case{1480, 1400, 1500, 1420}, Case{1380, 1380, 9000, 1400}, Case{1, 1500, 1500, 1280}}) {
    cfg.mtu4 = c.mtu4;
    cfg.mtu6 = c.mtu6;
    Bytes orig = original_udp(1600);
    orig.resize(28);
    run(icmp_error(3, 4, c.field, orig));
    ASSERT_EQ(out.outcome, Outcome::Forward) << c.field;
    auto p = pkt();
    EXPECT_EQ(p[40], 2);
    EXPECT_EQ(p[41], 0);
    const uint8_t want[4] = {uint8_t(c.want >> 24), uint8_t(c.want >> 16), uint8_t(c.want >> 8), uint8_t(c.want)};
    EXPECT_TRUE(std::equal(want, want + 4, p.begin() + 44)) << c.field << " " << c.mtu4 << " " << c.mtu6;
    EXPECT_TRUE(v6_l4_checksum_ok(p.subspan(8, 16), p.subspan(24, 16), 58, p.subspan(40)));
  }
}

// §4.2 "taking into account whether or not the packet in error includes a Fragment Header": a quoted
// IPv4 fragment is an IPv6 packet with a Fragment header, 28 bytes longer than its IPv4 form.
TEST_F(V4to6, FragmentationNeededAboutAFragmentAddsTheFragmentHeader) {
  const Bytes u = udp(kDst4, kSrc4, 40000, 53, pattern(1500));
  const Bytes orig = ipv4(17, kDst4, kSrc4, Bytes(u.begin(), u.begin() + 8), {.ttl = 17, .id = 0x4444, .mf = true});
  for (auto [field, mtu4, want] : {std::tuple{1400, 1500, 1428u}, std::tuple{1480, 1500, 1500u},
                                   std::tuple{1480, 1400, 1428u}, std::tuple{1200, 1500, 1280u}}) {
    cfg.mtu4 = static_cast<uint16_t>(mtu4);
    cfg.mtu6 = 1500;
    run(icmp_error(3, 4, static_cast<uint32_t>(field), orig));
    ASSERT_EQ(out.outcome, Outcome::Forward);
    expect_icmpv6_error(pkt(), 2, 0, want);
    EXPECT_EQ(pkt()[48 + 6], 44) << "the quote carries the Fragment header";
  }
}

// §4.2 Time Exceeded (Type 11) -> Type 3, code unchanged.
TEST_F(V4to6, TimeExceededCodesKept) {
  for (uint8_t code : {uint8_t{0}, uint8_t{1}}) {
    run(icmp_error(11, code, 0, original_udp()));
    ASSERT_EQ(out.outcome, Outcome::Forward);
    expect_icmpv6_error(pkt(), 3, code, 0);
    expect_inner_udp(pkt(), 12);
  }
}

// §4.2 Parameter Problem: Figure 3 pointer map for codes 0 and 2; code 1 and others dropped.
struct PtrRow {
  int ptr4;
  int ptr6;  // -1: n/a -> drop
};
class ParameterProblemPointer : public V4to6, public ::testing::WithParamInterface<PtrRow> {};
TEST_P(ParameterProblemPointer, Figure3) {
  const PtrRow r = GetParam();
  for (uint8_t code : {uint8_t{0}, uint8_t{2}}) {
    run(icmp_error(12, code, uint32_t(r.ptr4) << 24, original_udp()));
    if (r.ptr6 < 0) {
      expect_drop(DropReason::UntranslatableIcmp);
      continue;
    }
    ASSERT_EQ(out.outcome, Outcome::Forward);
    expect_icmpv6_error(pkt(), 4, 0, static_cast<uint32_t>(r.ptr6));
    expect_inner_udp(pkt(), 12);
  }
}
INSTANTIATE_TEST_SUITE_P(Rfc7915Sec4_2, ParameterProblemPointer,
                         ::testing::Values(PtrRow{0, 0}, PtrRow{1, 1}, PtrRow{2, 4}, PtrRow{3, 4}, PtrRow{4, -1},
                                           PtrRow{5, -1}, PtrRow{6, -1}, PtrRow{7, -1}, PtrRow{8, 7}, PtrRow{9, 6},
                                           PtrRow{10, -1}, PtrRow{11, -1}, PtrRow{12, 8}, PtrRow{13, 8}, PtrRow{14, 8},
                                           PtrRow{15, 8}, PtrRow{16, 24}, PtrRow{17, 24}, PtrRow{18, 24},
                                           PtrRow{19, 24}, PtrRow{20, -1}, PtrRow{40, -1}, PtrRow{255, -1}));

TEST_F(V4to6, ParameterProblemOtherCodesDropped) {
  for (uint8_t code : {uint8_t{1}, uint8_t{3}, uint8_t{99}}) {
    run(icmp_error(12, code, 0, original_udp()));
    expect_drop(DropReason::UntranslatableIcmp);
  }
}

// §4.3: the inner packet is mapped as Part::Inner, the outer as Part::OuterOfIcmpError; mapper
// changes to the inner ports are applied with the inner checksum.
TEST_F(V4to6, InnerMappedAndPortsUpdated) {
  mapper.port_delta = 7;
  run(icmp_error(3, 3, 0, original_udp(30)));
  ASSERT_EQ(out.outcome, Outcome::Forward);
  ASSERT_EQ(mapper.parts.size(), 2u);
  EXPECT_EQ(mapper.parts[0], Part::OuterOfIcmpError);
  EXPECT_EQ(mapper.parts[1], Part::Inner);
  EXPECT_EQ(mapper.seen[1].sport, 40000);
  EXPECT_EQ(mapper.seen[1].dport, 53);
  auto in6 = pkt().subspan(48);
  EXPECT_EQ(rd16(in6, 42), 60) << "inner destination port rewritten";
  EXPECT_TRUE(v6_l4_checksum_ok(in6.subspan(8, 16), in6.subspan(24, 16), 17, in6.subspan(40)));
  expect_icmpv6_error(pkt(), 1, 4, 0);
}

TEST_F(V4to6, InnerTcpTranslated) {
  const Bytes orig = ipv4(6, kDst4, kSrc4, tcp(kDst4, kSrc4, 50000, 80, pattern(5)), {.tos = 0x28, .ttl = 3});
  mapper.port_delta = 1;
  run(icmp_error(11, 0, 0, orig));
  ASSERT_EQ(out.outcome, Outcome::Forward);
  expect_icmpv6_error(pkt(), 3, 0, 0);
  auto in6 = pkt().subspan(48);
  expect_v6_header(in6, 0x28, 25, 6, 3, embed(kDst4), embed(kSrc4));
  EXPECT_EQ(rd16(in6, 42), 81);
  EXPECT_TRUE(v6_l4_checksum_ok(in6.subspan(8, 16), in6.subspan(24, 16), 6, in6.subspan(40)));
}

TEST_F(V4to6, InnerEchoTranslated) {
  const Bytes orig = ipv4(1, kDst4, kSrc4, icmp4(8, 0, 0x44440002, pattern(24)), {.ttl = 9});
  run(icmp_error(3, 1, 0, orig));
  ASSERT_EQ(out.outcome, Outcome::Forward);
  expect_icmpv6_error(pkt(), 1, 0, 0);
  auto in6 = pkt().subspan(48);
  expect_v6_header(in6, 0, 32, 58, 9, embed(kDst4), embed(kSrc4));
  EXPECT_EQ(in6[40], 128);
  EXPECT_EQ(rd16(in6, 44), 0x4444);
  EXPECT_TRUE(v6_l4_checksum_ok(in6.subspan(8, 16), in6.subspan(24, 16), 58, in6.subspan(40)));
}

// §4.3 with §4.1 applied to the inner packet: a fragment gets a Fragment header.
TEST_F(V4to6, InnerFragmentGetsFragmentHeader) {
  const Bytes u = udp(kDst4, kSrc4, 40000, 53, pattern(100));
  const Bytes orig = ipv4(17, kDst4, kSrc4, Bytes(u.begin(), u.begin() + 48), {.ttl = 17, .id = 0x9999, .mf = true});
  run(icmp_error(11, 1, 0, orig));
  ASSERT_EQ(out.outcome, Outcome::Forward);
  expect_icmpv6_error(pkt(), 3, 1, 0);
  auto in6 = pkt().subspan(48);
  expect_v6_header(in6, 0, 48 + 8, 44, 17, embed(kDst4), embed(kSrc4));
  EXPECT_EQ(in6[40], 17);
  EXPECT_EQ(rd16(in6, 42), 1);
  EXPECT_EQ(rd32(in6, 44), 0x9999u);
  EXPECT_EQ(out.lens[0], 40 + 8 + 48 + 48);
}

// §4.3: the ICMPv6 error is cut so that the whole IPv6 packet is at most 1280 bytes.
TEST_F(V4to6, ErrorTruncatedTo1280) {
  const Bytes orig = original_udp(1372);  // 1400-byte original, all quoted
  run(icmp_error(3, 3, 0, orig));
  ASSERT_EQ(out.outcome, Outcome::Forward);
  ASSERT_EQ(out.lens[0], 1280);
  expect_icmpv6_error(pkt(), 1, 4, 0);
  auto in6 = pkt().subspan(48);
  EXPECT_EQ(rd16(in6, 4), 1380) << "inner payload length still describes the original";
  for (size_t i = 48; i < 1280 - 48; ++i) ASSERT_EQ(in6[i], orig[20 + i - 40]);
}

TEST_F(V4to6, NoErrorAboutError) {
  // An ICMP error quoting an ICMP error is not translated.
  const Bytes inner_err = ipv4(1, kDst4, kSrc4, icmp4(3, 3, 0, original_udp()));
  run(icmp_error(3, 1, 0, inner_err));
  expect_drop(DropReason::InnerPacket);
  // Nor is a quoted ICMP query other than echo.
  run(icmp_error(3, 1, 0, ipv4(1, kDst4, kSrc4, icmp4(13, 0, 0, pattern(12)))));
  expect_drop(DropReason::InnerPacket);
  // And an ICMP error arriving with TTL 1 is dropped without a Time Exceeded about it.
  run(icmp_error(3, 1, 0, original_udp(), {.ttl = 1}));
  expect_drop(DropReason::TtlExpired);
}

TEST_F(V4to6, BadInnerPacketDropped) {
  run(icmp_error(3, 1, 0, Bytes{0x45, 0, 0, 40}));  // shorter than an IPv4 header
  expect_drop(DropReason::InnerPacket);
  Bytes v6 = original_udp();
  v6[0] = 0x60;
  run(icmp_error(3, 1, 0, v6));
  expect_drop(DropReason::InnerPacket);
  Bytes ihl = original_udp();
  ihl[0] = 0x4f;  // 60-byte header, longer than the quote
  run(icmp_error(3, 1, 0, ihl));
  expect_drop(DropReason::InnerPacket);
  run(ipv4(1, kRouter4, kDst4, Bytes{3, 1, 0xfc, 0xfe}));  // no room for the 8-byte ICMP header
  expect_drop(DropReason::Malformed);
}

TEST_F(V4to6, ErrorMappingFailuresDropWithoutReply) {
  mapper.error_outer = MapStatus::DstUntranslatable;
  run(icmp_error(3, 1, 0, original_udp()));
  expect_drop(DropReason::DstUntranslatable);
  mapper.error_outer = MapStatus::Ok;
  mapper.inner = MapStatus::SrcUntranslatable;
  run(icmp_error(3, 1, 0, original_udp()));
  expect_drop(DropReason::InnerPacket);
}
