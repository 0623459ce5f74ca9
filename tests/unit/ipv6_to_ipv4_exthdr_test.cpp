// RFC 7915 §5.1 / §5.1.1 extension headers and fragments, and malformed input (must never crash).
#include <gtest/gtest.h>

#include <random>

#include "packet_builder6.hpp"

using namespace pb6;
using sixfour::xlat::DropReason;
using sixfour::xlat::Outcome;

namespace {

Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes b;
  for (const auto& p : parts) put(b, p);
  return b;
}

}  // namespace

// §5.1: Hop-by-Hop and Destination Options are skipped; Total Length and Protocol skip them too.
TEST(Ipv6ToIpv4ExtHdr, HopByHopAndDestOptsSkipped) {
  Bytes u = udp(5000, 53, pattern(11));
  Bytes in = ipv6(Ip6{}, 0, cat({opts_header(60), opts_header(17, 1), u}));
  const size_t l4 = 40 + 8 + 16;
  fill_checksum6(in, l4, 17, 6);
  TestMapper m;
  Xlat6 r = run6(in, test_config(), m);
  ASSERT_EQ(r.outcome, Outcome::Forward);
  const Bytes& p = r.pkts.at(0);
  ASSERT_EQ(p.size(), 20 + u.size());
  EXPECT_EQ(rd16(p, 2), 20 + u.size());
  EXPECT_EQ(p[9], 17);
  EXPECT_EQ(rd16(p, 6), 0);
  EXPECT_TRUE(ipv4_header_checksum_ok(p));
  EXPECT_TRUE(ipv4_l4_checksum_ok(p));
  EXPECT_TRUE(std::equal(p.begin() + 28, p.end(), in.begin() + l4 + 8));
}

TEST(Ipv6ToIpv4ExtHdr, RoutingSegmentsLeftZeroPasses) {
  Bytes in = ipv6(Ip6{}, 43, cat({routing_header(17, 0), udp(1, 2, pattern(5))}));
  fill_checksum6(in, 64, 17, 6);
  TestMapper m;
  Xlat6 r = run6(in, test_config(), m);
  ASSERT_EQ(r.outcome, Outcome::Forward);
  EXPECT_EQ(r.pkts.at(0)[9], 17);
  EXPECT_EQ(rd16(r.pkts[0], 2), 20 + 13);
  EXPECT_TRUE(ipv4_l4_checksum_ok(r.pkts[0]));
}

// §5.1: Segments Left != 0 -> Parameter Problem code 0 pointing at the Segments Left octet.
TEST(Ipv6ToIpv4ExtHdr, RoutingSegmentsLeftNonZeroRepliesParameterProblem) {
  Bytes in = ipv6(Ip6{}, 0, cat({opts_header(43), routing_header(17, 2), udp(1, 2, pattern(5))}));
  fill_checksum6(in, 72, 17, 6);
  TestMapper m;
  Xlat6 r = run6(in, test_config(), m);
  ASSERT_EQ(r.outcome, Outcome::Reply);
  EXPECT_EQ(r.reason, DropReason::SourceRouted);
  const Bytes& p = r.pkts.at(0);
  EXPECT_EQ(p[6], 58);
  EXPECT_EQ(p[40], 4);  // Parameter Problem
  EXPECT_EQ(p[41], 0);  // erroneous header field
  EXPECT_EQ(rd32(p, 44), 40u + 8 + 3);
  EXPECT_EQ(in[40 + 8 + 3], 2);  // the pointer does point at Segments Left
  EXPECT_TRUE(std::equal(in.begin(), in.end(), p.begin() + 48));
  EXPECT_TRUE(ipv6_icmp_checksum_ok(p));
}

