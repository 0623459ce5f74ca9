// Stateful NAT64 (RFC 6146) end to end through Translator::translate, packets byte by byte.
#include <gtest/gtest.h>

#include "nat64_fixture.hpp"

namespace {

using namespace nat64test;
using pb6::rd16;
using sixfour::xlat::Outcome;

constexpr const char* kHost = "2001:db8:1::5";
constexpr const char* kPeer6 = "64:ff9b::c000:201";  // 192.0.2.1
constexpr const char* kPeer4 = "192.0.2.1";

TEST(Nat64Udp, OutboundCreatesBibAndSessionAndReplyComesBack) {
  Nat nat(lab_settings());
  Got r = nat.run(udp6(kHost, 40000, kPeer6, 53));
  ASSERT_EQ(r.outcome, Outcome::Forward);
  const Bytes& p = r.pkt();
  ASSERT_EQ(p.size(), 20u + 8 + 3);
  EXPECT_EQ(p[0], 0x45);
  EXPECT_EQ(p[9], 17);
  EXPECT_EQ(p[8], 63);  // Hop Limit 64 - 1 (RFC 7915 §5.1)
  EXPECT_EQ(v4src(p), "198.51.100.1");
  EXPECT_EQ(v4dst(p), kPeer4);
  const uint16_t port4 = rd16(p, 20);
  EXPECT_GE(port4, 1024);           // RFC 6146 §3.5.1.1: same range as 40000
  EXPECT_EQ(port4 % 2, 40000 % 2);  // and same parity (RFC 4787 §4.2.2)
  EXPECT_EQ(rd16(p, 22), 53);
  EXPECT_TRUE(pb6::ipv4_header_checksum_ok(p));
  EXPECT_TRUE(pb6::ipv4_l4_checksum_ok(p));

  auto bib = nat.state->bib();
  ASSERT_EQ(bib.size(), 1u);
  EXPECT_EQ(bib[0].proto, 17);
  EXPECT_EQ(bib[0].addr6.str(), kHost);
  EXPECT_EQ(bib[0].port6, 40000);
  EXPECT_EQ(bib[0].port4, port4);
  EXPECT_FALSE(bib[0].is_static);
  auto ss = nat.state->sessions(nat.now);
  ASSERT_EQ(ss.size(), 1u);
  EXPECT_EQ(ss[0].remote4.str(), kPeer4);
  EXPECT_EQ(ss[0].remote6.str(), kPeer6);
  EXPECT_EQ(ss[0].remote_port4, 53);
  EXPECT_EQ(ss[0].expires_in_ms, 300000u);  // RFC 6146 §4 UDP_DEFAULT

  // The answer from the IPv4 peer to the pool4 transport address reaches the inside host's port.
  Got back = nat.run(udp4(kPeer4, 53, "198.51.100.1", port4));
  ASSERT_EQ(back.outcome, Outcome::Forward);
  const Bytes& q = back.pkt();
  ASSERT_EQ(q.size(), 40u + 8 + 3);
  EXPECT_EQ(q[6], 17);
  EXPECT_EQ(v6at(q, 8), kPeer6);
  EXPECT_EQ(v6at(q, 24), kHost);
  EXPECT_EQ(rd16(q, 40), 53);
  EXPECT_EQ(rd16(q, 42), 40000);
  EXPECT_TRUE(pb6::ipv4_l4_checksum_ok(p));
  Bytes l4(q.begin() + 40, q.end());
  EXPECT_TRUE(v4to6test::v6_l4_checksum_ok({q.data() + 8, 16}, {q.data() + 24, 16}, 17, l4));
  EXPECT_EQ(nat.counter("in6"), 1u);
  EXPECT_EQ(nat.counter("in4"), 1u);
  EXPECT_EQ(nat.counter("out4"), 1u);
  EXPECT_EQ(nat.counter("out6"), 1u);
  EXPECT_EQ(nat.counter("bib.udp"), 1u);
  EXPECT_EQ(nat.counter("sessions.udp"), 1u);
}

TEST(Nat64Udp, EndpointIndependentMappingReusesTheBib) {
  Nat nat(lab_settings());
  Got a = nat.run(udp6(kHost, 40000, kPeer6, 53));
  Got b = nat.run(udp6(kHost, 40000, "64:ff9b::cb00:7107", 9999));  // 203.0.113.7
  ASSERT_EQ(a.outcome, Outcome::Forward);
  ASSERT_EQ(b.outcome, Outcome::Forward);
  EXPECT_EQ(rd16(a.pkt(), 20), rd16(b.pkt(), 20));  // RFC 4787 REQ-1
  EXPECT_EQ(nat.state->bib().size(), 1u);
  EXPECT_EQ(nat.state->sessions(nat.now).size(), 2u);
  EXPECT_EQ(nat.state->bib()[0].sessions, 2u);
}

TEST(Nat64Udp, NoBibFromIpv4GetsPortUnreachable) {
  Nat nat(lab_settings());
  Bytes in = udp4(kPeer4, 53, "198.51.100.1", 5000);
  Got r = nat.run(in);
  ASSERT_EQ(r.outcome, Outcome::Reply);
  const Bytes& e = r.pkt();
  EXPECT_EQ(v4src(e), "198.51.100.1");
  EXPECT_EQ(v4dst(e), kPeer4);
  EXPECT_EQ(e[20], 3);  // Destination Unreachable
  EXPECT_EQ(e[21], 3);  // Port Unreachable
  EXPECT_TRUE(std::equal(in.begin(), in.end(), e.begin() + 28));
  EXPECT_EQ(nat.counter("drops.no-bib"), 1u);
  EXPECT_EQ(nat.counter("icmp-errors-sent"), 1u);
  EXPECT_TRUE(nat.state->bib().empty());
}

TEST(Nat64Udp, NotPool4AndNotPrefixAreRefused) {
  Nat nat(lab_settings());
  EXPECT_EQ(nat.run(udp4(kPeer4, 53, "198.51.100.2", 5000)).outcome, Outcome::Drop);
  EXPECT_EQ(nat.counter("drops.not-pool4"), 1u);
  // An IPv6 destination outside the NAT64 prefix cannot be translated: Destination Unreachable back.
  Got r = nat.run(udp6(kHost, 40000, "2001:db8:2::1", 53));
  ASSERT_EQ(r.outcome, Outcome::Reply);
  EXPECT_EQ(r.pkt()[40], 1);
  EXPECT_TRUE(nat.state->bib().empty());
}

TEST(Nat64Udp, WellKnownPrefixRefusesNonGlobalPeers) {
  auto s = lab_settings();
  s.allow_non_global = false;  // RFC 6052 §3.1
  Nat nat(s);
  Got r = nat.run(udp6(kHost, 40000, "64:ff9b::a00:1", 53));  // 10.0.0.1
  ASSERT_EQ(r.outcome, Outcome::Reply);
  EXPECT_EQ(r.pkt()[40], 1);  // ICMPv6 Destination Unreachable
  EXPECT_EQ(nat.counter("drops.dst-untranslatable"), 1u);
  EXPECT_TRUE(nat.state->bib().empty());
  // A global IPv4 peer is fine.
  EXPECT_EQ(nat.run(udp6(kHost, 40000, "64:ff9b::808:808", 53)).outcome, Outcome::Forward);
}

TEST(Nat64Udp, SessionExpiresWithTheFakeClockAndTakesItsBibAlong) {
  std::vector<sixfour::nat64::LogEvent> events;
  auto s = lab_settings();
  s.log = [&](const sixfour::nat64::LogEvent& e) { events.push_back(e); };
  Nat nat(s);
  ASSERT_EQ(nat.run(udp6(kHost, 40000, kPeer6, 53)).outcome, Outcome::Forward);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].kind, sixfour::nat64::LogEvent::Kind::BibAdded);
  EXPECT_EQ(events[1].kind, sixfour::nat64::LogEvent::Kind::SessionAdded);
  EXPECT_EQ(events[1].remote4.str(), kPeer4);
  EXPECT_EQ(events[1].remote_port4, 53);

  nat.now += 100000;  // a packet 100 s later refreshes the lifetime to 300 s from then
  ASSERT_EQ(nat.run(udp6(kHost, 40000, kPeer6, 53)).outcome, Outcome::Forward);
  nat.state->expire(1000 + 300000);
  EXPECT_EQ(nat.state->sessions(nat.now).size(), 1u);
  nat.state->expire(101000 + 300000 - 1);
  EXPECT_EQ(nat.state->sessions(nat.now).size(), 1u);
  nat.state->expire(101000 + 300000);
  EXPECT_TRUE(nat.state->sessions(nat.now).empty());
  EXPECT_TRUE(nat.state->bib().empty());
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(events[2].kind, sixfour::nat64::LogEvent::Kind::SessionRemoved);
  EXPECT_EQ(events[3].kind, sixfour::nat64::LogEvent::Kind::BibRemoved);
  EXPECT_EQ(events[3].time_ms, 401000u);
}

