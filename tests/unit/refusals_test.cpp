// Issue 16 item 3: every packet the translators refuse gets what RFC 7915 §4.4 / §5.4 and RFC 6146
// name, byte for byte, or is dropped silently where the RFCs (or RFC 1812 §4.3.2.7 / RFC 4443
// §2.4 (e)) say so. One test per row of docs/conformance/refusals.md that no older test covers.
#include <gtest/gtest.h>

#include "ipv4_to_ipv6_fixture.hpp"
#include "nat64_fixture.hpp"
#include "packet_builder6.hpp"
#include "xlat/ipv6_to_ipv4.hpp"

namespace {

using namespace nat64test;
using sixfour::xlat::DropReason;
using sixfour::xlat::Outcome;

// The ICMPv4 error `e` (RFC 792 / RFC 1812 §4.3.2): IPv4 header from `src` to the offending
// packet's source, TTL 64, protocol 1, not a fragment; then type, code, the `rest` word, and the
// offending packet quoted whole (all test packets are below 548 bytes); both checksums right.
void expect_icmpv4_error(const Bytes& e, const Bytes& offending, const char* src, uint8_t type, uint8_t code,
                         uint32_t rest = 0) {
  ASSERT_EQ(e.size(), 28 + offending.size());
  EXPECT_EQ(e[0], 0x45);
  EXPECT_EQ(pb6::rd16(e, 2), e.size()) << "total length";
  EXPECT_EQ(pb6::rd16(e, 6) & 0x3fff, 0) << "not a fragment";
  EXPECT_EQ(e[8], 64) << "TTL";
  EXPECT_EQ(e[9], 1) << "protocol ICMP";
  EXPECT_TRUE(pb6::ipv4_header_checksum_ok(e));
  EXPECT_EQ(v4src(e), src);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(e[16 + i], offending[12 + i]) << "destination = offending source";
  EXPECT_EQ(e[20], type);
  EXPECT_EQ(e[21], code);
  EXPECT_EQ(v4to6test::raw_sum({e.data() + 20, e.size() - 20}), 0xffffu) << "ICMP checksum";
  EXPECT_EQ(pb6::rd32(e, 24), rest);
  EXPECT_TRUE(std::equal(offending.begin(), offending.end(), e.begin() + 28)) << "quote";
}

// The ICMPv6 error `e` (RFC 4443 §2.4): IPv6 header from `src6` to the offending packet's source,
// Hop Limit 64, Next Header 58; then type, code, the 32-bit `param`, and the offending packet
// quoted whole; the checksum over the pseudo-header right.
void expect_icmpv6_error(const Bytes& e, const Bytes& offending, const char* src6, uint8_t type, uint8_t code,
                         uint32_t param = 0) {
  ASSERT_EQ(e.size(), 48 + offending.size());
  EXPECT_EQ(pb6::rd32(e, 0), 0x60000000u) << "version 6, traffic class 0, flow label 0";
  EXPECT_EQ(pb6::rd16(e, 4), 8 + offending.size()) << "payload length";
  EXPECT_EQ(e[6], 58);
  EXPECT_EQ(e[7], 64) << "hop limit";
  EXPECT_EQ(v6at(e, 8), src6);
  for (int i = 0; i < 16; ++i) EXPECT_EQ(e[24 + i], offending[8 + i]) << "destination = offending source";
  EXPECT_EQ(e[40], type);
  EXPECT_EQ(e[41], code);
  EXPECT_EQ(pb6::rd32(e, 44), param);
  EXPECT_TRUE(pb6::ipv6_icmp_checksum_ok(e));
  EXPECT_TRUE(std::equal(offending.begin(), offending.end(), e.begin() + 48)) << "quote";
}

// ---- IPv4 -> IPv6 (RFC 7915 §4) ------------------------------------------------------------------

struct Run4 {
  Outcome outcome;
  DropReason reason;
  Bytes pkt;
};

Run4 run4(const Bytes& in, const sixfour::xlat::Config& cfg = {}) {
  v4to6test::TestMapper m;
  Bytes storage(in.size() + 4096, 0xee);
  sixfour::xlat::Output out;
  out.data = storage;
  sixfour::xlat::ipv4_to_ipv6(in, cfg, m, out);
  Run4 r{out.outcome, out.reason, {}};
  if (out.count == 1) r.pkt.assign(out.packet(0).begin(), out.packet(0).end());
  return r;
}

const v4to6test::A4 kSrc4{198, 51, 100, 7};
const v4to6test::A4 kDst4{203, 0, 113, 9};

// RFC 7915 §1.2: fragmented ICMP is not translated; §4.4: the first fragment of a query is answered
// with Destination Unreachable, communication administratively prohibited (3/13), from self4.
TEST(Refusals4, FragmentedEchoFirstFragmentGetsAdminProhibited) {
  const Bytes in =
      v4to6test::ipv4(1, kSrc4, kDst4, v4to6test::icmp4(8, 0, 0x00070001, v4to6test::pattern(64)), {.mf = true});
  const Run4 r = run4(in);
  ASSERT_EQ(r.outcome, Outcome::Reply);
  EXPECT_EQ(r.reason, DropReason::FragmentedIcmp);
  expect_icmpv4_error(r.pkt, in, "192.0.0.8", 3, 13);
}

// ... but never about an ICMPv4 error (§4.4, RFC 1812 §4.3.2.7), a later fragment, or with errors off.
TEST(Refusals4, FragmentedIcmpSilentWhereNoErrorMaySpeak) {
  const Bytes quote = v4to6test::ipv4(17, kDst4, kSrc4, v4to6test::pattern(28));
  const Bytes error = v4to6test::ipv4(1, kSrc4, kDst4, v4to6test::icmp4(3, 1, 0, quote), {.mf = true});
  const Bytes later = v4to6test::ipv4(1, kSrc4, kDst4, v4to6test::pattern(64), {.frag_off = 9});
  const Bytes echo =
      v4to6test::ipv4(1, kSrc4, kDst4, v4to6test::icmp4(8, 0, 0x00070001, v4to6test::pattern(64)), {.mf = true});
  sixfour::xlat::Config quiet;
  quiet.send_icmp_errors = false;
  for (const Run4& r : {run4(error), run4(later), run4(echo, quiet)}) {
    EXPECT_EQ(r.outcome, Outcome::Drop);
    EXPECT_EQ(r.reason, DropReason::FragmentedIcmp);
    EXPECT_TRUE(r.pkt.empty());
  }
}

// §4.5 + §4.4: a zero-checksum UDP datagram that is dropped (by policy, or a first fragment) is
// answered; with send_icmp_errors off it is dropped silently; a later fragment cannot be recognised.
TEST(Refusals4, UdpZeroChecksumAnsweredUnlessErrorsOff) {
  const Bytes u = v4to6test::udp(kSrc4, kDst4, 5000, 6000, v4to6test::pattern(40), /*zero_checksum=*/true);
  const Bytes first = v4to6test::ipv4(17, kSrc4, kDst4, Bytes(u.begin(), u.begin() + 24), {.mf = true});
  sixfour::xlat::Config quiet;
  quiet.send_icmp_errors = false;
  const Run4 r = run4(first, quiet);
  EXPECT_EQ(r.outcome, Outcome::Drop);
  EXPECT_EQ(r.reason, DropReason::UdpZeroChecksum);
  quiet.compute_udp_zero_checksum = false;
  EXPECT_EQ(run4(v4to6test::ipv4(17, kSrc4, kDst4, u), quiet).outcome, Outcome::Drop);
  const Run4 a = run4(first);
  ASSERT_EQ(a.outcome, Outcome::Reply);
  expect_icmpv4_error(a.pkt, first, "192.0.0.8", 3, 13);
}

// RFC 1812 §4.3.2.7: no error to a broadcast/multicast destination's sender; the packet counts
// under multicast before anything else is looked at.
TEST(Refusals4, MulticastDestinationSilent) {
  const v4to6test::A4 group{233, 252, 0, 1};
  const Run4 r =
      run4(v4to6test::ipv4(17, kSrc4, group, v4to6test::udp(kSrc4, group, 1, 2, v4to6test::pattern(4), true)));
  EXPECT_EQ(r.outcome, Outcome::Drop);
  EXPECT_EQ(r.reason, DropReason::Multicast);
}

// ---- IPv6 -> IPv4 (RFC 7915 §5) ------------------------------------------------------------------

using pb6::Ip6;

// An 8-byte Hop-by-Hop / Destination Options header (RFC 8200 §4.3) padded with one PadN option.
Bytes opts(uint8_t next_header) { return Bytes{next_header, 0, 1, 4, 0, 0, 0, 0}; }

Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes b;
  for (const Bytes& p : parts) b.insert(b.end(), p.begin(), p.end());
  return b;
}

