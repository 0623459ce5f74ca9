// RFC 7915 §4.1 (header), §4.4 (translator's ICMPv4 errors), §4.5 (transport) and fragmentation.
// ICMP translation (§4.2, §4.3) is in ipv4_to_ipv6_icmp_test.cpp.
#include <gtest/gtest.h>

#include <random>

#include "ipv4_to_ipv6_fixture.hpp"

using namespace v4to6test;
using sixfour::xlat::DropReason;
using sixfour::xlat::MapStatus;
using sixfour::xlat::Outcome;
using sixfour::xlat::Part;

namespace {

// Checks an ICMPv4 error the translator sent back (RFC 7915 §4.4, RFC 792, RFC 1812 §4.3.2).
void expect_icmpv4_error(std::span<const uint8_t> r, std::span<const uint8_t> offending, uint8_t type, uint8_t code,
                         uint32_t rest) {
  const size_t quoted = std::min<size_t>(offending.size(), 576 - 28);
  ASSERT_EQ(r.size(), 28 + quoted);
  EXPECT_EQ(r[0], 0x45);
  EXPECT_EQ(r[1], 0xc0);  // precedence 6
  EXPECT_EQ(rd16(r, 2), 28 + quoted);
  EXPECT_EQ(rd16(r, 6) & 0x3fff, 0);  // not a fragment
  EXPECT_EQ(r[8], 64);                // TTL
  EXPECT_EQ(r[9], 1);                 // ICMP
  EXPECT_TRUE(v4_header_checksum_ok(r));
  EXPECT_EQ(r[12], 192);  // cfg.self4 default 192.0.0.8
  EXPECT_EQ(r[13], 0);
  EXPECT_EQ(r[14], 0);
  EXPECT_EQ(r[15], 8);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(r[16 + i], offending[12 + i]) << "dst = offending source";
  EXPECT_EQ(r[20], type);
  EXPECT_EQ(r[21], code);
  EXPECT_EQ(raw_sum(r.subspan(20)), 0xffffu) << "ICMP checksum";
  EXPECT_EQ(rd32(r, 24), rest);
  for (size_t i = 0; i < quoted; ++i) ASSERT_EQ(r[28 + i], offending[i]) << "quoted byte " << i;
}

// Reassembles IPv6 fragments (each with a Fragment header right after the fixed header) and checks
// every fragment's header fields against the expected layout.
Bytes reassemble(sixfour::xlat::Output& out, uint8_t next, uint32_t id, size_t max_len, bool last_m = false,
                 uint16_t base_units = 0) {
  Bytes all;
  for (size_t i = 0; i < out.count; ++i) {
    auto p = out.packet(i);
    EXPECT_LE(p.size(), max_len);
    EXPECT_EQ(p[6], 44) << "next header = Fragment";
    EXPECT_EQ(rd16(p, 4), p.size() - 40) << "payload length";
    EXPECT_EQ(p[40], next);
    EXPECT_EQ(p[41], 0) << "reserved";
    const uint16_t fo = rd16(p, 42);
    EXPECT_EQ(fo & 6, 0) << "reserved bits";
    EXPECT_EQ(size_t(fo >> 3) * 8, size_t{base_units} * 8 + all.size()) << "offset of fragment " << i;
    const bool last = i + 1 == out.count;
    EXPECT_EQ((fo & 1) != 0, last ? last_m : true) << "M flag of fragment " << i;
    if (!last) {
      EXPECT_EQ((p.size() - 48) % 8, 0u);
    }
    EXPECT_EQ(rd32(p, 44), id);
    all.insert(all.end(), p.begin() + 48, p.end());
  }
  return all;
}

Bytes datagram_udp(size_t n, uint16_t sport = 40000, uint16_t dport = 53) {
  return udp(kSrc4, kDst4, sport, dport, pattern(n));
}

}  // namespace