// RFC 6146 §3.5.1: a packet from the IPv4 side in an existing session refreshes its lifetime too
// (RFC 4787 REQ-6 allows inbound refresh), to UDP_DEFAULT from that packet on.
TEST(Nat64Udp, Ipv4PacketRefreshesTheSession) {
  Nat nat(lab_settings());
  const uint16_t port4 = rd16(nat.run(udp6(kHost, 40000, kPeer6, 53)).pkt(), 20);  // at 1000 ms
  nat.now += 200000;
  Got back = nat.run(udp4(kPeer4, 53, "198.51.100.1", port4));
  ASSERT_EQ(back.outcome, Outcome::Forward);
  EXPECT_EQ(rd16(back.pkt(), 42), 40000);
  EXPECT_EQ(nat.state->sessions(nat.now).at(0).expires_in_ms, 300000u);
  nat.state->expire(201000 + 300000 - 1);
  EXPECT_EQ(nat.state->sessions(nat.now).size(), 1u);
  nat.state->expire(201000 + 300000);
  EXPECT_TRUE(nat.state->sessions(nat.now).empty());
  EXPECT_TRUE(nat.state->bib().empty());
}

TEST(Nat64Udp, AddressDependentFiltering) {
  auto s = lab_settings();
  s.address_dependent_filtering = true;
  Nat nat(s);
  Got out = nat.run(udp6(kHost, 40000, kPeer6, 53));
  const uint16_t port4 = rd16(out.pkt(), 20);
  // Same peer address, another port: allowed (address-dependent, not address-and-port-dependent).
  EXPECT_EQ(nat.run(udp4(kPeer4, 5353, "198.51.100.1", port4)).outcome, Outcome::Forward);
  // Another peer address: filtered, ICMP administratively prohibited (RFC 6146 §3.5.1).
  Got f = nat.run(udp4("203.0.113.9", 53, "198.51.100.1", port4));
  ASSERT_EQ(f.outcome, Outcome::Reply);
  EXPECT_EQ(f.pkt()[20], 3);
  EXPECT_EQ(f.pkt()[21], 13);
  EXPECT_EQ(nat.counter("drops.filtered"), 1u);
  EXPECT_EQ(nat.state->sessions(nat.now).size(), 2u);
}