// §5.1.1: an extension header after the Fragment header: "SHOULD be dropped and logged"; §5.4's
// default error, Destination Unreachable code 1, from self6, quoting the packet as received.
TEST(Refusals6, ExtensionHeaderAfterFragmentGetsAdminProhibited) {
  const Bytes in =
      pb6::ipv6(Ip6{}, 44, cat({pb6::fragment_header(60, 0, true, 7), opts(17), pb6::udp(1, 2, pb6::pattern(4))}));
  pb6::TestMapper m;
  const pb6::Xlat6 r = pb6::run6(in, pb6::test_config(), m);
  ASSERT_EQ(r.outcome, Outcome::Reply);
  EXPECT_EQ(r.reason, DropReason::UnsupportedProtocol);
  expect_icmpv6_error(r.pkts.at(0), in, "2001:db8:ff::1", 1, 1);
  EXPECT_TRUE(m.calls.empty()) << "refused before any address mapping";
}

// RFC 4443 §2.4 (e): not about a later fragment, not to a multicast destination; nor with errors off.
TEST(Refusals6, ExtensionHeaderAfterFragmentSilentCases) {
  const Bytes later =
      pb6::ipv6(Ip6{}, 44, cat({pb6::fragment_header(60, 2, false, 7), opts(17), pb6::udp(1, 2, pb6::pattern(4))}));
  const Bytes group = pb6::ipv6({.dst = "ff0e::1"}, 44,
                                cat({pb6::fragment_header(60, 0, true, 7), opts(17), pb6::udp(1, 2, pb6::pattern(4))}));
  pb6::TestMapper m;
  sixfour::xlat::Config quiet = pb6::test_config();
  quiet.send_icmp_errors = false;
  const pb6::Xlat6 a = pb6::run6(later, pb6::test_config(), m);
  EXPECT_EQ(a.outcome, Outcome::Drop);
  EXPECT_EQ(a.reason, DropReason::UnsupportedProtocol);
  const pb6::Xlat6 b = pb6::run6(group, pb6::test_config(), m);
  EXPECT_EQ(b.outcome, Outcome::Drop);
  EXPECT_EQ(b.reason, DropReason::Multicast);
  EXPECT_EQ(pb6::run6(later, quiet, m).outcome, Outcome::Drop);
}