// §4.1: every IPv6 header field, and the UDP datagram after it (§4.5).
TEST_F(V4to6, UdpHeaderFieldByField) {
  const Bytes u = datagram_udp(100);
  const Bytes in = ipv4(17, kSrc4, kDst4, u, {.tos = 0xb8, .ttl = 64, .id = 0x4321, .df = true});
  run(in);
  ASSERT_EQ(out.outcome, Outcome::Forward);
  ASSERT_EQ(out.count, 1);
  ASSERT_EQ(out.lens[0], 40 + u.size());
  auto p = pkt();
  expect_v6_header(p, 0xb8, static_cast<uint16_t>(u.size()), 17, 63, embed(kSrc4), embed(kDst4));
  auto l4 = p.subspan(40);
  EXPECT_EQ(rd16(l4, 0), 40000);
  EXPECT_EQ(rd16(l4, 2), 53);
  EXPECT_EQ(rd16(l4, 4), u.size());
  EXPECT_TRUE(v6_l4_checksum_ok(p.subspan(8, 16), p.subspan(24, 16), 17, l4));
  for (size_t i = 8; i < u.size(); ++i) ASSERT_EQ(l4[i], u[i]);
  // The mapper saw the packet as an ordinary (outer) flow with its ports.
  ASSERT_EQ(mapper.calls, 1);
  EXPECT_EQ(mapper.parts[0], Part::Outer);
  EXPECT_EQ(mapper.seen[0].proto, 17);
  EXPECT_EQ(mapper.seen[0].sport, 40000);
  EXPECT_EQ(mapper.seen[0].dport, 53);
  EXPECT_EQ(mapper.seen[0].src.b, kSrc4);
  EXPECT_EQ(mapper.seen[0].dst.b, kDst4);
}

TEST_F(V4to6, TrafficClassResetWhenConfigured) {
  cfg.reset_traffic_class = true;
  run(ipv4(17, kSrc4, kDst4, datagram_udp(10), {.tos = 0xfc}));
  ASSERT_EQ(out.outcome, Outcome::Forward);
  EXPECT_EQ(((pkt()[0] & 0xf) << 4) | (pkt()[1] >> 4), 0);
}

// Link-layer padding after Total Length is not translated.
TEST_F(V4to6, TrailingBytesIgnored) {
  Bytes in = ipv4(17, kSrc4, kDst4, datagram_udp(10));
  in.resize(in.size() + 6, 0xAA);
  run(in);
  ASSERT_EQ(out.outcome, Outcome::Forward);
  EXPECT_EQ(out.lens[0], 40 + 18);
  EXPECT_EQ(rd16(pkt(), 4), 18);
}

// §4.5: TCP checksum updated for the new pseudo-header; payload untouched.
TEST_F(V4to6, TcpChecksumUpdated) {
  const Bytes t = tcp(kSrc4, kDst4, 33000, 443, pattern(501));
  run(ipv4(6, kSrc4, kDst4, t));
  ASSERT_EQ(out.outcome, Outcome::Forward);
  auto p = pkt();
  expect_v6_header(p, 0, static_cast<uint16_t>(t.size()), 6, 63, embed(kSrc4), embed(kDst4));
  EXPECT_TRUE(v6_l4_checksum_ok(p.subspan(8, 16), p.subspan(24, 16), 6, p.subspan(40)));
  for (size_t i = 0; i < t.size(); ++i) {
    if (i == 16 || i == 17) continue;
    ASSERT_EQ(p[40 + i], t[i]) << i;
  }
}

// Mapper-changed ports (stateful NAT64 later) are written and the checksum follows them.
TEST_F(V4to6, PortsChangedByMapper) {
  mapper.port_delta = 1000;
  run(ipv4(6, kSrc4, kDst4, tcp(kSrc4, kDst4, 33000, 443, pattern(64))));
  ASSERT_EQ(out.outcome, Outcome::Forward);
  EXPECT_EQ(rd16(pkt(), 40), 34000);
  EXPECT_EQ(rd16(pkt(), 42), 443);
  EXPECT_TRUE(v6_l4_checksum_ok(pkt().subspan(8, 16), pkt().subspan(24, 16), 6, pkt().subspan(40)));

  run(ipv4(17, kSrc4, kDst4, datagram_udp(33)));
  ASSERT_EQ(out.outcome, Outcome::Forward);
  EXPECT_EQ(rd16(pkt(), 40), 41000);
  EXPECT_TRUE(v6_l4_checksum_ok(pkt().subspan(8, 16), pkt().subspan(24, 16), 17, pkt().subspan(40)));
}

// §4.1 Hop Limit = TTL - 1.
TEST_F(V4to6, HopLimitIsTtlMinusOne) {
  run(ipv4(17, kSrc4, kDst4, datagram_udp(4), {.ttl = 2}));
  ASSERT_EQ(out.outcome, Outcome::Forward);
  EXPECT_EQ(pkt()[7], 1);
  run(ipv4(17, kSrc4, kDst4, datagram_udp(4), {.ttl = 255}));
  EXPECT_EQ(pkt()[7], 254);
}