TEST(Nat64Udp, EndpointIndependentFilteringLetsAnyPeerIn) {
  Nat nat(lab_settings());
  Got out = nat.run(udp6(kHost, 40000, kPeer6, 53));
  const uint16_t port4 = rd16(out.pkt(), 20);
  Got in = nat.run(udp4("203.0.113.9", 53, "198.51.100.1", port4));
  ASSERT_EQ(in.outcome, Outcome::Forward);
  EXPECT_EQ(v6at(in.pkt(), 8), "64:ff9b::cb00:7109");
  EXPECT_EQ(v6at(in.pkt(), 24), kHost);
  EXPECT_EQ(nat.state->sessions(nat.now).size(), 2u);
}

TEST(Nat64Icmp, EchoIdentifierIsTranslatedBothWays) {
  Nat nat(lab_settings());
  Got r = nat.run(echo6(kHost, kPeer6, 0x1234, 7));
  ASSERT_EQ(r.outcome, Outcome::Forward);
  const Bytes& p = r.pkt();
  EXPECT_EQ(p[9], 1);
  EXPECT_EQ(p[20], 8);  // Echo Request
  const uint16_t id4 = rd16(p, 24);
  EXPECT_EQ(rd16(p, 26), 7);
  EXPECT_TRUE(pb6::ipv4_l4_checksum_ok(p));
  auto bib = nat.state->bib();
  ASSERT_EQ(bib.size(), 1u);
  EXPECT_EQ(bib[0].proto, 58);
  EXPECT_EQ(bib[0].port6, 0x1234);
  EXPECT_EQ(bib[0].port4, id4);
  EXPECT_EQ(nat.state->sessions(nat.now)[0].expires_in_ms, 60000u);  // ICMP_DEFAULT

  Got back = nat.run(echo4(kPeer4, "198.51.100.1", id4, 7, true));
  ASSERT_EQ(back.outcome, Outcome::Forward);
  const Bytes& q = back.pkt();
  EXPECT_EQ(q[40], 129);
  EXPECT_EQ(rd16(q, 44), 0x1234);
  EXPECT_EQ(rd16(q, 46), 7);
  EXPECT_EQ(v6at(q, 24), kHost);
  EXPECT_TRUE(pb6::ipv6_icmp_checksum_ok(q));
  // An echo reply with an unknown identifier has no BIB: dropped silently.
  EXPECT_EQ(nat.run(echo4(kPeer4, "198.51.100.1", static_cast<uint16_t>(id4 + 1), 7, true)).outcome, Outcome::Drop);
  EXPECT_EQ(nat.counter("drops.no-bib"), 1u);
}