// §5.1.1: Identification low 16 bits, MF and offset copied, DF=0, Total Length without the header.
TEST(Ipv6ToIpv4ExtHdr, FragmentsBecomeIpv4Fragments) {
  // A 100-byte UDP datagram split into 48 + 52 bytes of IPv6 fragments; translated and reassembled,
  // its checksum must hold in IPv4.
  Bytes whole = ipv6(Ip6{}, 17, udp(1111, 7, pattern(92)));
  fill_checksum6(whole, 40, 17, 6);
  Bytes body(whole.begin() + 40, whole.end());
  Bytes part1(body.begin(), body.begin() + 48), part2(body.begin() + 48, body.end());
  Bytes in1 = ipv6(Ip6{}, 44, cat({fragment_header(17, 0, true, 0xabcd1234), part1}));
  Bytes in2 = ipv6(Ip6{}, 44, cat({fragment_header(17, 6, false, 0xabcd1234), part2}));
  TestMapper m;
  Xlat6 r1 = run6(in1, test_config(), m);
  Xlat6 r2 = run6(in2, test_config(), m);
  ASSERT_EQ(r1.outcome, Outcome::Forward);
  ASSERT_EQ(r2.outcome, Outcome::Forward);
  const Bytes& a = r1.pkts.at(0);
  const Bytes& b = r2.pkts.at(0);
  EXPECT_EQ(rd16(a, 2), 68);
  EXPECT_EQ(rd16(b, 2), 72);
  EXPECT_EQ(rd16(a, 4), 0x1234);
  EXPECT_EQ(rd16(b, 4), 0x1234);
  EXPECT_EQ(rd16(a, 6), 0x2000);  // MF, DF=0, offset 0
  EXPECT_EQ(rd16(b, 6), 6);       // offset 6 (48 bytes), MF=0
  EXPECT_EQ(a[9], 17);
  EXPECT_EQ(b[9], 17);
  EXPECT_EQ(a[8], 63);
  EXPECT_TRUE(ipv4_header_checksum_ok(a));
  EXPECT_TRUE(ipv4_header_checksum_ok(b));
  EXPECT_EQ(rd16(a, 20), 2222);  // first fragment: the mapper's port applied
  Bytes re(a.begin(), a.end());
  re.insert(re.end(), b.begin() + 20, b.end());
  wr16(re, 2, 120);
  EXPECT_TRUE(ipv4_l4_checksum_ok(re));
  EXPECT_TRUE(std::equal(b.begin() + 20, b.end(), part2.begin()));  // non-first: untouched
  EXPECT_EQ(m.calls.at(1).in.sport, 0);                             // no ports in a non-first fragment
}

TEST(Ipv6ToIpv4ExtHdr, AtomicFragmentClearsDf) {
  Bytes in = ipv6(Ip6{}, 44, cat({fragment_header(17, 0, false, 0x55667788), udp(1, 2, pattern(1400))}));
  fill_checksum6(in, 48, 17, 6);
  TestMapper m;
  Xlat6 r = run6(in, test_config(), m);
  ASSERT_EQ(r.outcome, Outcome::Forward);
  EXPECT_EQ(rd16(r.pkts.at(0), 6), 0);  // DF=0 even above 1260 bytes
  EXPECT_EQ(rd16(r.pkts[0], 4), 0x7788);
  EXPECT_EQ(rd16(r.pkts[0], 2), 20 + 1408);
  EXPECT_TRUE(ipv4_l4_checksum_ok(r.pkts[0]));
}

TEST(Ipv6ToIpv4ExtHdr, FragmentFollowedByExtensionHeaderDropped) {
  Bytes in = ipv6(Ip6{}, 44, cat({fragment_header(60, 0, true, 1), opts_header(17), udp(1, 2, pattern(8))}));
  TestMapper m;
  Xlat6 r = run6(in, test_config(), m);
  // RFC 7915 §5.1.1 drops it; §5.4 answers (refusals_test.cpp checks the bytes).
  EXPECT_EQ(r.outcome, Outcome::Reply);
  EXPECT_EQ(r.reason, DropReason::UnsupportedProtocol);
}

TEST(Ipv6ToIpv4ExtHdr, FragmentedIcmpDropped) {
  Bytes echo = icmp6(128, 0, 0x00010001, pattern(40));
  for (auto [off, more] : {std::pair<uint16_t, bool>{0, true}, {10, false}}) {
    Bytes in = ipv6(Ip6{}, 44, cat({fragment_header(58, off, more, 9), echo}));
    TestMapper m;
    Xlat6 r = run6(in, test_config(), m);
    EXPECT_EQ(r.outcome, Outcome::Drop);
    EXPECT_EQ(r.reason, DropReason::FragmentedIcmp);
  }
}

TEST(Ipv6ToIpv4ExtHdr, FragmentBeyondIpv4DatagramDropped) {
  Bytes in = ipv6(Ip6{}, 44, cat({fragment_header(17, 8190, false, 1), pattern(100)}));
  TestMapper m;
  EXPECT_EQ(run6(in, test_config(), m).reason, DropReason::Malformed);
}

TEST(Ipv6ToIpv4ExtHdr, EspAndAhPassThroughWithTheirProtocol) {
  for (uint8_t proto : {uint8_t{50}, uint8_t{51}}) {
    Bytes payload = pattern(32);
    Bytes in = ipv6(Ip6{}, proto, payload);
    TestMapper m;
    Xlat6 r = run6(in, test_config(), m);
    ASSERT_EQ(r.outcome, Outcome::Forward);
    EXPECT_EQ(r.pkts.at(0)[9], proto);
    EXPECT_TRUE(std::equal(payload.begin(), payload.end(), r.pkts[0].begin() + 20));
  }
}

// ---- malformed --------------------------------------------------------------------------------