// §4.1 / §4.4: TTL 1 cannot be forwarded: ICMPv4 Time Exceeded (11/0) goes back, byte for byte.
TEST_F(V4to6, TtlOneRepliesTimeExceeded) {
  const Bytes in = ipv4(17, kSrc4, kDst4, datagram_udp(20), {.ttl = 1});
  run(in);
  ASSERT_EQ(out.outcome, Outcome::Reply);
  EXPECT_EQ(out.reason, DropReason::TtlExpired);
  ASSERT_EQ(out.count, 1);
  expect_icmpv4_error(pkt(), in, 11, 0, 0);
  EXPECT_EQ(mapper.calls, 0) << "no mapping (no NAT64 state) for a packet that is not forwarded";

  const Bytes zero = ipv4(17, kSrc4, kDst4, datagram_udp(20), {.ttl = 0});
  run(zero);
  ASSERT_EQ(out.outcome, Outcome::Reply);
  expect_icmpv4_error(pkt(), zero, 11, 0, 0);

  cfg.send_icmp_errors = false;
  run(in);
  expect_drop(DropReason::TtlExpired);
}

// §4.4: the quote stops at 576 bytes in all (RFC 1812 §4.3.2.3).
TEST_F(V4to6, TimeExceededQuoteLimitedTo576) {
  const Bytes in = ipv4(17, kSrc4, kDst4, datagram_udp(1000), {.ttl = 1});
  run(in);
  ASSERT_EQ(out.outcome, Outcome::Reply);
  EXPECT_EQ(out.lens[0], 576);
  expect_icmpv4_error(pkt(), in, 11, 0, 0);
}

// §4.4 / RFC 1812 §4.3.2.7: never an error to a broadcast/multicast source, nor about a non-first fragment.
TEST_F(V4to6, NoErrorToBadSourceOrForNonFirstFragment) {
  run(ipv4(17, A4{224, 0, 0, 5}, kDst4, datagram_udp(8), {.ttl = 1}));
  expect_drop(DropReason::TtlExpired);
  run(ipv4(17, A4{0, 0, 0, 0}, kDst4, datagram_udp(8), {.ttl = 1}));
  expect_drop(DropReason::TtlExpired);
  run(ipv4(17, kSrc4, kDst4, pattern(64), {.ttl = 1, .frag_off = 10}));
  expect_drop(DropReason::TtlExpired);
}

// §4.1: IPv4 options are not translated; the payload starts after them.
TEST_F(V4to6, OptionsIgnored) {
  // Record Route (7), length 7, pointer 4, one empty slot; then NOP, End of list.
  const Bytes opts{7, 7, 4, 0, 0, 0, 0, 1};
  const Bytes u = datagram_udp(30);
  run(ipv4(17, kSrc4, kDst4, u, {.options = opts}));
  ASSERT_EQ(out.outcome, Outcome::Forward);
  EXPECT_EQ(out.lens[0], 40 + u.size());
  EXPECT_EQ(rd16(pkt(), 4), u.size());
  EXPECT_EQ(pkt()[6], 17);
  EXPECT_TRUE(v6_l4_checksum_ok(pkt().subspan(8, 16), pkt().subspan(24, 16), 17, pkt().subspan(40)));
}

// §4.1: an unexpired source route -> Destination Unreachable / Source Route Failed (3/5).
TEST_F(V4to6, UnexpiredSourceRouteRepliesSourceRouteFailed) {
  for (uint8_t type : {uint8_t{131}, uint8_t{137}}) {
    // LSRR/SSRR, length 11, pointer 4 (first of two addresses): unexpired. Padded with End of list.
    const Bytes opts{type, 11, 4, 192, 0, 2, 50, 192, 0, 2, 51, 0};
    const Bytes in = ipv4(17, kSrc4, kDst4, datagram_udp(10), {.options = opts});
    run(in);
    ASSERT_EQ(out.outcome, Outcome::Reply) << int(type);
    EXPECT_EQ(out.reason, DropReason::SourceRouted);
    expect_icmpv4_error(pkt(), in, 3, 5, 0);
  }
  // Pointer 12 > length 11: the route is exhausted, the option is ignored like any other.
  const Bytes expired{131, 11, 12, 192, 0, 2, 50, 192, 0, 2, 51, 0};
  run(ipv4(17, kSrc4, kDst4, datagram_udp(10), {.options = expired}));
  EXPECT_EQ(out.outcome, Outcome::Forward);

  cfg.send_icmp_errors = false;
  run(ipv4(17, kSrc4, kDst4, datagram_udp(10), {.options = Bytes{131, 7, 4, 1, 2, 3, 4, 0}}));
  expect_drop(DropReason::SourceRouted);
}