// RFC 8200 §8.1: a zero UDP checksum is invalid in IPv6; the translator discards the datagram and
// §5.4 answers it.
TEST(Refusals6, UdpZeroChecksumGetsAdminProhibited) {
  const Bytes in = pb6::ipv6(Ip6{}, 17, pb6::udp(1111, 53, pb6::pattern(12)));  // checksum left 0
  pb6::TestMapper m;
  const pb6::Xlat6 r = pb6::run6(in, pb6::test_config(), m);
  ASSERT_EQ(r.outcome, Outcome::Reply);
  EXPECT_EQ(r.reason, DropReason::UdpZeroChecksum);
  expect_icmpv6_error(r.pkts.at(0), in, "2001:db8:ff::1", 1, 1);
}

// §5.4: "unless the discarded packet is itself an ICMPv6 message": an echo request whose source
// has no mapping is dropped without an answer (a UDP datagram gets one: ipv6_to_ipv4_test.cpp).
TEST(Refusals6, IcmpMessageFromUntranslatableSourceSilent) {
  Bytes in = pb6::ipv6({.src = "2001:db8:77::1"}, 58, pb6::icmp6(128, 0, 0x00010001, pb6::pattern(8)));
  pb6::fill_checksum6(in, 40, 58, 2);
  pb6::TestMapper m;
  const pb6::Xlat6 r = pb6::run6(in, pb6::test_config(), m);
  EXPECT_EQ(r.outcome, Outcome::Drop);
  EXPECT_EQ(r.reason, DropReason::SrcUntranslatable);
  EXPECT_TRUE(r.pkts.empty());
}