// RFC 6146 §3.5.3 / §4: every echo of the session (either way) sets its lifetime to ICMP_DEFAULT
// (60 s); when it runs out the session and its BIB entry go, and the identifier is free again.
TEST(Nat64Icmp, SessionExpiresAfterIcmpDefault) {
  Nat nat(lab_settings());
  const uint16_t id4 = rd16(nat.run(echo6(kHost, kPeer6, 0x1234, 1)).pkt(), 24);  // at 1000 ms
  nat.now += 30000;
  ASSERT_EQ(nat.run(echo4(kPeer4, "198.51.100.1", id4, 1, true)).outcome, Outcome::Forward);
  EXPECT_EQ(nat.state->sessions(nat.now).at(0).expires_in_ms, 60000u);
  nat.state->expire(31000 + 60000 - 1);
  EXPECT_EQ(nat.counter("sessions.icmp"), 1u);
  nat.state->expire(31000 + 60000);
  EXPECT_EQ(nat.counter("sessions.icmp"), 0u);
  EXPECT_EQ(nat.counter("bib.icmp"), 0u);
  nat.now = 31000 + 60000;
  // The late reply finds no BIB entry any more.
  EXPECT_EQ(nat.run(echo4(kPeer4, "198.51.100.1", id4, 1, true)).outcome, Outcome::Drop);
  EXPECT_EQ(nat.counter("drops.no-bib"), 1u);
}

// RFC 6146 §3.5.3: an ICMPv4 query to a pool4 identifier is filtered as UDP is (§3.5.1):
// endpoint-independent filtering lets any peer create its session; address-dependent filtering
// only peers the inside host has sent to (what the others get back: refusals.md).
TEST(Nat64Icmp, QueriesFromIpv4AreFilteredAsUdp) {
  Nat eif(lab_settings());
  const uint16_t id4 = rd16(eif.run(echo6(kHost, kPeer6, 0x1234, 1)).pkt(), 24);
  Got other = eif.run(echo4("203.0.113.9", "198.51.100.1", id4, 5, false));
  ASSERT_EQ(other.outcome, Outcome::Forward);
  EXPECT_EQ(other.pkt()[40], 128);  // Echo Request to the inside host
  EXPECT_EQ(rd16(other.pkt(), 44), 0x1234);
  EXPECT_EQ(v6at(other.pkt(), 8), "64:ff9b::cb00:7109");
  EXPECT_EQ(eif.counter("sessions.icmp"), 2u);

  auto s = lab_settings();
  s.address_dependent_filtering = true;
  Nat adf(s);
  const uint16_t id = rd16(adf.run(echo6(kHost, kPeer6, 0x1234, 1)).pkt(), 24);
  EXPECT_NE(adf.run(echo4("203.0.113.9", "198.51.100.1", id, 5, false)).outcome, Outcome::Forward);
  EXPECT_EQ(adf.counter("drops.filtered"), 1u);
  EXPECT_EQ(adf.counter("sessions.icmp"), 1u);
  EXPECT_EQ(adf.run(echo4(kPeer4, "198.51.100.1", id, 1, true)).outcome, Outcome::Forward);
}