TEST_F(V4to6, MalformedOptionsDropped) {
  run(ipv4(17, kSrc4, kDst4, datagram_udp(10), {.options = Bytes{7, 9, 4, 0}}));  // runs past the header
  expect_drop(DropReason::Malformed);
  run(ipv4(17, kSrc4, kDst4, datagram_udp(10), {.options = Bytes{7, 1, 0, 0}}));  // length < 2
  expect_drop(DropReason::Malformed);
}

TEST_F(V4to6, MulticastAndBroadcastDropped) {
  run(ipv4(17, kSrc4, A4{224, 0, 0, 251}, datagram_udp(10)));
  expect_drop(DropReason::Multicast);
  run(ipv4(17, kSrc4, A4{239, 255, 255, 250}, datagram_udp(10)));
  expect_drop(DropReason::Multicast);
  run(ipv4(17, kSrc4, A4{255, 255, 255, 255}, datagram_udp(10)));
  expect_drop(DropReason::Multicast);
  EXPECT_EQ(mapper.calls, 0);
}

// RFC 8021: an unfragmented packet that fits gets no Fragment header, whatever DF says.
TEST_F(V4to6, NoAtomicFragments) {
  for (bool df : {false, true}) {
    // 20 + 1240 IPv4 -> 40 + 1240 = 1280 IPv6: fits exactly.
    run(ipv4(17, kSrc4, kDst4, datagram_udp(1232), {.df = df}));
    ASSERT_EQ(out.outcome, Outcome::Forward);
    ASSERT_EQ(out.count, 1);
    EXPECT_EQ(out.lens[0], 1280);
    EXPECT_EQ(pkt()[6], 17) << "no Fragment header";
  }
}

// §4.1: an IPv4 fragment becomes an IPv6 packet with a Fragment header; the first one's transport
// checksum is updated so that the reassembled IPv6 datagram verifies.
TEST_F(V4to6, FragmentsGetFragmentHeader) {
  const Bytes u = datagram_udp(600);
  const Bytes f1(u.begin(), u.begin() + 400), f2(u.begin() + 400, u.end());
  run(ipv4(17, kSrc4, kDst4, f1, {.id = 0xabcd, .mf = true}));
  ASSERT_EQ(out.outcome, Outcome::Forward);
  ASSERT_EQ(out.count, 1);
  auto p = pkt();
  ASSERT_EQ(p.size(), 40 + 8 + 400);
  expect_v6_header(p, 0, 8 + 400, 44, 63, embed(kSrc4), embed(kDst4));
  EXPECT_EQ(p[40], 17);
  EXPECT_EQ(p[41], 0);
  EXPECT_EQ(rd16(p, 42), 0x0001) << "offset 0, M=1";
  EXPECT_EQ(rd32(p, 44), 0x0000abcdu);
  Bytes whole(p.begin() + 48, p.end());

  run(ipv4(17, kSrc4, kDst4, f2, {.id = 0xabcd, .frag_off = 50}));
  ASSERT_EQ(out.outcome, Outcome::Forward);
  p = pkt();
  ASSERT_EQ(p.size(), 48 + f2.size());
  EXPECT_EQ(rd16(p, 4), 8 + f2.size());
  EXPECT_EQ(p[6], 44);
  EXPECT_EQ(p[40], 17);
  EXPECT_EQ(rd16(p, 42), 50 << 3) << "offset 400 bytes, M=0";
  EXPECT_EQ(rd32(p, 44), 0x0000abcdu);
  for (size_t i = 0; i < f2.size(); ++i) ASSERT_EQ(p[48 + i], f2[i]) << "non-first fragment copied as is";
  EXPECT_EQ(mapper.seen.back().sport, 0) << "no ports in a non-first fragment";
  whole.insert(whole.end(), p.begin() + 48, p.end());
  const A6 s = embed(kSrc4), d = embed(kDst4);
  EXPECT_TRUE(v6_l4_checksum_ok(s, d, 17, whole));
}