TEST(Ipv6ToIpv4Malformed, ExtensionChainPastTheEnd) {
  Bytes h = opts_header(17, 0);
  h[1] = 5;  // claims 48 bytes, 8 present
  Bytes in = ipv6(Ip6{}, 0, h);
  TestMapper m;
  Xlat6 r = run6(in, test_config(), m);
  EXPECT_EQ(r.outcome, Outcome::Drop);
  EXPECT_EQ(r.reason, DropReason::Malformed);
  // A Fragment header cut short.
  Bytes in2 = ipv6(Ip6{}, 44, Bytes{17, 0, 0, 0});
  EXPECT_EQ(run6(in2, test_config(), m).reason, DropReason::Malformed);
}

TEST(Ipv6ToIpv4Malformed, HopByHopNotFirst) {
  Bytes in = ipv6(Ip6{}, 60, cat({opts_header(0), opts_header(17), udp(1, 2, pattern(4))}));
  TestMapper m;
  EXPECT_EQ(run6(in, test_config(), m).reason, DropReason::Malformed);
}

TEST(Ipv6ToIpv4Malformed, HeaderProblems) {
  TestMapper m;
  Bytes good = ipv6(Ip6{}, 17, udp(1, 2, pattern(8)));
  fill_checksum6(good, 40, 17, 6);
  for (size_t n = 0; n < good.size(); ++n) {  // every truncation
    Bytes t(good.begin(), good.begin() + n);
    Xlat6 r = run6(t, test_config(), m);
    EXPECT_EQ(r.outcome, Outcome::Drop) << n;
    EXPECT_EQ(r.reason, DropReason::Malformed) << n;
  }
  Bytes v4 = good;
  v4[0] = 0x45;
  EXPECT_EQ(run6(v4, test_config(), m).reason, DropReason::Malformed);
  Bytes jumbo = good;
  wr16(jumbo, 4, 0);  // Payload Length 0: Jumbo Payload
  EXPECT_EQ(run6(jumbo, test_config(), m).reason, DropReason::Malformed);
  Bytes longer = good;
  wr16(longer, 4, static_cast<uint16_t>(good.size() - 40 + 1));
  EXPECT_EQ(run6(longer, test_config(), m).reason, DropReason::Malformed);
  // Upper-layer headers cut short.
  EXPECT_EQ(run6(ipv6(Ip6{}, 17, pattern(7)), test_config(), m).reason, DropReason::Malformed);
  EXPECT_EQ(run6(ipv6(Ip6{}, 6, pattern(19)), test_config(), m).reason, DropReason::Malformed);
  EXPECT_EQ(run6(ipv6(Ip6{}, 58, pattern(7)), test_config(), m).reason, DropReason::Malformed);
}

// Random and mutated input under ASan/UBSan: no crash, no out-of-bounds access, and every
// forwarded packet is a well-formed IPv4 packet.
TEST(Ipv6ToIpv4Malformed, RandomBytesNeverCrash) {
  std::mt19937 rng(7915);
  TestMapper m;
  Bytes seeds[] = {
      ipv6(Ip6{}, 17, udp(1, 2, pattern(30))),
      ipv6(Ip6{}, 0, cat({opts_header(44), fragment_header(6, 0, true, 3), tcp(1, 2, pattern(9))})),
      ipv6(Ip6{}, 58,
           icmp6(1, 4, 0, ipv6(Ip6{0, 0, 9, "2001:db8:64::c000:201", "2001:db8:1::5"}, 17, udp(1, 2, pattern(8))))),
      ipv6(Ip6{}, 58, icmp6(128, 0, 0x11110001, pattern(16))),
  };
  for (int iter = 0; iter < 20000; ++iter) {
    Bytes in;
    if (iter % 4 == 0) {
      in.resize(rng() % 200);
      for (auto& b : in) b = static_cast<uint8_t>(rng());
      if (!in.empty()) in[0] = static_cast<uint8_t>(0x60 | (in[0] & 0x0f));
    } else {
      in = seeds[rng() % std::size(seeds)];
      const int flips = 1 + rng() % 6;
      for (int k = 0; k < flips; ++k) in[rng() % in.size()] = static_cast<uint8_t>(rng());
      if (rng() % 3 == 0) in.resize(rng() % (in.size() + 1));
    }
    auto cfg = test_config();
    cfg.mtu4 = static_cast<uint16_t>(68 + rng() % 1500);
    const size_t space = (iter % 7 == 0) ? rng() % 100 : in.size() + 4096;
    Xlat6 r = run6(in, cfg, m, space ? space : 1);
    if (r.outcome == Outcome::Forward) {
      for (const Bytes& p : r.pkts) {
        ASSERT_GE(p.size(), 20u);
        EXPECT_EQ(p[0], 0x45);
        EXPECT_EQ(rd16(p, 2), p.size());
        EXPECT_TRUE(ipv4_header_checksum_ok(p));
        EXPECT_LE(p.size(), cfg.mtu4);
      }
    }
    m.calls.clear();
  }
}