TEST(Nat64Static, StaticBibLetsTheIpv4SideStartAndNeverExpires) {
  auto s = lab_settings();
  s.statics.push_back(sixfour::nat64::parse_static("udp,198.51.100.1#5353,2001:db8:1::53#53").value());
  s.statics.push_back(sixfour::nat64::parse_static("icmp,198.51.100.1#77,2001:db8:1::53#88").value());
  Nat nat(s);
  EXPECT_EQ(nat.state->bib().size(), 2u);
  Got r = nat.run(udp4(kPeer4, 999, "198.51.100.1", 5353));
  ASSERT_EQ(r.outcome, Outcome::Forward);
  EXPECT_EQ(v6at(r.pkt(), 8), kPeer6);
  EXPECT_EQ(v6at(r.pkt(), 24), "2001:db8:1::53");
  EXPECT_EQ(rd16(r.pkt(), 40), 999);
  EXPECT_EQ(rd16(r.pkt(), 42), 53);
  // The inside server answers from its static endpoint: same outside port.
  Got a = nat.run(udp6("2001:db8:1::53", 53, kPeer6, 999));
  ASSERT_EQ(a.outcome, Outcome::Forward);
  EXPECT_EQ(rd16(a.pkt(), 20), 5353);
  // Ping to the static ICMP identifier.
  Got e = nat.run(echo4(kPeer4, "198.51.100.1", 77, 1, false));
  ASSERT_EQ(e.outcome, Outcome::Forward);
  EXPECT_EQ(e.pkt()[40], 128);
  EXPECT_EQ(rd16(e.pkt(), 44), 88);
  nat.state->expire(nat.now + 10'000'000);
  EXPECT_TRUE(nat.state->sessions(nat.now).empty());
  EXPECT_EQ(nat.state->bib().size(), 2u);  // static entries stay
}

TEST(Nat64Pool4, ExhaustionDropsWithIcmpv6AddressUnreachable) {
  Nat nat(lab_settings("198.51.100.1:2000-2001"));
  Got a = nat.run(udp6(kHost, 40000, kPeer6, 53));
  Got b = nat.run(udp6(kHost, 40002, kPeer6, 53));  // even: takes the odd port (§3.5.1.1 fallback)
  ASSERT_EQ(a.outcome, Outcome::Forward);
  ASSERT_EQ(b.outcome, Outcome::Forward);
  EXPECT_EQ(rd16(a.pkt(), 20), 2000);
  EXPECT_EQ(rd16(b.pkt(), 20), 2001);
  EXPECT_EQ(nat.counter("pool4.ports-free"), 2u * 3 - 2);
  Bytes in = udp6(kHost, 40004, kPeer6, 53);
  Got c = nat.run(in);
  ASSERT_EQ(c.outcome, Outcome::Reply);
  const Bytes& e = c.pkt();
  EXPECT_EQ(e[6], 58);
  EXPECT_EQ(v6at(e, 8), "2001:db8:ff::1");
  EXPECT_EQ(v6at(e, 24), kHost);
  EXPECT_EQ(e[40], 1);  // Destination Unreachable
  EXPECT_EQ(e[41], 3);  // address unreachable
  EXPECT_TRUE(pb6::ipv6_icmp_checksum_ok(e));
  EXPECT_TRUE(std::equal(in.begin(), in.end(), e.begin() + 48));
  EXPECT_EQ(nat.counter("drops.pool4-exhausted"), 1u);
  // Another protocol has its own ports.
  EXPECT_EQ(nat.run(echo6(kHost, kPeer6, 1, 1)).outcome, Outcome::Forward);
}

TEST(Nat64Hairpin, Ipv6HostReachesAnotherThroughItsPool4Address) {
  auto s = lab_settings();
  s.statics.push_back(sixfour::nat64::parse_static("udp,198.51.100.1#8053,2001:db8:1::53#53").value());
  Nat nat(s);
  // 2001:db8:1::5 sends to the server's outside address 198.51.100.1#8053 embedded in the prefix.
  Got r = nat.run(udp6(kHost, 40000, "64:ff9b::c633:6401", 8053));
  ASSERT_EQ(r.outcome, Outcome::Forward);
  ASSERT_EQ(r.pkts.size(), 1u);
  const Bytes& p = r.pkt();
  ASSERT_EQ(p[0] >> 4, 6);
  // RFC 6146 §3.8: the server sees the client as its pool4 transport address embedded in the prefix.
  EXPECT_EQ(v6at(p, 8), "64:ff9b::c633:6401");
  EXPECT_EQ(v6at(p, 24), "2001:db8:1::53");
  const uint16_t client_port4 = rd16(p, 40);
  EXPECT_EQ(rd16(p, 42), 53);
  EXPECT_EQ(p[7], 62);  // translated twice
  Bytes l4(p.begin() + 40, p.end());
  EXPECT_TRUE(v4to6test::v6_l4_checksum_ok({p.data() + 8, 16}, {p.data() + 24, 16}, 17, l4));
  EXPECT_EQ(nat.counter("hairpinned"), 1u);

  // And the answer goes back the same way to the client's own port.
  Got a = nat.run(udp6("2001:db8:1::53", 53, "64:ff9b::c633:6401", client_port4));
  ASSERT_EQ(a.outcome, Outcome::Forward);
  EXPECT_EQ(v6at(a.pkt(), 8), "64:ff9b::c633:6401");
  EXPECT_EQ(v6at(a.pkt(), 24), kHost);
  EXPECT_EQ(rd16(a.pkt(), 40), 8053);
  EXPECT_EQ(rd16(a.pkt(), 42), 40000);
  EXPECT_EQ(nat.counter("hairpinned"), 2u);
}