// §4 / §4.1: DF=0 and larger than lowest-ipv6-mtu: the translator fragments (multiples of 8, M bits).
TEST_F(V4to6, DfClearLargePacketSplitTo1280) {
  const Bytes u = datagram_udp(3000);  // 3008 bytes of UDP
  run(ipv4(17, kSrc4, kDst4, u, {.id = 0x0777}));
  ASSERT_EQ(out.outcome, Outcome::Forward);
  ASSERT_EQ(out.count, 3);
  EXPECT_EQ(out.lens[0], 1280);
  EXPECT_EQ(out.lens[1], 1280);
  EXPECT_EQ(out.lens[2], 48 + 3008 - 2 * 1232);
  for (size_t i = 0; i < 3; ++i) {
    auto p = pkt(i);
    EXPECT_EQ(p[0] >> 4, 6);
    EXPECT_EQ(p[7], 63);
    for (int k = 0; k < 16; ++k) EXPECT_EQ(p[8 + k], embed(kSrc4)[k]);
  }
  EXPECT_EQ(rd16(pkt(0), 42), (0 << 3) | 1);
  EXPECT_EQ(rd16(pkt(1), 42), (154 << 3) | 1);
  EXPECT_EQ(rd16(pkt(2), 42), (308 << 3) | 0);
  const Bytes whole = reassemble(out, 17, 0x0777, 1280);
  ASSERT_EQ(whole.size(), u.size());
  EXPECT_TRUE(v6_l4_checksum_ok(embed(kSrc4), embed(kDst4), 17, whole));
  for (size_t i = 8; i < u.size(); ++i) ASSERT_EQ(whole[i], u[i]);
}

TEST_F(V4to6, DfClearJustOver1280IsSplit) {
  run(ipv4(17, kSrc4, kDst4, datagram_udp(1233)));  // 1241 bytes of UDP -> 1281
  ASSERT_EQ(out.outcome, Outcome::Forward);
  ASSERT_EQ(out.count, 2);
  EXPECT_EQ(out.lens[0], 1280);
  EXPECT_EQ(out.lens[1], 48 + 9);
  const Bytes whole = reassemble(out, 17, 0x1234, 1280);
  EXPECT_TRUE(v6_l4_checksum_ok(embed(kSrc4), embed(kDst4), 17, whole));
}

TEST_F(V4to6, LowestIpv6MtuRaisesThreshold) {
  cfg.lowest_ipv6_mtu = 1500;
  run(ipv4(17, kSrc4, kDst4, datagram_udp(1400)));  // 1448 -> 1468
  ASSERT_EQ(out.outcome, Outcome::Forward);
  ASSERT_EQ(out.count, 1);
  EXPECT_EQ(pkt()[6], 17);
  run(ipv4(17, kSrc4, kDst4, datagram_udp(2000)));
  ASSERT_EQ(out.count, 2);
  EXPECT_EQ(out.lens[0], 1496) << "48 + 1448 (largest multiple of 8 that fits 1500)";
}

// A fragment whose translation no longer fits is split again; the last piece keeps the original MF.
TEST_F(V4to6, LargeFragmentSplitAgain) {
  const Bytes data = pattern(1480);
  run(ipv4(17, kSrc4, kDst4, data, {.id = 9, .mf = true, .frag_off = 185}));
  ASSERT_EQ(out.outcome, Outcome::Forward);
  ASSERT_EQ(out.count, 2);
  const Bytes whole = reassemble(out, 17, 9, 1280, /*last_m=*/true, 185);
  EXPECT_EQ(whole, data);
}