// §5.1: a Routing header with Segments Left != 0 with errors off: dropped silently, still counted
// under source-routed (the answer itself: ipv6_to_ipv4_exthdr_test.cpp).
TEST(Refusals6, RoutingHeaderWithErrorsOffSilent) {
  const Bytes in = pb6::ipv6(Ip6{}, 43, cat({pb6::routing_header(17, 1), pb6::udp(1, 2, pb6::pattern(4))}));
  sixfour::xlat::Config quiet = pb6::test_config();
  quiet.send_icmp_errors = false;
  pb6::TestMapper m;
  const pb6::Xlat6 r = pb6::run6(in, quiet, m);
  EXPECT_EQ(r.outcome, Outcome::Drop);
  EXPECT_EQ(r.reason, DropReason::SourceRouted);
}

// ---- NAT64 (RFC 6146) ----------------------------------------------------------------------------

// RFC 6146 §3.1 translates TCP, UDP and ICMP only. From the IPv6 side: Parameter Problem, code 1
// (unrecognized Next Header), the pointer at the octet naming the protocol (RFC 4443 §3.4), from
// self6; counted as unsupported-protocol and icmp-errors-sent.
TEST(Refusals64, UnknownProtocolFromIpv6GetsParameterProblem) {
  Nat nat(lab_settings());
  const Bytes sctp = pb6::ipv6({.src = "2001:db8:1::5", .dst = "64:ff9b::c000:201"}, 132, pb6::pattern(16));
  Got r = nat.run(sctp);
  ASSERT_EQ(r.outcome, Outcome::Reply);
  EXPECT_EQ(r.reason, DropReason::UnsupportedProtocol);
  expect_icmpv6_error(r.pkt(), sctp, "2001:db8:ff::1", 4, 1, 6);
  // Behind a Destination Options header the pointer names that header's Next Header octet.
  const Bytes behind =
      pb6::ipv6({.src = "2001:db8:1::5", .dst = "64:ff9b::c000:201"}, 60, cat({opts(132), pb6::pattern(16)}));
  r = nat.run(behind);
  ASSERT_EQ(r.outcome, Outcome::Reply);
  expect_icmpv6_error(r.pkt(), behind, "2001:db8:ff::1", 4, 1, 40);
  EXPECT_EQ(nat.counter("drops.unsupported-protocol"), 2u);
  EXPECT_EQ(nat.counter("icmp-errors-sent"), 2u);
  EXPECT_TRUE(nat.state->bib().empty());
  // Outside the prefix: the usual answer to an untranslatable destination (no route).
  const Bytes elsewhere = pb6::ipv6({.src = "2001:db8:1::5", .dst = "2001:db8:77::1"}, 132, pb6::pattern(16));
  r = nat.run(elsewhere);
  ASSERT_EQ(r.outcome, Outcome::Reply);
  EXPECT_EQ(r.reason, DropReason::DstUntranslatable);
  expect_icmpv6_error(r.pkt(), elsewhere, "2001:db8:ff::1", 1, 0);
}

// From the IPv4 side, to a pool4 address: Protocol Unreachable (3/2) from that address, as the
// host it names would answer (RFC 1122 §3.2.2.1). Not to a pool4 address: not the NAT64's to answer.
TEST(Refusals64, UnknownProtocolFromIpv4GetsProtocolUnreachable) {
  Nat nat(lab_settings());
  const Bytes in = v4to6test::ipv4(132, a4("192.0.2.1"), a4("198.51.100.1"), v4to6test::pattern(16));
  Got r = nat.run(in);
  ASSERT_EQ(r.outcome, Outcome::Reply);
  EXPECT_EQ(r.reason, DropReason::UnsupportedProtocol);
  expect_icmpv4_error(r.pkt(), in, "198.51.100.1", 3, 2);
  r = nat.run(v4to6test::ipv4(132, a4("192.0.2.1"), a4("198.51.100.9"), v4to6test::pattern(16)));
  EXPECT_EQ(r.outcome, Outcome::Drop);
  EXPECT_EQ(nat.counter("drops.not-pool4"), 1u);
  EXPECT_EQ(nat.counter("drops.unsupported-protocol"), 1u);
  EXPECT_EQ(nat.counter("icmp-errors-sent"), 1u);
}