// RFC 6146 §3.6 / RFC 7915 §4.2: a router on the IPv4 side answers the translated packet with Time
// Exceeded; the inside host must receive an error quoting its ORIGINAL packet: its own address and
// port, the peer as prefix + IPv4.
TEST(Nat64IcmpError, TimeExceededFromIpv4RouterQuotesTheOriginalPorts) {
  Nat nat(lab_settings());
  Got out = nat.run(udp6(kHost, 40000, kPeer6, 33434, {9, 9, 9, 9}));
  ASSERT_EQ(out.outcome, Outcome::Forward);
  const Bytes& sent = out.pkt();
  const uint16_t port4 = rd16(sent, 20);

  Bytes err = v4to6test::ipv4(1, a4("203.0.113.254"), a4("198.51.100.1"), v4to6test::icmp4(11, 0, 0, sent));
  Got r = nat.run(err);
  ASSERT_EQ(r.outcome, Outcome::Forward);
  const Bytes& e = r.pkt();
  EXPECT_EQ(e[6], 58);
  EXPECT_EQ(v6at(e, 8), "64:ff9b::cb00:71fe");  // the router, embedded
  EXPECT_EQ(v6at(e, 24), kHost);
  EXPECT_EQ(e[40], 3);  // Time Exceeded
  EXPECT_EQ(e[41], 0);
  // The quoted packet: the original IPv6 header fields and ports.
  EXPECT_EQ(e[48] >> 4, 6);
  EXPECT_EQ(v6at(e, 48 + 8), kHost);
  EXPECT_EQ(v6at(e, 48 + 24), kPeer6);
  EXPECT_EQ(rd16(e, 88), 40000);
  EXPECT_EQ(rd16(e, 90), 33434);
  EXPECT_NE(port4, 40000);  // (holds with overwhelming probability; makes the test meaningful)
  EXPECT_TRUE(pb6::ipv6_icmp_checksum_ok(e));
  // The error neither created nor refreshed anything.
  EXPECT_EQ(nat.state->sessions(nat.now).size(), 1u);
}

TEST(Nat64IcmpError, ErrorFromInsideHostQuotesThePool4Endpoint) {
  Nat nat(lab_settings());
  Got out = nat.run(udp6(kHost, 40000, kPeer6, 53));
  const uint16_t port4 = rd16(out.pkt(), 20);
  Got in = nat.run(udp4(kPeer4, 53, "198.51.100.1", port4));
  ASSERT_EQ(in.outcome, Outcome::Forward);
  // The inside host answers the delivered packet with Port Unreachable, quoting it.
  Bytes quote = in.pkt();
  Bytes err = pb6::ipv6({.src = kHost, .dst = kPeer6}, 58, pb6::icmp6(1, 4, 0, quote));
  pb6::fill_checksum6(err, 40, 58, 2);
  Got r = nat.run(err);
  ASSERT_EQ(r.outcome, Outcome::Forward);
  const Bytes& e = r.pkt();
  EXPECT_EQ(v4src(e), "198.51.100.1");
  EXPECT_EQ(v4dst(e), kPeer4);
  EXPECT_EQ(e[20], 3);
  EXPECT_EQ(e[21], 3);  // port unreachable
  EXPECT_EQ(v4src(Bytes(e.begin() + 28, e.end())), kPeer4);
  EXPECT_EQ(v4dst(Bytes(e.begin() + 28, e.end())), "198.51.100.1");
  EXPECT_EQ(rd16(e, 48), 53);
  EXPECT_EQ(rd16(e, 50), port4);
}