// §4.1: DF=1 and too big for the IPv6 link: Fragmentation Needed with MTU = mtu6 - 20.
TEST_F(V4to6, DfSetTooBigRepliesFragmentationNeeded) {
  const Bytes fits = ipv4(17, kSrc4, kDst4, datagram_udp(1452), {.df = true});  // 1480 -> 1500
  run(fits);
  ASSERT_EQ(out.outcome, Outcome::Forward);
  EXPECT_EQ(out.count, 1);
  EXPECT_EQ(out.lens[0], 1500);
  EXPECT_EQ(pkt()[6], 17);

  const Bytes big = ipv4(17, kSrc4, kDst4, datagram_udp(1453), {.df = true});  // -> 1501
  run(big);
  ASSERT_EQ(out.outcome, Outcome::Reply);
  EXPECT_EQ(out.reason, DropReason::TooBig);
  expect_icmpv4_error(pkt(), big, 3, 4, 1480);
  EXPECT_EQ(mapper.calls, 1) << "only the first packet was mapped";

  cfg.mtu6 = 9000;
  run(big);
  EXPECT_EQ(out.outcome, Outcome::Forward);
  cfg.mtu6 = 1400;
  run(big);
  ASSERT_EQ(out.outcome, Outcome::Reply);
  expect_icmpv4_error(pkt(), big, 3, 4, 1380);
  cfg.send_icmp_errors = false;
  run(big);
  expect_drop(DropReason::TooBig);
}

// §4.5: UDP checksum 0, both policies.
TEST_F(V4to6, UdpZeroChecksumComputed) {
  const Bytes u = udp(kSrc4, kDst4, 5000, 6000, pattern(77), /*zero_checksum=*/true);
  run(ipv4(17, kSrc4, kDst4, u));
  ASSERT_EQ(out.outcome, Outcome::Forward);
  EXPECT_NE(rd16(pkt(), 46), 0);
  EXPECT_TRUE(v6_l4_checksum_ok(pkt().subspan(8, 16), pkt().subspan(24, 16), 17, pkt().subspan(40)));
}

TEST_F(V4to6, UdpZeroChecksumDroppedByPolicy) {
  cfg.compute_udp_zero_checksum = false;
  const Bytes in = ipv4(17, kSrc4, kDst4, udp(kSrc4, kDst4, 5000, 6000, pattern(77), true));
  run(in);
  // Dropped and answered with RFC 7915 §4.4's default error.
  ASSERT_EQ(out.outcome, Outcome::Reply);
  EXPECT_EQ(out.reason, DropReason::UdpZeroChecksum);
  expect_icmpv4_error(pkt(), in, 3, 13, 0);
}

TEST_F(V4to6, UdpZeroChecksumFirstFragmentDropped) {
  const Bytes u = udp(kSrc4, kDst4, 5000, 6000, pattern(300), true);
  const Bytes in = ipv4(17, kSrc4, kDst4, Bytes(u.begin(), u.begin() + 200), {.mf = true});
  run(in);
  ASSERT_EQ(out.outcome, Outcome::Reply);
  EXPECT_EQ(out.reason, DropReason::UdpZeroChecksum);
  expect_icmpv4_error(pkt(), in, 3, 13, 0);
}

// RFC 768 / RFC 8200 §8.1: a checksum that computes to 0 is sent as 0xffff (both update paths).
TEST_F(V4to6, UdpChecksumZeroResultSentAsOnes) {
  Bytes data = pattern(40);
  data[0] = data[1] = 0;
  // Choose the first data word so that the IPv6 sum of everything else is 0xffff -> checksum 0.
  Bytes probe = udp(kSrc4, kDst4, 1234, 5678, data, true);
  const uint32_t s = raw_sum(probe, pseudo6(embed(kSrc4), embed(kDst4), 17, static_cast<uint32_t>(probe.size())));
  const uint16_t w = static_cast<uint16_t>(0xffff - s);
  data[0] = static_cast<uint8_t>(w >> 8);
  data[1] = static_cast<uint8_t>(w);
  for (bool zero : {false, true}) {
    run(ipv4(17, kSrc4, kDst4, udp(kSrc4, kDst4, 1234, 5678, data, zero)));
    ASSERT_EQ(out.outcome, Outcome::Forward);
    EXPECT_EQ(rd16(pkt(), 46), 0xffff) << "zero_checksum input " << zero;
    EXPECT_TRUE(v6_l4_checksum_ok(pkt().subspan(8, 16), pkt().subspan(24, 16), 17, pkt().subspan(40)));
  }
}

// §4.5: other protocols pass with Next Header = Protocol; payload untouched.
TEST_F(V4to6, OtherProtocolPassedThrough) {
  const Bytes payload = pattern(57);
  for (uint8_t proto : {uint8_t{47}, uint8_t{132}, uint8_t{50}}) {
    run(ipv4(proto, kSrc4, kDst4, payload));
    ASSERT_EQ(out.outcome, Outcome::Forward);
    expect_v6_header(pkt(), 0, 57, proto, 63, embed(kSrc4), embed(kDst4));
    EXPECT_TRUE(std::equal(payload.begin(), payload.end(), pkt().begin() + 40));
  }
}