TEST(Refusals64, UnknownProtocolWithErrorsOffSilent) {
  nat64::Settings s = lab_settings();
  s.xlat.send_icmp_errors = false;
  Nat nat(s);
  EXPECT_EQ(nat.run(pb6::ipv6({.src = "2001:db8:1::5", .dst = "64:ff9b::c000:201"}, 132, pb6::pattern(16))).outcome,
            Outcome::Drop);
  EXPECT_EQ(nat.run(v4to6test::ipv4(132, a4("192.0.2.1"), a4("198.51.100.1"), v4to6test::pattern(16))).outcome,
            Outcome::Drop);
  EXPECT_EQ(nat.counter("drops.unsupported-protocol"), 2u);
  EXPECT_EQ(nat.counter("icmp-errors-sent"), 0u);
}

// RFC 6052 §3.1: with the well-known prefix a non-global IPv4 peer is not embedded; the packet from
// it is refused with §4.4's default error (3/13) from self4.
TEST(Refusals64, NonGlobalPeerWithWellKnownPrefixGetsAdminProhibited) {
  nat64::Settings s = lab_settings();
  s.allow_non_global = false;
  Nat nat(s);
  const Bytes in = udp4("10.1.2.3", 53, "198.51.100.1", 5000);
  const Got r = nat.run(in);
  ASSERT_EQ(r.outcome, Outcome::Reply);
  EXPECT_EQ(r.reason, DropReason::SrcUntranslatable);
  expect_icmpv4_error(r.pkt(), in, "192.0.0.8", 3, 13);
  EXPECT_EQ(nat.counter("drops.src-untranslatable"), 1u);
}

// RFC 6146 §3.5: ICMP errors never create state and are never answered (RFC 1812 §4.3.2.7): an
// ICMPv4 error about no session is dropped silently, counted as no-session.
TEST(Refusals64, IcmpErrorWithoutSessionSilent) {
  Nat nat(lab_settings());
  const Bytes quoted = udp4("198.51.100.1", 5000, "192.0.2.1", 53);
  const Bytes in = v4to6test::ipv4(1, a4("192.0.2.1"), a4("198.51.100.1"), v4to6test::icmp4(3, 3, 0, quoted));
  const Got r = nat.run(in);
  EXPECT_EQ(r.outcome, Outcome::Drop);
  EXPECT_TRUE(r.pkts.empty());
  EXPECT_EQ(nat.counter("drops.no-session"), 1u);
}

}  // namespace

namespace {

// RFC 6146 §3.5.2.2 (only a SYN opens a TCP connection) and §3.5.3: from the IPv4 side, a TCP
// segment other than a SYN, or an echo request, for a pool4 address without a BIB entry is dropped
// silently (counted as no-bib); only UDP gets Port Unreachable (Nat64Udp.NoBibFromIpv4GetsPortUnreachable).
TEST(Refusals64, TcpNonSynAndEchoWithoutBibSilent) {
  Nat nat(lab_settings());
  const Got ack = nat.run(tcp4("192.0.2.1", 80, "198.51.100.1", 6000, 0x10));
  EXPECT_EQ(ack.outcome, Outcome::Drop);
  EXPECT_TRUE(ack.pkts.empty());
  const Got echo = nat.run(echo4("192.0.2.1", "198.51.100.1", 77, 1, false));
  EXPECT_EQ(echo.outcome, Outcome::Drop);
  EXPECT_TRUE(echo.pkts.empty());
  EXPECT_EQ(nat.counter("drops.no-bib"), 2u);
  EXPECT_EQ(nat.counter("icmp-errors-sent"), 0u);
}

}  // namespace