TEST(Nat64IcmpError, ErrorWithoutSessionIsDropped) {
  Nat nat(lab_settings());
  Bytes quoted = udp4("198.51.100.1", 3000, kPeer4, 53);
  Bytes err = v4to6test::ipv4(1, a4("203.0.113.254"), a4("198.51.100.1"), v4to6test::icmp4(11, 0, 0, quoted));
  EXPECT_EQ(nat.run(err).outcome, Outcome::Drop);
  EXPECT_EQ(nat.counter("drops.no-session"), 1u);
}

TEST(Nat64Misc, TtlExpiredIsAnsweredWithoutCreatingState) {
  Nat nat(lab_settings());
  Got r = nat.run(udp6(kHost, 40000, kPeer6, 53, {1}, 1));
  ASSERT_EQ(r.outcome, Outcome::Reply);
  EXPECT_EQ(r.pkt()[40], 3);
  EXPECT_TRUE(nat.state->bib().empty());
  Got g = nat.run(Bytes{0x00, 0x01});
  EXPECT_EQ(g.outcome, Outcome::Drop);
}

}  // namespace

namespace {

using namespace nat64test;
using sixfour::xlat::Outcome;

TEST(Nat64Limits, MaxSessionsRefusesNewSessionsOnly) {
  auto s = lab_settings();
  s.max_sessions = 2;
  Nat nat(s);
  EXPECT_EQ(nat.run(udp6("2001:db8:1::5", 1000, "64:ff9b::c000:201", 53)).outcome, Outcome::Forward);
  EXPECT_EQ(nat.run(udp6("2001:db8:1::5", 1002, "64:ff9b::c000:201", 53)).outcome, Outcome::Forward);
  Got r = nat.run(udp6("2001:db8:1::5", 1004, "64:ff9b::c000:201", 53));
  ASSERT_EQ(r.outcome, Outcome::Reply);
  EXPECT_EQ(r.pkt()[40], 1);
  EXPECT_EQ(r.pkt()[41], 3);
  EXPECT_EQ(nat.counter("drops.session-limit"), 1u);
  // Existing sessions keep working.
  EXPECT_EQ(nat.run(udp6("2001:db8:1::5", 1000, "64:ff9b::c000:201", 53)).outcome, Outcome::Forward);
  nat.state->expire(nat.now + 300000);
  EXPECT_EQ(nat.run(udp6("2001:db8:1::5", 1004, "64:ff9b::c000:201", 53)).outcome, Outcome::Forward);
}

// RFC 6146 §3.8 with an ICMP error: the server's Port Unreachable about a hairpinned datagram goes
// back through both passes and reaches the client quoting the client's original datagram.
TEST(Nat64Hairpin, IcmpErrorAboutAHairpinnedPacket) {
  auto s = lab_settings();
  s.statics.push_back(sixfour::nat64::parse_static("udp,198.51.100.1#8053,2001:db8:1::53#53").value());
  Nat nat(s);
  Got r = nat.run(udp6("2001:db8:1::5", 40000, "64:ff9b::c633:6401", 8053));
  ASSERT_EQ(r.outcome, Outcome::Forward);
  Bytes err = pb6::ipv6({.src = "2001:db8:1::53", .dst = "64:ff9b::c633:6401"}, 58, pb6::icmp6(1, 4, 0, r.pkt()));
  pb6::fill_checksum6(err, 40, 58, 2);
  Got e = nat.run(err);
  ASSERT_EQ(e.outcome, Outcome::Forward);
  const Bytes& p = e.pkt();
  ASSERT_EQ(p[0] >> 4, 6);
  EXPECT_EQ(v6at(p, 8), "64:ff9b::c633:6401");
  EXPECT_EQ(v6at(p, 24), "2001:db8:1::5");
  EXPECT_EQ(p[40], 1);
  EXPECT_EQ(p[41], 4);
  EXPECT_EQ(v6at(p, 48 + 8), "2001:db8:1::5");
  EXPECT_EQ(v6at(p, 48 + 24), "64:ff9b::c633:6401");
  EXPECT_EQ(pb6::rd16(p, 88), 40000);
  EXPECT_EQ(pb6::rd16(p, 90), 8053);
  EXPECT_TRUE(pb6::ipv6_icmp_checksum_ok(p));
}

}  // namespace