// §4.2: IGMP is single-hop or multicast routing: dropped.
TEST_F(V4to6, IgmpDropped) {
  run(ipv4(2, kSrc4, A4{198, 51, 100, 9}, Bytes{0x11, 0x64, 0xee, 0x9b, 0, 0, 0, 0}));
  expect_drop(DropReason::UnsupportedProtocol);
}

// §4.4: what the mapper says about addresses.
TEST_F(V4to6, MapperStatuses) {
  const Bytes in = ipv4(17, kSrc4, kDst4, datagram_udp(10));
  mapper.outer = MapStatus::SrcUntranslatable;
  run(in);
  ASSERT_EQ(out.outcome, Outcome::Reply);
  EXPECT_EQ(out.reason, DropReason::SrcUntranslatable);
  expect_icmpv4_error(pkt(), in, 3, 13, 0);

  mapper.outer = MapStatus::DstUntranslatable;
  run(in);
  ASSERT_EQ(out.outcome, Outcome::Reply);
  EXPECT_EQ(out.reason, DropReason::DstUntranslatable);
  expect_icmpv4_error(pkt(), in, 3, 1, 0);

  mapper.outer = MapStatus::Prohibited;
  run(in);
  ASSERT_EQ(out.outcome, Outcome::Reply);
  EXPECT_EQ(out.reason, DropReason::Prohibited);
  expect_icmpv4_error(pkt(), in, 3, 13, 0);

  cfg.send_icmp_errors = false;
  run(in);
  expect_drop(DropReason::Prohibited);
  mapper.outer = MapStatus::SrcUntranslatable;
  run(in);
  expect_drop(DropReason::SrcUntranslatable);
  mapper.outer = MapStatus::DstUntranslatable;
  run(in);
  expect_drop(DropReason::DstUntranslatable);
}

TEST_F(V4to6, MalformedInputs) {
  const Bytes good = ipv4(17, kSrc4, kDst4, datagram_udp(10));
  run({});
  expect_drop(DropReason::Malformed);
  run(std::span(good).first(19));
  expect_drop(DropReason::Malformed);
  run(std::span(good).first(good.size() - 1));  // truncated: Total Length > buffer
  expect_drop(DropReason::Malformed);

  Bytes v6 = good;
  v6[0] = 0x65;
  run(v6);
  expect_drop(DropReason::Malformed);

  Bytes ihl4 = good;
  ihl4[0] = 0x44;
  run(ihl4);
  expect_drop(DropReason::Malformed);

  Bytes ihl15 = ipv4(17, kSrc4, kDst4, Bytes{});  // IHL 60 > 20-byte buffer
  ihl15[0] = 0x4f;
  run(ihl15);
  expect_drop(DropReason::Malformed);

  run(ipv4(17, kSrc4, kDst4, datagram_udp(10), {.total_len = 19}));
  expect_drop(DropReason::Malformed);
  run(ipv4(17, kSrc4, kDst4, datagram_udp(10), {.total_len = 100}));
  expect_drop(DropReason::Malformed);

  Bytes bad = good;
  bad[11] ^= 1;
  run(bad);
  expect_drop(DropReason::BadChecksum);

  run(ipv4(17, kSrc4, kDst4, Bytes{1, 2, 3, 4, 5, 6, 7}));  // UDP shorter than its header
  expect_drop(DropReason::Malformed);
  run(ipv4(6, kSrc4, kDst4, pattern(19)));  // TCP shorter than its header
  expect_drop(DropReason::Malformed);
  run(ipv4(1, kSrc4, kDst4, Bytes{8, 0, 0xf7, 0xff}));  // ICMP shorter than 8
  expect_drop(DropReason::Malformed);
  run(ipv4(17, kSrc4, kDst4, pattern(64), {.frag_off = 8190}));  // beyond 65535
  expect_drop(DropReason::Malformed);
  EXPECT_EQ(mapper.calls, 0);
}

TEST_F(V4to6, NoSpaceNeverOverruns) {
  const Bytes in = ipv4(17, kSrc4, kDst4, datagram_udp(200));
  std::vector<uint8_t> small(100, 0xEE);
  sixfour::xlat::Output o;
  o.data = small;
  sixfour::xlat::ipv4_to_ipv6(in, cfg, mapper, o);
  EXPECT_EQ(o.outcome, Outcome::Drop);
  EXPECT_EQ(o.reason, DropReason::NoSpace);
  EXPECT_EQ(o.count, 0);
}

// Random and half-valid bytes: never crashes (run under ASan), and any output is self-consistent.
TEST_F(V4to6, RandomBytesDoNotCrash) {
  std::mt19937 rng(7915);
  for (int iter = 0; iter < 20000; ++iter) {
    Bytes b(rng() % 200);
    for (auto& x : b) x = static_cast<uint8_t>(rng());
    if (b.size() >= 20 && iter % 2 == 0) {
      // Make the header plausible so the deeper code is reached.
      const uint8_t ihl = static_cast<uint8_t>(5 + rng() % 3);
      b[0] = static_cast<uint8_t>(0x40 | ihl);
      if (ihl * 4u <= b.size()) {
        wr16(b, 2, static_cast<uint16_t>(b.size() - rng() % 4));
        b[8] = static_cast<uint8_t>(2 + rng() % 250);
        const uint8_t protos[] = {1, 6, 17, 2, 47};
        b[9] = protos[rng() % 5];
        if (iter % 4 == 0) wr16(b, 6, 0);
        b[16] = static_cast<uint8_t>(1 + rng() % 200);
        wr16(b, 10, 0);
        wr16(b, 10, cksum({b.data(), ihl * 4u}));
        if (b[9] == 1 && b.size() > ihl * 4u + 8) {
          // A plausible ICMP error with a quoted header, checksum fixed up.
          uint8_t* icmp = b.data() + ihl * 4;
          const uint8_t types[] = {0, 3, 8, 11, 12};
          icmp[0] = types[rng() % 5];
          icmp[1] = static_cast<uint8_t>(rng() % 16);
          const size_t total = rd16(b, 2);
          if (total > ihl * 4u + 8 && total <= b.size()) {
            if (total > ihl * 4u + 9) icmp[8] = static_cast<uint8_t>(0x45 + rng() % 3);
            icmp[2] = icmp[3] = 0;
            const uint16_t c = cksum({icmp, total - ihl * 4u});
            icmp[2] = static_cast<uint8_t>(c >> 8);
            icmp[3] = static_cast<uint8_t>(c);
          }
        }
      }
    }
    run(b);
    if (out.outcome != Outcome::Drop) {
      size_t sum = 0;
      for (size_t i = 0; i < out.count; ++i) sum += out.lens[i];
      ASSERT_LE(sum, buf.size());
      ASSERT_GE(out.count, 1);
    }
  }
}

// Issue 16: with hop_change +1 (a translator between its kernel's two forwarding steps) TTL 1 is
// not expired here but leaves as Hop Limit 2; 255 stays 255.
TEST_F(V4to6, HopChangePlusOneGivesOneBack) {
  cfg.hop_change = 1;
  run(ipv4(17, kSrc4, kDst4, datagram_udp(4), {.ttl = 1}));
  ASSERT_EQ(out.outcome, Outcome::Forward);
  EXPECT_EQ(pkt()[7], 2);
  run(ipv4(17, kSrc4, kDst4, datagram_udp(4), {.ttl = 255}));
  EXPECT_EQ(pkt()[7], 255);
}

// Issue 16: the translator's own error quotes the packet with the TTL it had when it reached the
// host (the kernel's decrement into the TUN given back with hop_change +1), both checksums right.
TEST_F(V4to6, HopChangePlusOneRestoresTheQuotedTtl) {
  cfg.hop_change = 1;
  const Bytes big = ipv4(17, kSrc4, kDst4, datagram_udp(1453), {.ttl = 63, .df = true});
  run(big);
  ASSERT_EQ(out.outcome, Outcome::Reply);
  const std::span<const uint8_t> r = pkt();
  ASSERT_GE(r.size(), 28u + 20);
  EXPECT_EQ(r[28 + 8], 64);  // quoted TTL: 63 + 1
  EXPECT_TRUE(v4_header_checksum_ok(r.subspan(28)));
  EXPECT_EQ(raw_sum(r.subspan(20)), 0xffffu) << "ICMP checksum";
  for (size_t i = 0; i < 20; ++i) {
    if (i != 8 && i != 10 && i != 11) {
      EXPECT_EQ(r[28 + i], big[i]) << "quoted header byte " << i;
    }
  }
}
